"""Demo hotline cases (no real people): coercion to donate at a workplace forwarded to the prosecutor's office,
an impersonation of the coalition reported by phone, and students pressed to attend a rally.

Idempotent: a case is recognised by its text, so loading again adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from coalition import demo
from coalition.models import Region
from coalition.roles import Role
from hotline import services
from hotline.models import Agency, Category, Channel, Report
from members.models import Organization

WORKPLACE = (
    "На собрании коллектива начальник цеха объявил, что каждый работник должен перечислить 10 000 тенге в "
    "избирательный фонд кандидата, а списки «несознательных» передадут руководству. Показали бланк перевода."
)
IMPERSONATION = (
    "Звонящий сообщил: по квартирам ходят двое, представляются сотрудниками «штаба Народной коалиции» и собирают "
    "наличные «на агитацию», выдают самодельные квитанции."
)
RALLY = (
    "Студентам колледжа сказали, что явка на митинг в субботу обязательна, иначе не допустят к сессии. "
    "Старосты отмечают присутствующих."
)


def _officer():
    User = get_user_model()
    officer = User.objects.filter(groups__name=Role.INTEGRITY_OFFICER, is_active=True).order_by("pk").first()
    if officer is None and settings.DEBUG:
        demo.load_accounts()  # the same accounts load_demo creates next; needed here to work the demo case
        officer = User.objects.filter(groups__name=Role.INTEGRITY_OFFICER, is_active=True).order_by("pk").first()
    return officer


def load(stdout) -> None:
    created = 0
    regions = {region.code: region for region in Region.objects.all()}
    if not Report.objects.filter(description=WORKPLACE).exists():
        receipt = services.submit_report(
            category=Category.COERCION_TO_DONATE,
            description=WORKPLACE,
            region=regions.get("KZ-35"),
            locality="Темиртау",
            occurred_on=timezone.localdate() - timedelta(days=6),
            involved="Металлургическое предприятие (демо)",
        )
        created += 1
        officer = _officer()
        if officer is not None:
            services.triage_report(report=receipt.report, severity="high", duplicate_of=None, by=officer)
            services.add_note(
                report=receipt.report, text="Два похожих звонка на горячую линию; направить в прокуратуру.", by=officer
            )
            services.forward_report(
                report=receipt.report,
                agency=Agency.objects.get(code="prosecutor_regional"),
                sent_on=timezone.localdate() - timedelta(days=2),
                outgoing_number="ДЕМО-01/2026",
                include_identity=False,
                by=officer,
            )
        stdout.write(f"Hotline demo: {receipt.code} (secret {receipt.secret}) forwarded to the prosecutor's office.")
    if not Report.objects.filter(description=IMPERSONATION).exists():
        staff = get_user_model().objects.filter(groups__name=Role.COMMITTEE_STAFF).order_by("pk").first()
        receipt = services.submit_report(
            category=Category.IMPERSONATION,
            description=IMPERSONATION,
            region=regions.get("KZ-79"),
            locality="Шымкент",
            occurred_when="на прошлой неделе",
            channel=Channel.PHONE,
            recorded_by=staff,
            identity=services.IdentityData(
                full_name="Демо Заявитель",
                phone="+77000000000",
                consent_to_contact=True,
                consent_text="Демо: согласие зачитано по телефону.",
            ),
        )
        created += 1
        stdout.write(f"Hotline demo: {receipt.code} (secret {receipt.secret}) recorded from a phone call.")
    if not Report.objects.filter(description=RALLY).exists():
        youth = Organization.objects.filter(short_name="Ассамблея жастары").first()
        receipt = services.submit_report(
            category=Category.COERCION_TO_ATTEND,
            description=RALLY,
            region=regions.get("KZ-75"),
            locality="Алматы",
            involved="Колледж (демо)",
            organization=youth if youth and youth.status == Organization.Status.ADMITTED else None,
        )
        created += 1
        stdout.write(f"Hotline demo: {receipt.code} (secret {receipt.secret}) awaiting triage.")
    stdout.write(f"Hotline: {created} demo reports new.")
