"""make_complaint: an incident becomes a letter in the hotline's forwarding ledger (deadline, answer, outcome), with
the evidence's SHA-256 in the letter and the letter's own SHA-256 in the ledger."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coalition.models import AuditEntry
from electionday.services.incidents import answer_deadline, make_complaint
from hotline import services as hotline_services
from hotline.models import Agency, Forwarding, HotlinePolicy, Report, ReporterIdentity, SlaBreach
from tests.electionday.incident_helpers import incident, jpeg, observer_at, png, station_in
from tests.electionday.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

OBSERVER = "Гульмира Свидетельница Тестовая"


@pytest.fixture
def reported():
    station = station_in("KZ-35")
    return incident(
        station,
        assignment=observer_at(station, name=OBSERVER),
        severity="critical",
        category="stuffing",
        photos=[(jpeg(), "image/jpeg"), (png(), "image/png")],
    )


def test_complaint_creates_a_ledger_row_whose_sha256_is_the_stored_letter(reported, integrity_officer):
    forwarding = make_complaint(incident=reported, recipient="tec", outgoing_number="ИШ-18/1", actor=integrity_officer)
    with forwarding.letter.open("rb") as handle:
        content = handle.read()
    assert forwarding.letter_sha256 == hashlib.sha256(content).hexdigest()
    assert forwarding.letter_content_type == "application/pdf"
    assert forwarding.agency.code == "election_commission"  # no territorial commission in the list: the CEC
    assert forwarding.includes_identity is False
    reported.refresh_from_db()
    assert Forwarding.objects.filter(report=reported.case).count() == 1


def test_letter_lists_every_evidence_file_with_its_sha256_and_not_the_observer(reported, integrity_officer):
    forwarding = make_complaint(
        incident=reported, recipient="prosecutor", outgoing_number="ИШ-18/2", actor=integrity_officer
    )
    with forwarding.letter.open("rb") as handle:
        text = pdf_text(handle.read())
    compact = "".join(text.split())
    hashes = list(reported.attachments.values_list("sha256", flat=True))
    assert len(hashes) == 2
    for sha256 in hashes:
        assert sha256 in compact
    assert reported.station.number in text
    assert "Гульмира" not in text
    assert forwarding.agency.code == "prosecutor_regional"


def test_case_is_made_once_in_the_region_without_a_reporter_identity_and_reused(reported, integrity_officer):
    first = make_complaint(incident=reported, recipient="tec", outgoing_number="1", actor=integrity_officer)
    second = make_complaint(incident=reported, recipient="prosecutor", outgoing_number="2", actor=integrity_officer)
    reported.refresh_from_db()
    case = reported.case
    assert first.report == second.report == case
    assert Report.objects.count() == 1
    assert case.region == reported.station.region
    assert case.status == Report.Status.FORWARDED and case.triaged_at is not None
    assert case.severity == "critical"
    assert not ReporterIdentity.objects.filter(report=case).exists()
    assert OBSERVER not in case.description
    assert AuditEntry.objects.filter(action="electionday.complaint_made", object_id=str(reported.pk)).count() == 2


def test_a_named_agency_is_the_addressee(reported, integrity_officer):
    police = Agency.objects.get(code="police")
    forwarding = make_complaint(
        incident=reported, recipient="prosecutor", agency=police, outgoing_number="3", actor=integrity_officer
    )
    assert forwarding.agency == police


def test_same_outgoing_number_to_the_same_agency_is_refused(reported, integrity_officer):
    make_complaint(incident=reported, recipient="tec", outgoing_number="7", actor=integrity_officer)
    with pytest.raises(ValidationError) as refused:
        make_complaint(incident=reported, recipient="tec", outgoing_number="7", actor=integrity_officer)
    assert "outgoing_number" in refused.value.message_dict
    assert Forwarding.objects.count() == 1


def test_unknown_recipient_is_refused(reported, integrity_officer):
    with pytest.raises(ValidationError):
        make_complaint(incident=reported, recipient="akimat", outgoing_number="8", actor=integrity_officer)
    assert not Forwarding.objects.exists()


@pytest.mark.parametrize("who", ["staff_user", "coordinator", "auditor", "trainer", "finance_officer", "superuser"])
def test_only_the_integrity_officer_makes_complaints(reported, who, request):
    with pytest.raises(PermissionDenied):
        make_complaint(incident=reported, recipient="tec", outgoing_number="9", actor=request.getfixturevalue(who))
    assert not Forwarding.objects.exists()
    assert not Report.objects.exists()


def test_complaint_deadline_and_answer_are_tracked_in_the_hotline_ledger(reported, integrity_officer):
    sent_on = timezone.localdate() - timedelta(days=45)
    forwarding = make_complaint(
        incident=reported, recipient="tec", outgoing_number="10", sent_on=sent_on, actor=integrity_officer
    )
    policy = HotlinePolicy.current()
    assert answer_deadline(forwarding) == sent_on + timedelta(days=policy.answer_days)
    hotline_services.escalate_sla_breaches()
    assert SlaBreach.objects.filter(forwarding=forwarding, kind=SlaBreach.Kind.ANSWER).count() == 1
    hotline_services.record_agency_answer(
        forwarding=forwarding,
        by=integrity_officer,
        outcome="Комиссия признала нарушение, итоги по участку отменены.",
        outcome_on=timezone.localdate(),
    )
    forwarding.refresh_from_db()
    assert forwarding.answered
    assert forwarding.report.status == Report.Status.ANSWERED
