"""Reminders delivered by a real Celery worker on the real Redis and the test database: each exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coalition.models import OutboundMessage
from coalition.tasks import deliver_pending_messages
from events import tasks
from tests.coalition.test_outbox_worker import _wait, worker  # noqa: F401 - the worker fixture
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_beat_job_run_twice_delivers_each_reminder_once(worker, staff_user):  # noqa: F811
    mail_dir, log = worker
    now = timezone.now()
    event = EventFactory(starts_at=now + timedelta(hours=23), ends_at=now + timedelta(hours=25), responsible=staff_user)
    for _ in range(5):
        RegistrationFactory(event=event, created_at=now - timedelta(hours=2))

    assert tasks.send_due_reminders() == 6  # 5 participants + the responsible staff member
    assert tasks.send_due_reminders() == 0  # beat double-fire
    tasks.send_due_reminders.delay()  # and once more through the worker itself

    assert _wait(lambda: OutboundMessage.objects.filter(status="sent").count() == 6), log.read_text()[-3000:]
    deliver_pending_messages()  # the sweeper finds nothing left to send
    assert _wait(lambda: log.read_text().count("events.tasks.send_due_reminders") >= 2), log.read_text()[-3000:]

    sends = (mail_dir / "sent.log").read_text().splitlines()
    keys = [line.split("\t")[1] for line in sends]
    assert len(keys) == 6 and len(set(keys)) == 6
    assert all(key.startswith(f"reminder:event:{event.pk}:") for key in keys)
    assert OutboundMessage.objects.filter(status="sent", attempts=1).count() == 6
