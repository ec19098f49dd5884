"""A worker killed with -9 in the middle of a batch of reminders: nothing is lost and nothing is sent twice."""

import os
import signal
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from coalition.models import OutboundMessage
from coalition.tasks import deliver_pending_messages
from coalition.workers import database_url, spawn_worker
from events import tasks
from tests.coalition.test_outbox_worker import _wait
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def _start_worker(mail_dir: Path, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "tests.events.slow_backend.SlowKeyedFileEmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SLOW_EMAIL_SECONDS": "0.4",
    }
    return spawn_worker(env=env, queue=settings.CELERY_TASK_DEFAULT_QUEUE, log=log_path)


def _sent(mail_dir: Path) -> list[str]:
    path = mail_dir / "sent.log"
    return [line.split("\t")[1] for line in path.read_text().splitlines()] if path.exists() else []


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(tmp_path, staff_user):
    mail_dir = tmp_path / "mail"
    now = timezone.now()
    event = EventFactory(starts_at=now + timedelta(hours=23), ends_at=now + timedelta(hours=25), responsible=staff_user)
    for _ in range(14):
        RegistrationFactory(event=event, created_at=now - timedelta(hours=2))
    expected = 15  # 14 participants + the responsible staff member

    first = _start_worker(mail_dir, tmp_path / "worker1.log")
    try:
        assert tasks.send_due_reminders() == expected  # each row queues its delivery task on commit
        assert tasks.send_due_reminders() == 0  # beat double-fire
        assert _wait(lambda: len(_sent(mail_dir)) >= 3, timeout=90), (tmp_path / "worker1.log").read_text()[-3000:]
    finally:
        first.send_signal(signal.SIGKILL)  # mid-batch: one message is usually inside the slow send
        first.wait(timeout=20)
    sent_before = len(_sent(mail_dir))
    assert sent_before < expected, "the worker finished before it was killed: slow the backend down"

    second = _start_worker(mail_dir, tmp_path / "worker2.log")
    try:
        deliver_pending_messages.delay()  # the sweeper beat job, as it runs every minute
        assert _wait(lambda: OutboundMessage.objects.filter(status="sent").count() == expected, timeout=120), (
            tmp_path / "worker2.log"
        ).read_text()[-3000:]
    finally:
        second.terminate()
        second.wait(timeout=30)

    keys = _sent(mail_dir)
    assert len(keys) == expected and len(set(keys)) == expected
    assert set(keys) == set(OutboundMessage.objects.values_list("key", flat=True))
    assert not OutboundMessage.objects.exclude(status="sent").exists()
