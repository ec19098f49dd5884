"""Reminders exactly once: the real beat tasks, run twice, with time moved by the test (never slept)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from coalition.models import OutboundMessage
from coalition.outbox import links
from events import services, tasks
from events.models import Event, Registration
from tests.events.factories import EnrolmentFactory, EventFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
START = datetime(2026, 12, 10, 15, 0, tzinfo=TZ)


def _keys(prefix: str = "reminder:") -> list[str]:
    return sorted(OutboundMessage.objects.filter(key__startswith=prefix).values_list("key", flat=True))


@pytest.fixture
def event(staff_user):
    with time_machine.travel(START - timedelta(days=5), tick=False):
        event = EventFactory(starts_at=START, ends_at=START + timedelta(hours=2), responsible=staff_user)
        for _ in range(3):
            RegistrationFactory(event=event)
        RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    return event


def test_24h_reminder_goes_to_each_participant_and_the_responsible_once(event, staff_user):
    with time_machine.travel(START - timedelta(hours=24) + timedelta(minutes=3), tick=False):
        assert tasks.send_due_reminders() == 4
        assert tasks.send_due_reminders() == 0  # beat fired twice / task retried: nothing more
    keys = _keys()
    assert len(keys) == 4 and all(k.endswith(":24h:202612101500") for k in keys)
    assert f"reminder:event:{event.pk}:user:{staff_user.pk}:24h:202612101500" in keys
    body = OutboundMessage.objects.filter(key__contains=":person:").first().body
    assert "/r/" not in body and "/r/" in links.render(body)  # confirm / cancel link, made when sent


def test_reminders_queue_one_sweep_not_one_task_per_message(event, django_capture_on_commit_callbacks):
    """A reminder run makes many messages at once: they go out in batches (the sweeper's fan-out)."""
    with (
        time_machine.travel(START - timedelta(hours=24) + timedelta(minutes=3), tick=False),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        assert tasks.send_due_reminders() == 4
    assert len(callbacks) == 1
    assert callbacks[0].func.__self__.name == "coalition.tasks.deliver_pending_messages"


def test_nothing_is_sent_before_its_time_and_2h_follows(event):
    with time_machine.travel(START - timedelta(hours=25), tick=False):
        assert tasks.send_due_reminders() == 0
    with time_machine.travel(START - timedelta(hours=23), tick=False):
        assert tasks.send_due_reminders() == 4
    with time_machine.travel(START - timedelta(hours=1, minutes=55), tick=False):
        assert tasks.send_due_reminders() == 4
        assert tasks.send_due_reminders() == 0
    assert len(_keys()) == 8


def test_no_reminder_for_a_registration_made_after_its_send_time(event):
    with time_machine.travel(START - timedelta(hours=20), tick=False):
        late = services.register(event=event, applicant=services.Applicant("Поздний Участник", "late@example.kz"))
        tasks.send_due_reminders()
    assert not [k for k in _keys() if f":person:{late.person_id}:24h" in k]
    with time_machine.travel(START - timedelta(hours=2), tick=False):
        tasks.send_due_reminders()
    assert [k for k in _keys() if f":person:{late.person_id}:2h" in k]


def test_missed_reminders_are_caught_up_only_inside_the_window(event):
    # Downtime: beat comes back 7 h after the 24h send time (window 6 h): the 24h reminder is dropped, not sent late.
    with time_machine.travel(START - timedelta(hours=17), tick=False):
        assert tasks.send_due_reminders() == 0
    with time_machine.travel(START - timedelta(hours=19), tick=False):
        assert tasks.send_due_reminders() == 4  # 5 h late: still inside the window


def test_cancelled_event_gets_no_reminders_and_one_notice(event, staff_user):
    services.cancel_event(event=event, by=staff_user)
    with time_machine.travel(START - timedelta(hours=23), tick=False):
        assert tasks.send_due_reminders() == 0
    assert len(_keys("cancelled:")) == 3


def test_cancelled_registration_gets_no_reminder(event):
    registration = event.registrations.filter(status="confirmed").first()
    services.cancel_registration(registration=registration)
    with time_machine.travel(START - timedelta(hours=23), tick=False):
        assert tasks.send_due_reminders() == 3


def test_moved_event_gets_reminders_for_the_new_time(event, staff_user):
    with time_machine.travel(START - timedelta(hours=23), tick=False):
        tasks.send_due_reminders()
        services.update_event(
            event=event,
            by=staff_user,
            data={"starts_at": START + timedelta(hours=3), "ends_at": START + timedelta(hours=5)},
        )
    with time_machine.travel(START + timedelta(hours=3) - timedelta(hours=23), tick=False):
        assert tasks.send_due_reminders() == 4
    assert len([k for k in _keys() if k.endswith("202612101800")]) == 4


def test_training_reminders(staff_user):
    with time_machine.travel(START - timedelta(days=5), tick=False):
        session = SessionFactory(starts_at=START, ends_at=START + timedelta(hours=3))
        EnrolmentFactory.create_batch(2, session=session)
    with time_machine.travel(START - timedelta(hours=23), tick=False):
        assert tasks.send_due_reminders() == 2
        assert tasks.send_due_reminders() == 0
    assert all(k.startswith(f"reminder:session:{session.pk}:") for k in _keys())


def test_notice_deadline_reminder_once_a_day_until_notified(staff_user):
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=TZ), tick=False):
        event = EventFactory(
            kind=Event.Kind.RALLY,
            starts_at=START,
            ends_at=START + timedelta(hours=1),
            responsible=staff_user,
            notice_requirement="notification",
        )
        services.update_event(event=event, by=staff_user, data={})  # computes the deadline from the rules
        event.refresh_from_db()
        assert event.notice_deadline.isoformat() == "2026-12-03"  # Thu 10 Dec: 9, 8, 7, 4, 3
        assert tasks.send_notice_deadline_reminders() == 0  # too early to nag
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=TZ), tick=False):
        assert tasks.send_notice_deadline_reminders() == 1
        assert tasks.send_notice_deadline_reminders() == 0
    with time_machine.travel(datetime(2026, 12, 2, 9, tzinfo=TZ), tick=False):
        assert tasks.send_notice_deadline_reminders() == 1
        services.record_notice(event=event, by=staff_user, sent_on=timezone.localdate(), number="12/7")
    with time_machine.travel(datetime(2026, 12, 3, 9, tzinfo=TZ), tick=False):
        assert tasks.send_notice_deadline_reminders() == 0
    message = OutboundMessage.objects.filter(key__startswith="notice-deadline:").first()
    assert message.recipient == staff_user.email and "03.12.2026" in message.subject


def test_daily_digest_to_coordinators_once_a_day(coordinator, other_coordinator):
    with time_machine.travel(START - timedelta(days=5), tick=False):
        EventFactory(starts_at=START, ends_at=START + timedelta(hours=1))  # Karaganda
    with time_machine.travel(START - timedelta(days=2), tick=False):
        assert tasks.send_daily_digests() == 1  # Shymkent has nothing in the next 7 days
        assert tasks.send_daily_digests() == 0
    message = OutboundMessage.objects.get(key__startswith="digest:")
    assert message.recipient == coordinator.email
