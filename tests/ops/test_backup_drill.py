"""Backup drill: real data (ledger, hotline, audit chain) is dumped with ``python -m coalition.backup backup`` (what
``make backup`` runs), restored with ``... restore`` into a fresh database, and the restored database has the same
row count in every table and an intact audit chain (``manage.py verify_audit`` run on it). A truncated, damaged or
foreign file is refused with a clear message and no database is created; a non-empty database is not overwritten
without ``--force``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

from coalition import audit
from coalition.models import AuditEntry
from donations import services as donations
from tests.donations import factories as f
from tests.hotline.factories import file_report

BASE_DIR = Path(settings.BASE_DIR)
pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str) -> str:
    db = connection.settings_dict
    host = db["HOST"] or "localhost"
    if host.startswith("/"):
        return f"postgres://{db['USER']}@/{quote(host, safe='')}/{name}"
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{name}"


def _run(args: list[str], *, database: str | None = None, cwd: Path = BASE_DIR) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": _url(database or connection.settings_dict["NAME"]),
        "DJANGO_SETTINGS_MODULE": "coalition.settings",
        "DEBUG": "1",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _connect(name: str):
    db = connection.settings_dict
    return psycopg.connect(
        dbname=name,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


def _row_counts(name: str) -> dict[str, int]:
    with _connect(name) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        ]
        return {
            table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables
        }


def _database_exists(name: str) -> bool:
    with _connect("postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


@pytest.fixture
def fresh_name():
    name = f"{connection.settings_dict['NAME']}_restored"
    yield name
    with _connect("postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _backup(tmp_path: Path) -> Path:
    result = _run(["-m", "coalition.backup", "backup", "--dir", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    assert "Backup written:" in result.stdout
    (dump,) = tmp_path.glob("*.dump")
    return dump


def _data(staff_user):
    election = f.election(actor=staff_user)
    for amount in ("1000", "250000", "75.50"):
        donations.record_donation(election=election, incoming=f.incoming(amount=amount))
    donations.import_bank_statement(
        election=election,
        file_name="s.csv",
        content=f.statement_csv([["2026-05-02", "S-1", "1000", "KZT", "Иванов", f.iin(), "", "", ""]]),
    )
    file_report()
    audit.record(actor=staff_user, action="drill.mark", data={"drill": True})


def test_backup_restores_into_a_fresh_database_with_every_row_and_an_intact_audit_chain(
    staff_user, tmp_path, fresh_name
):
    _data(staff_user)
    assert AuditEntry.objects.count() >= 5
    original = _row_counts(connection.settings_dict["NAME"])

    dump = _backup(tmp_path)
    assert dump.name.startswith(connection.settings_dict["NAME"] + "-") and dump.read_bytes()[:5] == b"PGDMP"
    assert dump.with_name(dump.name + ".sha256").exists()

    result = _run(["-m", "coalition.backup", "restore", str(dump), "--database", fresh_name])
    assert result.returncode == 0, result.stderr
    assert f"into database '{fresh_name}'" in result.stdout

    restored = _row_counts(fresh_name)
    assert restored == original
    assert restored["coalition_auditentry"] >= 5 and restored["donations_ledgerentry"] > 0

    verified = _run(["manage.py", "verify_audit"], database=fresh_name)
    assert verified.returncode == 0, verified.stderr
    assert f"Audit log OK: {original['coalition_auditentry']} entries" in verified.stdout

    # The restored database is not empty now: a second restore into it is refused, with --force it is replaced.
    again = _run(["-m", "coalition.backup", "restore", str(dump), "--database", fresh_name])
    assert again.returncode == 1 and "is not empty; nothing was restored" in again.stderr
    forced = _run(["-m", "coalition.backup", "restore", str(dump), "--database", fresh_name, "--force"])
    assert forced.returncode == 0, forced.stderr
    assert _row_counts(fresh_name) == original


def test_broken_dumps_are_refused_with_a_clear_message_and_nothing_is_created(staff_user, tmp_path, fresh_name):
    audit.record(actor=staff_user, action="drill.mark", data={})
    dump = _backup(tmp_path)
    data = dump.read_bytes()

    truncated = tmp_path / "truncated.dump"  # no checksum beside it: pg_restore's full read finds the cut
    truncated.write_bytes(data[: len(data) * 2 // 3])
    result = _run(["-m", "coalition.backup", "restore", str(truncated), "--database", fresh_name])
    assert result.returncode == 1 and "is truncated or damaged; nothing was restored" in result.stderr
    assert "Traceback" not in result.stderr
    assert not _database_exists(fresh_name)

    dump.write_bytes(data[:-100])  # beside its checksum: the checksum tells
    result = _run(["-m", "coalition.backup", "restore", str(dump), "--database", fresh_name])
    assert result.returncode == 1 and "does not match its checksum" in result.stderr
    assert not _database_exists(fresh_name)

    foreign = tmp_path / "notes.dump"
    foreign.write_bytes(b"-- plain SQL, not a custom-format archive\nSELECT 1;\n")
    result = _run(["-m", "coalition.backup", "restore", str(foreign), "--database", fresh_name])
    assert result.returncode == 1 and "is not a pg_dump custom-format archive" in result.stderr
    assert not _database_exists(fresh_name)

    # The database in use is never overwritten without --force.
    dump.write_bytes(data)
    result = _run(["-m", "coalition.backup", "restore", str(dump)])
    assert result.returncode == 1 and "is not empty; nothing was restored" in result.stderr
