"""Delivery through a real Celery worker, on the real Redis broker and the test database."""

import os
import re
import time

import pytest
import redis
from django.conf import settings

from coalition.models import OutboundMessage
from coalition.outbox import enqueue
from coalition.tasks import deliver_message, deliver_pending_messages
from coalition.workers import database_url, spawn_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def worker(tmp_path):
    """Start a real worker on this test's queue, pointed at the test database; stop it afterwards."""
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "coalition.outbox.backends.KeyedFileEmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    proc = spawn_worker(env=env, queue=settings.CELERY_TASK_DEFAULT_QUEUE, log=tmp_path / "worker.log")
    yield mail_dir, tmp_path / "worker.log"
    proc.terminate()
    proc.wait(timeout=20)


def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_task_run_twice_sends_once(worker):
    mail_dir, log = worker
    message, _ = enqueue(key="notice:worker-test", recipient="org@example.kz", subject="Тест", body="Тело")
    deliver_message.delay(message.pk)  # the after-commit delivery ran too: three tasks, one message
    deliver_message.delay(message.pk)

    assert _wait(lambda: OutboundMessage.objects.get(pk=message.pk).status == "sent"), log.read_text()[-3000:]
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert _wait(lambda: broker.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0)
    assert _wait(lambda: log.read_text().count("succeeded") >= 3), log.read_text()[-3000:]

    sends = (mail_dir / "sent.log").read_text().splitlines()
    assert len(sends) == 1 and "notice:worker-test" in sends[0]
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.fixture
def small_batches(monkeypatch, settings):
    """Batches of 3, here and in the worker started after this fixture (it copies the environment)."""
    monkeypatch.setenv("OUTBOX_BATCH_SIZE", "3")
    settings.OUTBOX_BATCH_SIZE = 3


def test_sweeper_fans_out_batches_that_a_worker_delivers_once(small_batches, worker):
    mail_dir, log = worker
    for i in range(7):
        enqueue(key=f"reminder:fan-out:{i}", recipient=f"p{i}@example.kz", body="Завтра", queue_delivery=False)
    deliver_pending_messages.delay()  # the beat job, through the worker: counts 7 due rows, queues 3 batch tasks
    deliver_pending_messages.delay()  # beat fired twice: the surplus batches find nothing to claim

    def results(task):
        return [int(n) for n in re.findall(rf"{task}\[[^]]+\] succeeded in [\d.]+s: (\d+)", log.read_text())]

    assert _wait(lambda: OutboundMessage.objects.filter(status="sent").count() == 7), log.read_text()[-3000:]
    assert _wait(lambda: len(results("deliver_pending_messages")) == 2), log.read_text()[-3000:]
    sweeps = results("deliver_pending_messages")
    assert sweeps[0] == 3  # ceil(7 / 3)
    assert _wait(lambda: len(results("deliver_message_batch")) == sum(sweeps)), log.read_text()[-3000:]
    assert sum(results("deliver_message_batch")) == 7
    sends = [line.split("\t")[1] for line in (mail_dir / "sent.log").read_text().splitlines()]
    assert sorted(sends) == [f"reminder:fan-out:{i}" for i in range(7)]
    assert OutboundMessage.objects.filter(status="sent", attempts=1).count() == 7
