"""Seed the recipient agencies and the first hotline policy (docs/domain.md §7-8); staff edit both later."""

import datetime

from django.db import migrations

AGENCIES = [
    (
        "prosecutor_general",
        "Генеральная прокуратура Республики Казахстан",
        "Қазақстан Республикасының Бас прокуратурасы",
        "Prosecutor General's Office of the Republic of Kazakhstan",
    ),
    (
        "prosecutor_regional",
        "Прокуратура области (города республиканского значения)",
        "Облыс (республикалық маңызы бар қала) прокуратурасы",
        "Regional prosecutor's office",
    ),
    (
        "police",
        "Министерство внутренних дел Республики Казахстан (полиция)",
        "Қазақстан Республикасының Ішкі істер министрлігі (полиция)",
        "Ministry of Internal Affairs of the Republic of Kazakhstan (police)",
    ),
    (
        "anti_corruption",
        "Агентство Республики Казахстан по противодействию коррупции",
        "Қазақстан Республикасының Сыбайлас жемқорлыққа қарсы іс-қимыл агенттігі",
        "Anti-Corruption Agency of the Republic of Kazakhstan",
    ),
    (
        "election_commission",
        "Центральная избирательная комиссия Республики Казахстан",
        "Қазақстан Республикасының Орталық сайлау комиссиясы",
        "Central Election Commission of the Republic of Kazakhstan",
    ),
]


def seed(apps, schema_editor):
    Agency = apps.get_model("hotline", "Agency")
    HotlinePolicy = apps.get_model("hotline", "HotlinePolicy")
    for code, name_ru, name_kk, name_en in AGENCIES:
        Agency.objects.get_or_create(code=code, defaults={"name_ru": name_ru, "name_kk": name_kk, "name_en": name_en})
    HotlinePolicy.objects.get_or_create(
        valid_from=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        defaults={
            "triage_hours": 24,
            "answer_days": 30,
            "follow_up_days": 7,
            "retention_days": 365,
            "pattern_window_days": 30,
            "max_file_mb": 10,
            "max_files": 5,
            "source": "Coalition HQ hotline issue: defaults (24 h triage, 30 days for an answer); not set by law",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("hotline", "Agency").objects.filter(code__in=[a[0] for a in AGENCIES]).delete()
    apps.get_model("hotline", "HotlinePolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
