"""Election night under faults (issue #19): the evening burst of bench/electionday.py while a gunicorn worker is
killed (SIGKILL) and PostgreSQL restarts (or, on the shared server of `make test`, every connection of the web
server is cut) a third of the way into the 20:00 burst. The clients retry every send that got no answer, a 5xx or
a 429, as the phones do; afterwards the server's rows are counted against the client's log: nothing lost, nothing
stored twice.

    python -m tests.chaos.election_night --scale 0.01          # part of `make chaos` (tests/chaos/harness.py)
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import electionday


def kill_a_worker(master: int) -> str:
    """SIGKILL one gunicorn worker (its requests in flight die with it; the master starts another)."""
    pids = electionday.worker_pids(master)
    if not pids:
        return "no gunicorn worker found to kill"
    os.kill(pids[0], signal.SIGKILL)
    return f"gunicorn worker {pids[0]} SIGKILL"


def faults(database_fault: Callable[[], str]) -> Callable[[int], list[str]]:
    """The chaos of the burst: kill a worker, then (2 s later) the database fault."""

    def inject(master: int) -> list[str]:
        done = [kill_a_worker(master)]
        time.sleep(2)
        done.append(database_fault())
        return done

    return inject


def cut_connections() -> str:
    """Terminate every database connection of the benchmark's web server (application name ``APP_NAME``)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()",
            [electionday.APP_NAME],
        )
        cut = cursor.fetchone()[0]
    return f"{cut} database connections of the web server cut"


def restart_postgres(folder: Path) -> Callable[[], str]:
    """Stop (fast shutdown: every connection cut) and start again the harness's own PostgreSQL in ``folder``."""

    def restart() -> str:
        from tests.chaos.harness import OwnPostgres

        postgres = OwnPostgres(folder)
        postgres.stop()
        time.sleep(2)
        postgres.start()
        return "PostgreSQL stop + start"

    return restart


def night(scale: float, database_fault: Callable[[], str], *, out=sys.stdout, **options) -> electionday.Night:
    return electionday.evening(scale, out=out, results=False, chaos=faults(database_fault), **options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--postgres-folder", default="", help="the harness's own PostgreSQL (restarted mid-burst)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    fault = restart_postgres(Path(args.postgres_folder)) if args.postgres_folder else cut_connections
    result = night(args.scale, fault)
    sys.stdout.write(electionday.render(result))
    ok = result.passed and len(result.faults) == 2
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
