"""Start a real Celery worker (or beat) in a child process: the one recipe the worker tests, the chaos harness and
the benchmark share (the Procfile's command line, on a queue of their own)."""

from __future__ import annotations

import subprocess  # nosec B404 # starts celery with our own argument list, never a shell
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parents[1]

# No gossip, mingle or heartbeat: the worker talks to no other worker, so it is ready sooner and its log holds only
# its own tasks (the tests read "succeeded" lines from it).
QUIET = ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]


def database_url() -> str:
    """Return the URL of the database this process uses (the test database in a test), for the workers it starts."""
    from django.db import connection  # only a process with Django set up asks

    db = connection.settings_dict
    if str(db["HOST"]).startswith("/"):
        return f"postgres://{db['USER']}@/{quote(str(db['HOST']))}/{db['NAME']}"
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def spawn_celery(
    args: Sequence[str], *, env: Mapping[str, str], log: Path, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """Run ``celery -A coalition <args>`` from the project folder with ``env``, its output (both streams) in ``log``.

    ``new_session`` puts it in its own process group, so ``os.killpg`` takes a prefork worker's children with it.
    """
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 # nosec B603 # celery with our own argument list, no shell
            [sys.executable, "-m", "celery", "-A", "coalition", *args],
            env=dict(env),
            cwd=BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )


def spawn_worker(
    *,
    env: Mapping[str, str],
    queue: str,
    log: Path,
    concurrency: int | None = None,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Start a worker consuming ``queue``; return its process.

    Without ``concurrency`` it runs the solo pool (one process: a SIGKILL of it stops the work at once); with it,
    a prefork pool of that many processes.
    """
    pool = ["--pool=solo"] if concurrency is None else [f"--concurrency={concurrency}"]
    return spawn_celery(["worker", "-Q", queue, *pool, *QUIET], env=env, log=log, new_session=new_session)
