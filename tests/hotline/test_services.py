"""Case work: triage, notes, identity access, forwarding with the generated letter, answers, closing,
SLA escalation, follow-up reminders, pattern alerts, retention, and the immutability of what was reported."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, transaction
from django.utils import timezone

from coalition.models import AuditEntry, OutboundMessage
from hotline import selectors, services
from hotline.letters import pdf_available
from hotline.models import (
    Agency,
    Evidence,
    HotlinePolicy,
    IdentityAccess,
    PatternAlert,
    Report,
    ReporterIdentity,
    SlaBreach,
)
from members.models import Organization
from tests.factories import OrganizationFactory
from tests.hotline.factories import file_report, identity, jpeg_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture
def prosecutor():
    return Agency.objects.get(code="prosecutor_regional")


def _forward(report, officer, agency, number="07-15/123", **kwargs):
    return services.forward_report(
        report=report,
        agency=agency,
        sent_on=timezone.localdate(),
        outgoing_number=number,
        include_identity=kwargs.pop("include_identity", False),
        by=officer,
        **kwargs,
    )


def test_agencies_and_policy_are_seeded_as_data():
    assert {"prosecutor_general", "prosecutor_regional", "police", "anti_corruption"} <= set(
        Agency.objects.values_list("code", flat=True)
    )
    policy = HotlinePolicy.current()
    assert policy.pk and policy.triage_hours == 24 and policy.answer_days == 30


def test_tracking_code_and_secret_check():
    receipt = file_report()
    assert receipt.code.startswith("HL-") and len(receipt.code) == 12
    assert selectors.report_for_receipt(code=receipt.code, secret=receipt.secret) == receipt.report
    assert selectors.report_for_receipt(code=receipt.code, secret=receipt.secret + "x") is None
    assert selectors.report_for_receipt(code="", secret=receipt.secret) is None


def test_original_report_and_evidence_cannot_be_changed_or_deleted():
    receipt = file_report(files=[jpeg_with_gps()])
    with pytest.raises(ProgrammingError), transaction.atomic():
        Report.objects.filter(pk=receipt.report.pk).update(description="rewritten")
    bare = file_report().report
    with pytest.raises(ProgrammingError), transaction.atomic():
        Report.objects.filter(pk=bare.pk).delete()
    with pytest.raises(ProgrammingError), transaction.atomic():
        Evidence.objects.filter(report=receipt.report).update(sha256="0" * 64)


def test_triage_sets_severity_duplicate_and_status(integrity_officer):
    first, second = file_report().report, file_report().report
    services.triage_report(report=second, severity="high", duplicate_of=first, by=integrity_officer)
    second.refresh_from_db()
    assert second.status == "triaged" and second.severity == "high" and second.duplicate_of == first
    assert second.triaged_at is not None
    assert AuditEntry.objects.filter(action="hotline.triaged", object_id=str(second.pk)).exists()
    with pytest.raises(ValidationError):
        services.triage_report(report=first, severity="low", duplicate_of=first, by=integrity_officer)


def test_identity_is_revealed_to_the_integrity_officer_alone_and_each_look_is_logged(
    integrity_officer, staff_user, superuser, auditor
):
    report = file_report(identity=identity()).report
    for user in (staff_user, superuser, auditor):
        with pytest.raises(PermissionDenied):
            services.reveal_identity(report=report, user=user, reason="curious", ip_address="10.0.0.1")
    assert not IdentityAccess.objects.exists()
    seen = services.reveal_identity(
        report=report, user=integrity_officer, reason="to call the reporter back", ip_address="10.0.0.2"
    )
    assert seen.full_name == "Тестовый Заявитель"
    access = IdentityAccess.objects.get()
    assert (access.user, access.report, access.reason, access.ip_address) == (
        integrity_officer,
        report,
        "to call the reporter back",
        "10.0.0.2",
    )
    with pytest.raises(ValidationError):
        services.reveal_identity(report=report, user=integrity_officer, reason=" ", ip_address=None)
    # The audit entry names the access, never the identity.
    entry = AuditEntry.objects.get(action="hotline.identity_viewed")
    assert "Тестовый" not in str(entry.data) and "reporter@example.kz" not in str(entry.data)


def test_forwarding_generates_the_letter_without_identity(integrity_officer, prosecutor, settings):
    report = file_report(identity=identity(), files=[jpeg_with_gps()]).report
    forwarding = _forward(report, integrity_officer, prosecutor)
    report.refresh_from_db()
    assert report.status == "forwarded"
    assert forwarding.letter.name.startswith("hotline/letters/") and forwarding.letter_sha256
    content = (settings.MEDIA_ROOT / forwarding.letter.name).read_bytes()
    if forwarding.letter_content_type == "text/html":
        text = content.decode()
        assert report.tracking_code in text and "Тестовый" not in text and "07-15/123" in text
    else:
        assert content.startswith(b"%PDF-")
    assert not forwarding.includes_identity
    assert not IdentityAccess.objects.exists()


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint cannot load Pango on this machine")
def test_letter_is_a_pdf_naming_the_case_and_agency(integrity_officer, prosecutor, settings):
    import subprocess

    report = file_report().report
    forwarding = _forward(report, integrity_officer, prosecutor)
    assert forwarding.letter_content_type == "application/pdf"
    path = settings.MEDIA_ROOT / forwarding.letter.name
    assert path.read_bytes().startswith(b"%PDF-")
    try:
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        return  # poppler-utils absent: the PDF header check above is what we can do
    assert report.tracking_code in text and "07-15/123" in text


def test_identity_goes_into_the_letter_only_with_consent_and_is_logged(integrity_officer, prosecutor):
    no_consent = file_report(identity=identity()).report
    with pytest.raises(ValidationError):
        _forward(no_consent, integrity_officer, prosecutor, include_identity=True)
    consented = file_report(identity=identity(consent_to_share=True)).report
    forwarding = _forward(consented, integrity_officer, prosecutor, number="2", include_identity=True)
    assert forwarding.includes_identity
    access = IdentityAccess.objects.get(report=consented)
    assert access.action == IdentityAccess.Action.DISCLOSE and "2" in access.reason


def test_disclosure_without_consent_needs_a_second_staff_member(integrity_officer, staff_user, prosecutor):
    report = file_report(identity=identity()).report
    disclosure = services.request_disclosure(
        report=report, agency=prosecutor, legal_basis="Запрос прокуратуры № 1", by=integrity_officer
    )
    assert not services.may_include_identity(report, prosecutor)
    with pytest.raises(PermissionDenied):
        services.approve_disclosure(disclosure=disclosure, by=integrity_officer)  # no approval right, and same person
    services.approve_disclosure(disclosure=disclosure, by=staff_user)
    assert services.may_include_identity(report, prosecutor)
    assert not services.may_include_identity(report, Agency.objects.get(code="police"))
    assert _forward(report, integrity_officer, prosecutor, include_identity=True).includes_identity


def test_the_same_person_cannot_request_and_approve(integrity_officer, prosecutor):
    from django.contrib.auth.models import Group

    integrity_officer.groups.add(Group.objects.get(name="committee_staff"))
    integrity_officer = type(integrity_officer).objects.get(pk=integrity_officer.pk)
    report = file_report(identity=identity()).report
    disclosure = services.request_disclosure(report=report, agency=prosecutor, legal_basis="x", by=integrity_officer)
    with pytest.raises(ValidationError):
        services.approve_disclosure(disclosure=disclosure, by=integrity_officer)


def test_answer_sets_status_and_the_reporter_sees_the_outcome(integrity_officer, prosecutor):
    receipt = file_report()
    forwarding = _forward(receipt.report, integrity_officer, prosecutor)
    services.record_agency_answer(
        forwarding=forwarding, by=integrity_officer, acknowledged_on=timezone.localdate(), agency_reference="ВХ-5"
    )
    receipt.report.refresh_from_db()
    assert receipt.report.status == "forwarded"
    services.record_agency_answer(
        forwarding=forwarding,
        by=integrity_officer,
        outcome="Возбуждено дело",
        outcome_on=timezone.localdate(),
        outcome_public="Прокуратура начала проверку.",
    )
    receipt.report.refresh_from_db()
    assert receipt.report.status == "answered"
    timeline = selectors.public_timeline(receipt.report)
    assert timeline[0].outcome_public == "Прокуратура начала проверку."


def test_outgoing_number_is_unique_per_agency(integrity_officer, prosecutor):
    _forward(file_report().report, integrity_officer, prosecutor, number="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        _forward(file_report().report, integrity_officer, prosecutor, number="1")


def test_close_records_note_and_closed_case_cannot_be_forwarded(integrity_officer, prosecutor):
    report = file_report().report
    services.close_report(report=report, public_note="Проверено.", by=integrity_officer)
    report.refresh_from_db()
    assert report.status == "closed" and report.closed_at and report.public_note == "Проверено."
    with pytest.raises(ValidationError):
        _forward(report, integrity_officer, prosecutor)


# --- SLA, reminders, patterns, retention -----------------------------------------------------------------


def test_untriaged_report_escalates_once_to_officers_and_the_committee_head(integrity_officer):
    policy = HotlinePolicy.current()
    policy.escalation_emails = "head@coalition.example.kz"
    policy.save()
    report = file_report().report
    assert services.escalate_sla_breaches() == 0
    later = timezone.now() + timedelta(hours=25)
    assert services.escalate_sla_breaches(now=later) == 1
    assert services.escalate_sla_breaches(now=later + timedelta(hours=1)) == 0
    breach = SlaBreach.objects.get()
    assert breach.report == report and breach.kind == "triage"
    keys = set(OutboundMessage.objects.filter(key__startswith="hotline:sla:").values_list("recipient", flat=True))
    assert keys == {integrity_officer.email, "head@coalition.example.kz"}
    assert selectors.sla_breach_counts() == {"triage": 1, "answer": 0, "total": 1}


def test_triaged_report_does_not_escalate(integrity_officer):
    report = file_report().report
    services.triage_report(report=report, severity="low", duplicate_of=None, by=integrity_officer)
    assert services.escalate_sla_breaches(now=timezone.now() + timedelta(days=3)) == 0


def test_unanswered_forwarding_escalates_once_after_the_answer_deadline(integrity_officer, prosecutor):
    report = file_report().report
    forwarding = _forward(report, integrity_officer, prosecutor)
    services.triage_report(report=report, severity="high", duplicate_of=None, by=integrity_officer)
    assert services.escalate_sla_breaches(now=timezone.now() + timedelta(days=29)) == 0
    assert services.escalate_sla_breaches(now=timezone.now() + timedelta(days=32)) == 1
    assert services.escalate_sla_breaches(now=timezone.now() + timedelta(days=40)) == 0
    assert SlaBreach.objects.get().forwarding == forwarding


def test_follow_up_reminders_every_interval_until_an_outcome(integrity_officer, prosecutor):
    report = file_report().report
    forwarding = _forward(report, integrity_officer, prosecutor)
    today = forwarding.sent_on
    assert services.send_follow_up_reminders(today=today + timedelta(days=3)) == 0
    assert services.send_follow_up_reminders(today=today + timedelta(days=7)) == 1
    assert services.send_follow_up_reminders(today=today + timedelta(days=8)) == 0  # same reminder, same key
    assert services.send_follow_up_reminders(today=today + timedelta(days=14)) == 1
    services.record_agency_answer(forwarding=forwarding, by=integrity_officer, outcome="ok", outcome_on=today)
    assert services.send_follow_up_reminders(today=today + timedelta(days=21)) == 0


def test_two_reports_naming_the_same_member_organization_raise_one_alert(integrity_officer):
    organization = OrganizationFactory(status=Organization.Status.ADMITTED, joined_on=date(2026, 11, 20))
    first = file_report(organization=organization).report
    assert services.detect_patterns(report=first) == 0
    second = file_report(organization=organization).report
    assert services.detect_patterns(report=second) == 1
    assert services.detect_patterns(report=second) == 0  # safe to run twice
    alert = PatternAlert.objects.get()
    assert set(alert.reports.all()) == {first, second}
    message = OutboundMessage.objects.get(key__startswith=f"hotline:pattern:{alert.pk}:")
    assert first.tracking_code in message.body and second.tracking_code in message.body


def test_free_text_names_match_too_but_only_within_the_window(integrity_officer):
    with time_machine.travel(timezone.now() - timedelta(days=45)):
        file_report(involved="ТОО «Пример»")
    late = file_report(involved="тоо «пример»").report
    assert services.detect_patterns(report=late) == 0
    again = file_report(involved="ТОО «Пример»").report
    assert services.detect_patterns(report=again) == 1


def test_closed_case_is_anonymised_after_retention_but_not_while_a_forwarding_is_unanswered(
    integrity_officer, prosecutor
):
    waiting = file_report(identity=identity()).report
    done = file_report(identity=identity()).report
    _forward(waiting, integrity_officer, prosecutor, number="w")
    services.close_report(report=waiting, public_note="", by=integrity_officer)
    services.close_report(report=done, public_note="", by=integrity_officer)
    assert services.anonymise_expired_reports(now=timezone.now() + timedelta(days=300)) == 0
    assert services.anonymise_expired_reports(now=timezone.now() + timedelta(days=400)) == 1
    assert not ReporterIdentity.objects.filter(report=done).exists()
    assert ReporterIdentity.objects.filter(report=waiting).exists()  # the clock is paused
    done.refresh_from_db()
    assert done.anonymised_at is not None and done.description  # the facts stay


def test_statistics_are_counts_only(integrity_officer):
    file_report(identity=identity())
    file_report(category="vote_buying", region=None)
    stats = selectors.statistics()
    assert stats["total"] == 2
    assert {row["category"]: row["count"] for row in stats["by_category"]} == {"coercion_donate": 1, "vote_buying": 1}
    assert sum(row["count"] for row in stats["open_by_age"]) == 2
    assert "Тестовый" not in str(stats)


def test_open_cases_by_age_buckets():
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        file_report()
    file_report()
    rows = selectors.open_cases_by_age_and_category()
    assert sorted((row["age"], row["count"]) for row in rows) == [("0-1", 1), ("8-30", 1)]
