"""Delivery through a real Celery worker, on the real Redis broker and the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from coalition.models import OutboundMessage
from coalition.outbox import enqueue
from coalition.tasks import deliver_message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _database_url() -> str:
    db = connection.settings_dict
    if str(db["HOST"]).startswith("/"):
        return f"postgres://{db['USER']}@/{db['HOST']}/{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """Start a real worker on this test's queue, pointed at the test database; stop it afterwards."""
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "coalition.outbox.backends.KeyedFileEmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "coalition",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(settings.BASE_DIR),
    )
    yield mail_dir, tmp_path / "worker.log"
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


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
