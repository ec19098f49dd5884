"""Celery queues by urgency: election-day alerts and chase reminders (urgent outbox messages) go to the urgent queue,
which a worker of its own consumes, so they never wait behind a backlog of routine reminders on the default queue."""

from __future__ import annotations

import os
import re
import shlex
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import transaction

import coalition.settings as production
from coalition.celery import app, urgent_queue
from coalition.models import OutboundMessage
from coalition.outbox import enqueue, notify_staff
from coalition.tasks import deliver_message
from coalition.workers import database_url, spawn_worker

ROUTINE = [
    "coalition.tasks.deliver_message",
    "coalition.tasks.deliver_message_batch",
    "coalition.tasks.deliver_pending_messages",
    "events.tasks.send_due_reminders",
    "events.tasks.send_daily_digests",
    "members.tasks.remind_waiting_applications",
    "donations.tasks.file_daily_reports",
    "hotline.tasks.escalate_sla_breaches",
]


def _queue(task_name: str, **options) -> str:
    return app.amqp.router.route(options, task_name)["queue"].name


def test_urgent_delivery_goes_to_the_urgent_queue():
    assert _queue("coalition.tasks.deliver_urgent_message") == urgent_queue()
    assert urgent_queue() == f"{settings.CELERY_TASK_DEFAULT_QUEUE}.urgent"


@pytest.mark.parametrize("task_name", ROUTINE)
def test_routine_tasks_stay_on_the_default_queue(task_name):
    assert _queue(task_name) == settings.CELERY_TASK_DEFAULT_QUEUE


def test_a_queue_named_by_the_caller_wins():
    assert _queue("coalition.tasks.deliver_urgent_message", queue="bench-elsewhere") == "bench-elsewhere"


def test_urgent_queue_can_be_named_in_settings(settings):
    settings.CELERY_URGENT_QUEUE = "urgent"
    assert _queue("coalition.tasks.deliver_urgent_message") == "urgent"


def test_make_run_worker_consumes_every_queue():
    """The Procfile's worker (`make run`) takes the default and the urgent queue of the production settings."""
    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    args = shlex.split(worker.removeprefix("worker:"))
    queues = set(args[args.index("-Q") + 1].split(","))
    default = production.CELERY_TASK_DEFAULT_QUEUE
    assert queues == {default, production.CELERY_URGENT_QUEUE or f"{default}.urgent"}


def _wait(predicate, timeout=60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def broker():
    """The Redis broker; this test's queues are emptied afterwards, so no later worker picks up the backlog."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client
    client.delete(settings.CELERY_TASK_DEFAULT_QUEUE, urgent_queue())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_urgent_worker_delivers_an_alert_while_a_reminders_backlog_waits(broker, tmp_path, staff_user):
    routine = [
        enqueue(key=f"reminder:backlog:{i}", recipient=f"p{i}@example.kz", body="Завтра", queue_delivery=False)[0]
        for i in range(40)
    ]
    with app.producer_or_acquire() as producer:
        for message in routine:
            deliver_message.apply_async((message.pk,), producer=producer)
    assert broker.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 40

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "coalition.outbox.backends.KeyedFileEmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    log = tmp_path / "worker.log"
    worker = spawn_worker(env=env, queue=urgent_queue(), log=log)
    try:
        with transaction.atomic():  # an election-day alert: queued on the urgent queue when this commits
            notify_staff(
                recipients=[staff_user],
                key="electionday:incident:test:critical",
                template="emails/electionday/critical_incident",
                context={"category": "Вброс", "station": "101", "url": "http://testserver/"},
                urgent=True,
            )
        alert = OutboundMessage.objects.get(key__startswith="electionday:incident:test:critical")
        assert _wait(lambda: OutboundMessage.objects.get(pk=alert.pk).status == "sent"), log.read_text()[-3000:]
        assert re.search(r"deliver_urgent_message\[[^]]+\] succeeded", log.read_text())
        assert "deliver_message[" not in log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert broker.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 40  # the backlog is still waiting, untouched
    assert OutboundMessage.objects.filter(key__startswith="reminder:backlog:", status="pending").count() == 40
    sent = (tmp_path / "mail" / "sent.log").read_text().splitlines()
    assert len(sent) == 1 and "electionday:incident:test:critical" in sent[0]
