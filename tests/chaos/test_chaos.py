"""The short fault battery inside `make test` (the long one is `make chaos`: tests/chaos/harness.py).

A real Celery worker and beat deliver a few hundred reminders from the test database through the harness's own
Redis while the worker is killed with SIGKILL, Redis is killed and restarted, and every database connection of
the application is cut (the shared PostgreSQL cannot be restarted under other test runs; `make chaos` restarts its
own). Then a bank statement import is killed mid-file and run again. Nothing may be lost or sent twice, and the
ledger must equal one clean run's.
"""

import pytest
from django.db import connection

from coalition.workers import database_url
from tests.chaos import harness

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REMINDERS = 200


def _cut_database_connections() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()",
            [harness.APP_NAME],
        )
        cut = cursor.fetchone()[0]
    return f"{cut} database connections cut"


def test_reminders_survive_worker_kill_redis_restart_and_cut_connections(tmp_path):
    redis = harness.OwnRedis(tmp_path / "redis")
    redis.start()
    try:
        env = {
            **harness.app_env(tmp_path, database_url(), redis, email_delay=0.05),
            "CHAOS_REMINDERS": str(REMINDERS),
            "OUTBOX_BATCH_SIZE": "25",  # several batches in flight when each fault lands, as in the long run
        }
        outbox = harness.outbox_under_faults(tmp_path, env, redis, _cut_database_connections, timeout=240)
        imported = harness.import_killed_mid_file(tmp_path, env, rows=150)
    finally:
        redis.kill()
    print(outbox, imported)
    assert outbox.expected == REMINDERS + 1  # each participant and the responsible staff member
    assert len(outbox.faults) == 3 and outbox.faults_mid_batch, outbox.sent_at_faults
    assert (outbox.lost, outbox.not_sent_rows) == (0, 0), outbox
    # A SIGKILL or a cut connection between the gateway's "accepted" and the commit leaves the row pending; the
    # retry asks the gateway (idempotency by outbox key) and marks it sent instead of sending it again.
    assert outbox.sent_twice == 0, outbox
    assert outbox.delivered_keys == outbox.expected
    assert 0 < imported.processed_when_killed < imported.rows
    assert imported.same_ledger, imported.differences


def test_election_night_survives_a_killed_web_worker_and_cut_connections():
    """Election night (issue #19) at a smoke size: a third of the way into the 20:00 burst a gunicorn worker is
    killed (SIGKILL) and every database connection of the web server is cut; the clients retry; every report the
    client sent is stored exactly once (`make chaos` restarts its own PostgreSQL instead of cutting connections)."""
    from tests.chaos import election_night

    result = election_night.night(0.002, election_night.cut_connections, concurrency=8, submissions=40)
    print(result.faults, result.burst.statuses, result.burst.retries)
    assert len(result.faults) == 2 and result.faults[0].endswith("SIGKILL"), result.faults
    assert not result.day.unsettled and not result.burst.unsettled
    assert result.ledger.expected == result.ledger.found == result.day.reports + result.burst.reports
    assert (result.ledger.lost, result.ledger.duplicated, result.ledger.unexpected) == (0, 0, 0), result.ledger
    assert result.ledger.stored_twice == 0, result.ledger
