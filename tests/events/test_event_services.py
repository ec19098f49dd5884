"""Planning events: akimat deadlines from the rules, region scope, bad input, status, cancellation."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coalition.models import AuditEntry, OutboundMessage
from events import selectors, services
from events.models import Event, Holiday, NoticeRule
from tests.events.factories import EventFactory, PersonFactory, RegistrationFactory
from tests.factories import ElectionFactory, region

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def _data(**overrides):
    starts = datetime(2026, 12, 18, 11, 0, tzinfo=TZ)
    data = {
        "title": "Пикет в поддержку кандидата",
        "kind": Event.Kind.PICKET,
        "region": region("KZ-35"),
        "place": "Караганда, площадь Гагарина",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "capacity": 40,
    }
    return {**data, **overrides}


@time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=TZ), tick=False)
def test_picket_deadline_skips_independence_day_from_the_holiday_calendar(coordinator):
    event = services.create_event(by=coordinator, data=_data())
    assert Holiday.objects.filter(date=date(2026, 12, 16)).exists()
    assert event.notice_requirement == "notification"
    assert event.notice_deadline == date(2026, 12, 10)
    assert event.responsible == coordinator
    assert AuditEntry.objects.filter(action="events.create", object_id=str(event.pk)).exists()


@time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False)
def test_march_needs_approval_ten_working_days_ahead(staff_user):
    event = services.create_event(by=staff_user, data=_data(kind=Event.Kind.MARCH))
    assert event.notice_requirement == "approval"
    assert event.notice_deadline == date(2026, 12, 3)  # 17, 15, 14, 11, 10, 9, 8, 7, 4, 3


@time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=TZ), tick=False)
def test_lead_time_is_data_staff_can_change(staff_user):
    NoticeRule.objects.filter(event_kind="picket").update(working_days=2)
    event = services.create_event(by=staff_user, data=_data())
    assert event.notice_deadline == date(2026, 12, 15)


@time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=TZ), tick=False)
def test_indoor_meeting_needs_no_notice(staff_user):
    event = services.create_event(by=staff_user, data=_data(kind=Event.Kind.INDOOR))
    assert event.notice_requirement == "" and event.notice_deadline is None


@time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=TZ), tick=False)
def test_coordinator_cannot_plan_in_another_region(coordinator):
    with pytest.raises(PermissionDenied):
        services.create_event(by=coordinator, data=_data(region=region("KZ-79")))
    assert not Event.objects.exists()


@time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=TZ), tick=False)
def test_rejects_end_before_start_and_past_start(staff_user):
    with pytest.raises(ValidationError, match="end must be after"):
        services.create_event(by=staff_user, data=_data(ends_at=datetime(2026, 12, 18, 10, 0, tzinfo=TZ)))
    past = datetime(2026, 11, 30, 11, 0, tzinfo=TZ)
    with pytest.raises(ValidationError, match="past"):
        services.create_event(by=staff_user, data=_data(starts_at=past, ends_at=past + timedelta(hours=1)))
    assert not Event.objects.exists()


@time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=TZ), tick=False)
def test_warns_when_agitation_falls_on_the_day_of_silence(staff_user):
    ElectionFactory(slug="president", agitation_starts_on=date(2026, 11, 20), election_day=date(2026, 12, 19))
    event = services.create_event(by=staff_user, data=_data())
    assert any("silence" in w for w in selectors.event_warnings(event))
    other = services.create_event(
        by=staff_user,
        data=_data(starts_at=datetime(2026, 12, 17, 11, tzinfo=TZ), ends_at=datetime(2026, 12, 17, 12, tzinfo=TZ)),
    )
    assert selectors.event_warnings(other) == []


def test_capacity_cannot_fall_below_registrations(staff_user):
    event = EventFactory(capacity=5)
    RegistrationFactory.create_batch(3, event=event)
    with pytest.raises(ValidationError, match="3 people"):
        services.update_event(event=event, by=staff_user, data={"capacity": 2})
    event.refresh_from_db()
    assert event.capacity == 5


def test_record_notice_marks_notified_and_late_notice_is_audited(staff_user):
    event = EventFactory(
        kind=Event.Kind.PICKET,
        notice_requirement="notification",
        notice_deadline=timezone.localdate() - timedelta(days=1),
    )
    services.record_notice(event=event, by=staff_user, sent_on=timezone.localdate(), number="01-12/345")
    event.refresh_from_db()
    assert event.status == Event.Status.NOTIFIED and event.notice_number == "01-12/345"
    assert AuditEntry.objects.get(action="events.notice").data["late"] is True


def test_notice_cannot_be_dated_in_the_future(staff_user):
    event = EventFactory()
    with pytest.raises(ValidationError):
        services.record_notice(event=event, by=staff_user, sent_on=timezone.localdate() + timedelta(days=1), number="1")


def test_cannot_mark_held_without_the_required_notice(staff_user):
    event = EventFactory(kind=Event.Kind.RALLY, notice_requirement="notification")
    with time_machine.travel(event.starts_at + timedelta(hours=3)), pytest.raises(ValidationError):
        services.mark_held(event=event, by=staff_user)


def test_cancelling_sends_one_notice_per_person_and_drops_pending_reminders(staff_user):
    event = EventFactory()
    people = [RegistrationFactory(event=event).person for _ in range(2)]
    OutboundMessage.objects.create(
        key=f"reminder:event:{event.pk}:person:{people[0].pk}:24h:x",
        recipient="a@b.kz",
        body=".",
        send_after=timezone.now() + timedelta(days=3),
    )
    services.cancel_event(event=event, by=staff_user, reason="Погодные условия")
    with pytest.raises(ValidationError):
        services.cancel_event(event=event, by=staff_user)  # a second cancel is refused, sends nothing
    notices = OutboundMessage.objects.filter(key__startswith=f"cancelled:event:{event.pk}:")
    assert sorted(notices.values_list("recipient", flat=True)) == sorted(p.email for p in people)
    assert "Погодные условия" in notices.first().body
    assert OutboundMessage.objects.get(key__startswith="reminder:").status == "cancelled"


def test_coordinator_cannot_change_an_event_of_another_region(coordinator):
    event = EventFactory(region=region("KZ-79"))
    with pytest.raises(PermissionDenied):
        services.update_event(event=event, by=coordinator, data={"capacity": 99})
    with pytest.raises(PermissionDenied):
        services.cancel_event(event=event, by=coordinator)


def test_new_start_time_gets_new_reminder_keys(staff_user):
    event = EventFactory()
    person = PersonFactory()
    OutboundMessage.objects.create(
        key=f"reminder:event:{event.pk}:person:{person.pk}:24h:old",
        recipient="a@b.kz",
        body=".",
        send_after=timezone.now() + timedelta(days=3),
    )
    services.update_event(
        event=event,
        by=staff_user,
        data={"starts_at": event.starts_at + timedelta(days=1), "ends_at": event.ends_at + timedelta(days=1)},
    )
    assert OutboundMessage.objects.get().status == "cancelled"
