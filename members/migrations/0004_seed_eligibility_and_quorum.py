"""Seed the rules staff then maintain: who may not campaign (Art. 27 of the election law) and the quorum."""

from datetime import date
from decimal import Decimal

from django.db import migrations

SOURCE = "Конституционный закон «О выборах», ст. 27"

# (code, label, reason, name keywords, BIN type digits)
CATEGORIES = [
    (
        "religious_association",
        "Религиозное объединение",
        "Религиозные объединения не вправе участвовать в предвыборной агитации, поэтому не могут вступить в коалицию.",
        "религиозн,мечеть,церковь,приход,епархи,діни,мешіт",
        "",
    ),
    (
        "foreign_legal_entity",
        "Иностранное юридическое лицо",
        "Иностранные юридические лица не вправе участвовать в предвыборной агитации.",
        "",
        "5",
    ),
    (
        "international_organization",
        "Международная организация",
        "Международные организации не вправе участвовать в предвыборной агитации.",
        "",
        "",
    ),
    (
        "state_body",
        "Государственный орган или орган местного самоуправления",
        "Государственные органы и органы местного самоуправления не вправе участвовать в предвыборной агитации.",
        "акимат,министерств,маслихат",
        "",
    ),
    (
        "state_organization",
        "Государственная организация или предприятие",
        "Государственные организации не вправе участвовать в предвыборной агитации от своего имени.",
        "",
        "",
    ),
    (
        "military_law_enforcement",
        "Воинская часть, орган национальной безопасности или правоохранительный орган",
        "Военнослужащие, сотрудники органов национальной безопасности и правоохранительных органов "
        "не вправе участвовать в предвыборной агитации.",
        "",
        "",
    ),
    (
        "election_commission",
        "Избирательная комиссия",
        "Избирательные комиссии не вправе участвовать в предвыборной агитации.",
        "избирательная комиссия,сайлау комиссия",
        "",
    ),
]


def seed(apps, schema_editor):
    IneligibleCategory = apps.get_model("members", "IneligibleCategory")
    QuorumRule = apps.get_model("members", "QuorumRule")
    for position, (code, label, reason, keywords, digits) in enumerate(CATEGORIES):
        IneligibleCategory.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "reason": reason,
                "name_keywords": keywords,
                "bin_type_digits": digits,
                "source": SOURCE,
                "position": position,
            },
        )
    QuorumRule.objects.get_or_create(
        valid_from=date(2026, 1, 1),
        defaults={
            "share": Decimal("0.50"),
            "strictly_more": True,
            "source": "Положение об организационном комитете: более половины членов",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0003_organization_details_meetings_decisions_statements")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
