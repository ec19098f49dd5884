import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from coalition.dates import day_start
from coalition.models import AuditEntry, OutboundMessage
from members import services
from members.models import Consent, Decision, Organization, QuorumRule, StatusChange
from tests.factories import OrganizationFactory
from tests.members.factories import MeetingFactory
from tests.members.factories import make_application as application

pytestmark = pytest.mark.django_db


def test_submit_application_records_organization_representative_consent_and_confirmation():
    org = services.submit_application(application=application())
    assert org.status == "applied"
    affiliation = org.affiliations.get()
    assert affiliation.role == "representative" and affiliation.title == "Секретарь"
    consent = Consent.objects.get(person=affiliation.person)
    assert consent.purpose == "membership" and consent.text_version == services.CONSENT_TEXT_VERSION
    assert consent.text == "Я согласна"
    assert list(org.status_changes.values_list("from_status", "to_status")) == [("", "applied")]
    message = OutboundMessage.objects.get(key=f"members:organization:{org.pk}:received")
    assert message.recipient == "org@example.kz" and org.application_number in message.body
    assert AuditEntry.objects.filter(action="members.apply", object_id=str(org.pk)).exists()


def test_submit_refuses_bin_of_pending_or_admitted_organization_without_details():
    existing = OrganizationFactory(name_ru="Секретное имя")
    with pytest.raises(ValidationError) as exc:
        services.submit_application(application=application(bin=existing.bin))
    assert "Секретное имя" not in str(exc.value)
    assert Organization.objects.count() == 1


def test_a_rejected_organizations_bin_may_apply_again():
    rejected = OrganizationFactory(status="rejected")
    org = services.submit_application(application=application(bin=rejected.bin))
    assert org.pk != rejected.pk


def test_database_refuses_duplicate_bin_even_past_the_service():
    existing = OrganizationFactory()
    with pytest.raises(IntegrityError):
        OrganizationFactory(bin=existing.bin)


def test_submit_refuses_ineligible_organization():
    with pytest.raises(ValidationError) as exc:
        services.submit_application(application=application(name_ru="Религиозное объединение «Вера»"))
    assert "Религиозные объединения" in " ".join(exc.value.messages)
    assert not Organization.objects.exists()


def test_known_iin_reuses_the_person_only_under_their_name():
    from tests.factories import iin_number

    iin = iin_number()
    first = services.submit_application(application=application(representative_iin=iin))
    same = services.submit_application(
        application=application(representative_iin=iin, representative_name="анна ПЕТРОВА")
    )
    other = services.submit_application(
        application=application(representative_iin=iin, representative_name="Другое имя")
    )
    person = first.affiliations.get().person
    assert same.affiliations.get().person == person
    assert other.affiliations.get().person != person and other.affiliations.get().person.iin == ""
    person.refresh_from_db()
    assert person.full_name == "Петрова Анна"
    assert person.consents.count() == 1


def test_admission_decision_admits_every_named_organization_and_notifies(staff_user):
    meeting = MeetingFactory(present=4)  # committee of 5: quorum 3
    orgs = OrganizationFactory.create_batch(3, email="org@example.kz")
    decision = services.record_decision(
        meeting=meeting,
        kind="admission",
        text="Принять",
        organizations=orgs,
        votes_for=4,
        votes_against=0,
        votes_abstained=0,
        recorded_by=staff_user,
    )
    assert decision.adopted and decision.present == 4 and decision.quorum == 3 and decision.number == 1
    for org in orgs:
        org.refresh_from_db()
        assert org.status == "admitted" and org.joined_on == meeting.held_on
        change = org.status_changes.last()
        assert (change.from_status, change.to_status, change.decision, change.changed_by) == (
            "applied",
            "admitted",
            decision,
            staff_user,
        )
        assert OutboundMessage.objects.filter(key=f"members:organization:{org.pk}:decision:{decision.pk}").exists()
    entry = AuditEntry.objects.get(action="members.decision.admission")
    assert entry.actor == staff_user and sorted(entry.data["status_changed"]) == sorted(o.pk for o in orgs)


def test_motion_not_adopted_changes_nothing(staff_user):
    meeting = MeetingFactory(present=4)
    org = OrganizationFactory(email="org@example.kz")
    decision = services.record_decision(
        meeting=meeting,
        kind="admission",
        text="Принять",
        organizations=[org],
        votes_for=2,
        votes_against=2,
        votes_abstained=0,
        recorded_by=staff_user,
    )
    org.refresh_from_db()
    assert not decision.adopted and org.status == "applied" and org.joined_on is None
    assert not OutboundMessage.objects.filter(key__contains=":decision:").exists()


def test_without_quorum_nothing_is_adopted(staff_user):
    meeting = MeetingFactory(present=2)  # 2 of 5 present: quorum 3 not met
    org = OrganizationFactory()
    decision = services.record_decision(
        meeting=meeting,
        kind="admission",
        text="Принять",
        organizations=[org],
        votes_for=2,
        votes_against=0,
        votes_abstained=0,
        recorded_by=staff_user,
    )
    org.refresh_from_db()
    assert not decision.adopted and org.status == "applied"


def test_quorum_follows_the_rule_in_force(staff_user):
    QuorumRule.objects.create(valid_from=datetime.date(2026, 11, 1), share="0.75", strictly_more=False)
    meeting = MeetingFactory(present=3)  # 3 of 5 < 75 %
    assert services.required_quorum(meeting) == 4


def test_rejection_needs_a_reason_and_sends_it(staff_user):
    meeting = MeetingFactory()
    org = OrganizationFactory(email="org@example.kz")
    with pytest.raises(ValidationError) as exc:
        services.record_decision(
            meeting=meeting,
            kind="rejection",
            text="Отказать",
            organizations=[org],
            votes_for=5,
            votes_against=0,
            votes_abstained=0,
            recorded_by=staff_user,
        )
    assert "reason" in exc.value.error_dict
    decision = services.record_decision(
        meeting=meeting,
        kind="rejection",
        text="Отказать",
        organizations=[org],
        votes_for=5,
        votes_against=0,
        votes_abstained=0,
        reason="Устав не соответствует",
        recorded_by=staff_user,
    )
    org.refresh_from_db()
    assert org.status == "rejected" and org.joined_on is None
    message = OutboundMessage.objects.get(key=f"members:organization:{org.pk}:decision:{decision.pk}")
    assert "Устав не соответствует" in message.body


def test_more_votes_than_present_is_refused(staff_user):
    meeting = MeetingFactory(present=3)
    with pytest.raises(ValidationError):
        services.record_decision(
            meeting=meeting,
            kind="other",
            text="О плане мероприятий",
            votes_for=3,
            votes_against=1,
            votes_abstained=0,
            recorded_by=staff_user,
        )
    assert not Decision.objects.exists()


def test_only_pending_applications_can_be_admitted(staff_user):
    meeting = MeetingFactory()
    admitted = OrganizationFactory(status="admitted", joined_on=datetime.date(2026, 11, 20))
    with pytest.raises(ValidationError):
        services.record_decision(
            meeting=meeting,
            kind="admission",
            text="Принять",
            organizations=[admitted],
            votes_for=5,
            votes_against=0,
            votes_abstained=0,
            recorded_by=staff_user,
        )
    admitted.refresh_from_db()
    assert admitted.joined_on == datetime.date(2026, 11, 20)


def test_notifications_can_be_suppressed_for_historic_records(staff_user):
    org = OrganizationFactory(email="org@example.kz")
    services.record_decision(
        meeting=MeetingFactory(),
        kind="admission",
        text="Принять",
        organizations=[org],
        votes_for=5,
        votes_against=0,
        votes_abstained=0,
        recorded_by=staff_user,
        notify=False,
    )
    assert not OutboundMessage.objects.exists()


def test_membership_status_changes_with_reason_and_history(staff_user):
    org = OrganizationFactory(status="admitted", joined_on=datetime.date(2026, 11, 20))
    services.change_membership_status(organization=org, to_status="suspended", reason="Запрос", changed_by=staff_user)
    org.refresh_from_db()
    assert org.status == "suspended"
    assert StatusChange.objects.get(organization=org).reason == "Запрос"
    assert AuditEntry.objects.get(action="members.status").data == {
        "before": "admitted",
        "after": "suspended",
        "reason": "Запрос",
    }
    with pytest.raises(ValidationError):
        services.change_membership_status(organization=org, to_status="suspended", reason="", changed_by=staff_user)


def test_pending_application_cannot_be_admitted_without_a_meeting(staff_user):
    org = OrganizationFactory()
    with pytest.raises(ValidationError):
        services.change_membership_status(organization=org, to_status="admitted", reason="так", changed_by=staff_user)
    org.refresh_from_db()
    assert org.status == "applied"


def test_attendance_is_frozen_after_a_decision(staff_user):
    meeting = MeetingFactory(present=5)
    services.record_decision(
        meeting=meeting,
        kind="other",
        text="О плане",
        votes_for=5,
        votes_against=0,
        votes_abstained=0,
        recorded_by=staff_user,
    )
    with pytest.raises(ValidationError):
        services.update_meeting(
            meeting=meeting, place="Алматы", agenda="-", minutes="-", attendees=[], changed_by=staff_user
        )


def test_new_application_digest_lists_each_application_once(staff_user, settings):
    settings.SITE_URL = "https://hq.example.kz"
    OrganizationFactory.create_batch(2)
    assert services.send_new_application_digest() == 2
    assert services.send_new_application_digest() == 0
    message = OutboundMessage.objects.get(key__startswith="members:digest:")
    assert message.recipient == staff_user.email
    assert "https://hq.example.kz/staff/members/queue/" in message.body  # a link that works from a mail client


def test_waiting_reminder_once_a_day_for_old_applications(staff_user):
    import time_machine

    OrganizationFactory()  # applied now: not waiting long enough
    assert services.remind_waiting_applications() == 0
    with time_machine.travel(datetime.datetime(2030, 1, 10, 9, tzinfo=datetime.UTC)):
        assert services.remind_waiting_applications() == 1
        assert services.remind_waiting_applications() == 1
    assert OutboundMessage.objects.filter(key__startswith="members:waiting:").count() == 1
    assert "/staff/members/queue/" in OutboundMessage.objects.get(key__startswith="members:waiting:").body


def test_statement_publication_is_audited(staff_user):
    from tests.members.factories import StatementFactory

    statement = StatementFactory()
    services.set_statement_publication(statement=statement, may_publish=True, changed_by=staff_user)
    statement.refresh_from_db()
    assert statement.may_publish
    assert AuditEntry.objects.get(action="members.statement.publication").data == {"before": False, "after": True}


def test_consent_withdrawal_is_recorded_once(staff_user):
    org = services.submit_application(application=application())
    consent = Consent.objects.get()
    services.withdraw_consent(consent=consent, withdrawn_by=staff_user)
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and not consent.is_active
    assert AuditEntry.objects.get(action="members.consent.withdraw").actor == staff_user
    with pytest.raises(ValidationError):
        services.withdraw_consent(consent=consent, withdrawn_by=staff_user)
    assert org.affiliations.get().person.consents.count() == 1


@pytest.mark.parametrize("kind", ["admission", "rejection"])
def test_decision_at_a_meeting_held_before_the_application_is_refused(staff_user, kind):
    meeting = MeetingFactory(held_on=datetime.date(2026, 11, 25))
    on_time = OrganizationFactory(email="early@example.kz")
    Organization.objects.filter(pk=on_time.pk).update(created_at=day_start(datetime.date(2026, 11, 25)))
    late = OrganizationFactory(email="late@example.kz")
    Organization.objects.filter(pk=late.pk).update(created_at=day_start(datetime.date(2026, 11, 26)))
    with pytest.raises(ValidationError) as refused:
        services.record_decision(
            meeting=meeting,
            kind=kind,
            text="Решение",
            organizations=[on_time, late],
            votes_for=5,
            votes_against=0,
            votes_abstained=0,
            reason="Причина",
            recorded_by=staff_user,
        )
    assert "26.11.2026" in str(refused.value.message_dict["organizations"])
    assert not Decision.objects.exists() and not OutboundMessage.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="members.decision").exists()
    assert set(Organization.objects.values_list("status", flat=True)) == {"applied"}


def test_decision_on_the_day_of_the_application_is_accepted(staff_user):
    meeting = MeetingFactory(held_on=datetime.date(2026, 11, 25))
    org = OrganizationFactory()
    # Filed at 23:30 Almaty time on the day of the meeting (18:30 UTC): still the same local day.
    Organization.objects.filter(pk=org.pk).update(created_at=day_start(datetime.date(2026, 11, 25)).replace(hour=23))
    services.record_decision(
        meeting=meeting,
        kind="admission",
        text="Принять",
        organizations=[org],
        votes_for=5,
        votes_against=0,
        votes_abstained=0,
        recorded_by=staff_user,
    )
    org.refresh_from_db()
    assert org.status == "admitted" and org.joined_on == datetime.date(2026, 11, 25) >= org.applied_on
