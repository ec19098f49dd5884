"""`make bench`: each benchmark of issue #10 against its floor, measured in the same run, printed as one table.

    DATABASE_URL=… REDIS_URL=… python -m bench.run --scale 0.01

The data set is loaded (bench/generate.py) into the database of DATABASE_URL when it is not there at this scale.
Pages are timed through Django's test client in this process (production settings, DEBUG off), the public form
with wrk against gunicorn (2 workers), reminders with real Celery workers on the real Redis broker.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from coalition.workers import spawn_worker

BASE_DIR = Path(__file__).resolve().parent.parent
QUERY_LOG = BASE_DIR / "var" / "bench" / "query-counts.json"
PAGE_TARGET_MS = 150.0
QUERY_LIMIT = 15
BENCH_PASSWORD = "bench-password-0"  # noqa: S105 - the benchmark's own account in its own database


@dataclass
class Row:
    what: str
    project: str
    floor: str
    ratio: float | None
    target: str
    passed: bool | None  # None: not measurable in this run
    note: str = ""


@dataclass
class Report:
    scale: float
    rows: list[Row] = field(default_factory=list)
    load_seconds: float | None = None

    def render(self) -> str:
        head = ("benchmark", "project", "floor (same run)", "ratio", "target", "result")
        lines = [
            (
                r.what,
                r.project,
                r.floor,
                "—" if r.ratio is None else f"{r.ratio:.2f}",
                r.target,
                "n/a" if r.passed is None else ("PASS" if r.passed else "FAIL"),
            )
            for r in self.rows
        ]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
        fmt = " | ".join(f"{{:<{w}}}" for w in widths)
        out = [fmt.format(*head), "-+-".join("-" * w for w in widths)]
        out += [fmt.format(*line) for line in lines]
        notes = [f"  {r.what}: {r.note}" for r in self.rows if r.note]
        return "\n".join(out + (["", "notes:", *notes] if notes else [])) + "\n"


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


# --- data ------------------------------------------------------------------------------------------------------


def ensure_data(scale: float, out) -> float | None:
    """Load the data set unless this database holds it at ``scale``; return the load time (None if reused)."""
    from bench import generate
    from donations.models import Donation, Election

    election = Election.objects.filter(slug=generate.ELECTION_SLUG).first()
    expected = generate.counts(scale)["donations"]
    if election is not None:
        have = Donation.objects.filter(election=election).count()
        if have == expected:
            out.write(f"Reusing the data set at scale {scale} ({have:,} donations).\n")
            return None
        raise SystemExit(
            f"The database holds the data set at another size ({have:,} donations, {expected:,} wanted): "
            "drop it (make bench-drop) or use another DATABASE_URL."
        )
    return generate.generate(scale, out=out).seconds


def bench_user():
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True, "email": "bench@example.kz"}
    )
    if created:
        user.set_password(BENCH_PASSWORD)
        user.save()
    return user


def bench_device(user):
    """The bench superuser's confirmed TOTP device: superusers owe a second factor (docs/security.md)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="bench authenticator", confirmed=True)


def login_verified(client, user) -> None:
    """Log ``user`` in on a test client with the second factor verified, as after typing the code."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = bench_device(user).persistent_id
    session.save()


# --- pages -----------------------------------------------------------------------------------------------------


def staff_pages() -> list[tuple[str, str]]:
    from bench.generate import ELECTION_SLUG

    s = ELECTION_SLUG
    return [
        ("dashboard", "/"),
        ("members list", "/staff/members/"),
        ("review queue", "/staff/members/queue/"),
        ("people list", "/staff/members/people/"),
        ("fund overview", f"/donations/{s}/"),
        ("donations list", f"/donations/{s}/payments/"),
        ("donor registry", "/donations/donors/"),
        ("ledger", f"/donations/{s}/ledger/"),
        ("returns", f"/donations/{s}/refunds/"),
        ("events list", "/events/"),
        ("polling stations", "/events/stations/"),
    ]


def bench_pages(report: Report, *, requests: int, out) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    login_verified(client, bench_user())

    def get(path):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return response

    floor_path = "/__bench__/floor/"
    for _ in range(3):
        get(floor_path)
    floor = _p95(_timed(lambda: get(floor_path), requests))
    counts = _load_query_counts()
    for name, path in staff_pages():
        for _ in range(2):
            get(path)
        with CaptureQueriesContext(connection) as queries:
            get(path)
        n = len(queries)
        counts.setdefault(path, {})[str(report.scale)] = n
        p95 = _p95(_timed(lambda path=path: get(path), requests))
        seen = counts[path]
        same = len(set(seen.values())) == 1
        other = ", ".join(f"{q} at {s}" for s, q in sorted(seen.items()) if s != str(report.scale))
        report.rows.append(
            Row(
                what=f"{name} p95 ({n} queries)",
                project=f"{p95:.1f} ms",
                floor=f"{floor:.1f} ms",
                ratio=p95 / floor if floor else None,
                target=f"≤ {PAGE_TARGET_MS:.0f} ms at full size; queries ≤ {QUERY_LIMIT}, same at every size",
                passed=n <= QUERY_LIMIT and same and (p95 <= PAGE_TARGET_MS or report.scale < 1),
                note=("" if not other else f"queries at other sizes: {other}")
                + ("" if same else " — DIFFERENT")
                + (" (time target applies at scale 1)" if report.scale < 1 and p95 > PAGE_TARGET_MS else ""),
            )
        )
        out.write(f"  {name}: p95 {p95:.1f} ms, {n} queries\n")
    if "PYTEST_CURRENT_TEST" not in os.environ:  # the smoke test's tiny data set is not a size to compare with
        _save_query_counts(counts)


def _load_query_counts() -> dict:
    try:
        return json.loads(QUERY_LOG.read_text())
    except (OSError, ValueError):
        return {}


def _save_query_counts(counts: dict) -> None:
    QUERY_LOG.parent.mkdir(parents=True, exist_ok=True)
    QUERY_LOG.write_text(json.dumps(counts, indent=1, sort_keys=True))


# --- compliance report -----------------------------------------------------------------------------------------

# The same content in one statement: the totals and every donation's line, aggregated by PostgreSQL into JSON.
REPORT_SQL = """
SELECT json_build_object(
  'received', (SELECT COALESCE(SUM(amount), 0) FROM donations_ledgerentry
               WHERE election_id = %(e)s AND kind = 'receipt'),
  'accepted', (SELECT COALESCE(SUM(amount), 0) FROM donations_ledgerentry
               WHERE election_id = %(e)s AND kind IN ('credit', 'correction')),
  'by_source', (SELECT json_object_agg(source, total) FROM (SELECT source, SUM(amount) AS total
               FROM donations_ledgerentry WHERE election_id = %(e)s AND kind IN ('credit', 'correction')
               GROUP BY source) s),
  'refunds', (SELECT json_object_agg(kind, total) FROM (SELECT r.kind, SUM(r.amount) AS total FROM donations_refund r
              JOIN donations_donation d ON d.id = r.donation_id WHERE d.election_id = %(e)s GROUP BY r.kind) f),
  'held', (SELECT COALESCE(SUM(amount), 0) FROM donations_donation WHERE election_id = %(e)s AND verdict = 'held'),
  'donations', (SELECT json_agg(json_build_object('bank_reference', bank_reference, 'date', received_on,
                'amount', amount, 'source', source, 'verdict', verdict, 'accepted_amount', accepted_amount,
                'reasons', reasons) ORDER BY received_on, line NULLS LAST, id)
                FROM donations_donation WHERE election_id = %(e)s)
)::text
"""


def bench_report(report: Report, *, out) -> None:
    from django.db import connection
    from django.test import Client

    from bench.generate import ELECTION_SLUG
    from donations.models import Election

    election = Election.objects.get(slug=ELECTION_SLUG)
    client = Client()
    login_verified(client, bench_user())
    path = f"/donations/{ELECTION_SLUG}/reports/compliance.json"

    def project():
        response = client.get(path)
        assert response.status_code == 200, response.status_code  # noqa: S101 - a benchmark sanity check
        return len(response.content)

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(REPORT_SQL, {"e": election.pk})
            return len(cursor.fetchone()[0])

    floor(), project()  # warm the caches alike
    runs = 3
    floor_s = statistics.median(_timed(floor, runs)) / 1000
    project_s = statistics.median(_timed(project, runs)) / 1000
    ratio = project_s / floor_s
    report.rows.append(
        Row(
            "compliance report JSON (median of 3)",
            f"{project_s:.2f} s",
            f"{floor_s:.2f} s",
            ratio,
            "≤ 1.5×",
            ratio <= 1.5,
            "floor: one SQL statement building the same totals and rows as JSON",
        )
    )
    out.write(f"  compliance report: {project_s:.2f} s vs {floor_s:.2f} s\n")


# --- bank statement import -------------------------------------------------------------------------------------


def statement_csv(rows: int, *, seed: int = 7) -> bytes:
    """A bank statement of ``rows`` valid payments from the data set's people (dates in the fund's period)."""
    import random

    from bench.generate import FUND_OPENS
    from donations.parsing import STATEMENT_COLUMNS
    from members.models import Person

    rng = random.Random(seed)
    people = list(Person.objects.exclude(iin="").order_by("pk").values_list("iin", "full_name")[:5000])
    run = uuid.uuid4().hex[:6].upper()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(STATEMENT_COLUMNS)
    for i in range(rows):
        iin, name = rng.choice(people)
        writer.writerow(
            [
                (FUND_OPENS + timedelta(days=rng.randrange(110))).isoformat(),
                f"IMP-{run}-{i:07d}",
                f"{rng.choice((1000, 5000, 10000, 25000))}.{rng.randrange(100):02d}",
                "KZT",
                name,
                iin,
                "individual",
                "KZ",
                f"Добровольный взнос от {name}, договор {rng.randrange(10**6)}",
            ]
        )
    return buffer.getvalue().encode()


def _import_fund(base, version, prefix: str):
    """A fund of its own under the same rules as the data set's (``base``), dated a day before it."""
    from donations.models import Election
    from donations.services import create_election, default_rule_values

    values = default_rule_values(fund_opens_on=version.fund_opens_on, fund_closes_on=version.fund_closes_on)
    values.update(cap_donations_mzp=version.cap_donations_mzp, per_donor_cap_mzp=version.per_donor_cap_mzp)
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    election = create_election(
        slug=slug,
        name=slug,
        kind=base.kind,
        candidate_iin=base.candidate_iin,
        association_bin=base.association_bin,
        rule_values=values,
        created_by=None,
    )
    Election.objects.filter(pk=election.pk).update(created_at=base.created_at - timedelta(days=1))
    return election


def bare_copy_floor(content: bytes) -> float:
    """The floor of issue #10, kept for the history: COPY of the CSV into a bare temporary table."""
    from django.db import connection

    with connection.cursor() as wrapper:
        wrapper.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bench_statement (date date, bank_reference text, amount numeric(18,2), "
            "currency text, payer_name text, payer_id text, payer_kind text, payer_citizenship text, purpose text)"
        )
        wrapper.execute("TRUNCATE bench_statement")
        started = time.perf_counter()
        with wrapper.cursor.copy("COPY bench_statement FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(content)
        seconds = time.perf_counter() - started
        wrapper.execute("DROP TABLE bench_statement")
    return seconds


@dataclass
class _Copy:
    """One ``COPY ... FROM STDIN`` of the floor: the table, its columns and the rows in COPY's text format."""

    table: str
    columns: list[str]
    data: bytes

    @property
    def rows(self) -> int:
        return self.data.count(b"\n")  # COPY's text format escapes newlines inside values


def _extract(cursor, model, *, where: str, remap: dict[str, str], keep_id: bool = True) -> _Copy:
    """The rows of ``model`` matching ``where`` (in id order) as COPY text, with some columns replaced by SQL
    expressions (the floor's fund, statement and ids); without ``keep_id`` the table's sequence gives the ids."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = [f.column for f in model._meta.concrete_fields if keep_id or f is not model._meta.pk]
    select = ", ".join(remap.get(column, quote(column)) for column in columns)
    table = model._meta.db_table
    buffer = io.BytesIO()
    sql = f"COPY (SELECT {select} FROM {quote(table)} WHERE {where} ORDER BY id) TO STDOUT"  # noqa: S608 - ours
    with cursor.copy(sql) as copy:
        for chunk in copy:
            buffer.write(chunk)
    return _Copy(table, columns, buffer.getvalue())


def _id_offset(cursor, model, old_ids: list[int]) -> int:
    """Draw as many ids from ``model``'s sequence as ``old_ids`` spans, as the import draws its own, and return the
    offset that moves the old ids onto them (``old + offset``)."""
    if not old_ids:
        return 0
    span = max(old_ids) - min(old_ids) + 1
    cursor.execute(
        "SELECT min(v), max(v) FROM (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS v "
        "FROM generate_series(1, %s)) drawn",
        [model._meta.db_table, span],
    )
    first, last = cursor.fetchone()
    if last - first + 1 != span:
        raise RuntimeError(f"{model._meta.db_table}: another writer drew ids during the benchmark")
    return first - min(old_ids)


def same_rows_floor(*, election, statement, base, version) -> tuple[float, int]:
    """Issue #22 item 9: COPY of the rows the import wrote into the same tables, with their indexes, constraints and
    triggers (append-only, tallies, deferred foreign keys), in one transaction rolled back afterwards.

    The rows are the import's own, read back from the database and moved onto a twin fund (created in the same
    transaction, under the same rules) and onto fresh ids: the statement with its file, the donations, decisions,
    ledger rows and returns batch by batch in the import's order (one COPY per table and batch, as
    ``donations/services/bulk.py`` writes them), the coercion alerts with their donation links, and the import's
    audit entries re-chained (new hashes, under the chain's advisory lock). The deferred foreign-key checks that
    the import's commits run are run by ``SET CONSTRAINTS ALL IMMEDIATE`` inside the timing; the rollback leaves the
    database as it was (only sequence values are spent). Returns the seconds of the writes and the rows written.
    """
    from django.db import connection, transaction

    from coalition import audit
    from coalition.models import AuditEntry
    from donations.models import CoercionAlert, Decision, Donation, LedgerEntry, Refund, RuleVersion, StatementImport
    from donations.services.statements import IMPORT_BATCH

    links = CoercionAlert.donations.through
    donation_ids = list(Donation.objects.filter(statement=statement).order_by("pk").values_list("pk", flat=True))
    alert_ids = list(CoercionAlert.objects.filter(election=election).order_by("pk").values_list("pk", flat=True))
    decision_ids = list(Decision.objects.filter(donation__statement=statement).values_list("pk", flat=True))
    entries = list(
        AuditEntry.objects.filter(object_type="donations.statementimport", object_id=str(statement.pk)).order_by("pk")
    ) + list(
        AuditEntry.objects.filter(
            object_type="donations.coercionalert", object_id__in=[str(pk) for pk in alert_ids]
        ).order_by("pk")
    )
    e = int(election.pk)
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        twin = _import_fund(base, version, "bench-floor")  # rolled back with the rest
        versions = dict(
            RuleVersion.objects.filter(election=twin).values_list("number", "pk")
        )  # the project's decisions refer to its fund's versions: the twin's of the same number
        rule_version = (
            "CASE rule_version_id "
            + " ".join(
                f"WHEN {int(pk)} THEN {int(versions[number])}"
                for pk, number in RuleVersion.objects.filter(election=election).values_list("pk", "number")
            )
            + " END"
        )
        d = _id_offset(cursor, Donation, donation_ids)
        dc = _id_offset(cursor, Decision, decision_ids)
        a = _id_offset(cursor, CoercionAlert, alert_ids)
        s = _id_offset(cursor, StatementImport, [statement.pk])
        t = int(twin.pk)
        copies = [
            _extract(
                cursor,
                StatementImport,
                where=f"id = {int(statement.pk)}",
                remap={"id": f"id + {s}", "election_id": str(t)},
            )
        ]
        for start in range(0, len(donation_ids), IMPORT_BATCH):
            batch = donation_ids[start : start + IMPORT_BATCH]
            lo, hi = int(batch[0]), int(batch[-1])
            in_batch = f"donation_id BETWEEN {lo} AND {hi}"
            fund = {"election_id": str(t), "donation_id": f"donation_id + {d}", "decision_id": f"decision_id + {dc}"}
            copies += [
                _extract(
                    cursor,
                    Donation,
                    where=f"statement_id = {int(statement.pk)} AND id BETWEEN {lo} AND {hi}",
                    remap={"id": f"id + {d}", "election_id": str(t), "statement_id": f"statement_id + {s}"},
                ),
                _extract(
                    cursor,
                    Decision,
                    where=in_batch,
                    remap={"id": f"id + {dc}", "donation_id": f"donation_id + {d}", "rule_version_id": rule_version},
                ),
                _extract(cursor, LedgerEntry, where=f"election_id = {e} AND {in_batch}", remap=fund, keep_id=False),
                _extract(cursor, Refund, where=f"election_id = {e} AND {in_batch}", remap=fund, keep_id=False),
            ]
        copies += [
            _extract(
                cursor, CoercionAlert, where=f"election_id = {e}", remap={"id": f"id + {a}", "election_id": str(t)}
            ),
            _extract(
                cursor,
                links,
                where=f"coercionalert_id IN (SELECT id FROM donations_coercionalert WHERE election_id = {e})",  # noqa: S608
                remap={"coercionalert_id": f"coercionalert_id + {a}", "donation_id": f"donation_id + {d}"},
                keep_id=False,
            ),
        ]
        # The audit entries, re-chained onto the log's last entry under the chain's lock (as coalition.audit does).
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit._LOCK_ID])
        prev = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or audit.GENESIS
        moved = {("donations.statementimport", str(statement.pk)): str(statement.pk + s)}
        moved.update({("donations.coercionalert", str(pk)): str(pk + a) for pk in alert_ids})
        chained = []
        for entry in entries:
            fields = {
                "at": entry.at,
                "actor_id": entry.actor_id,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": moved[(entry.object_type, entry.object_id)],
                "object_repr": entry.object_repr,
                "data": entry.data,
            }
            digest = audit.entry_hash(prev_hash=prev, **fields)
            chained.append({**fields, "actor_label": entry.actor_label, "prev_hash": prev, "hash": digest})
            prev = digest
        audit_columns = ["at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr"]
        audit_columns += ["data", "prev_hash", "hash"]
        expected = sum(copy.rows for copy in copies) + len(chained)
        project_rows = (
            len(donation_ids)
            + len(decision_ids)
            + LedgerEntry.objects.filter(election=election).count()
            + Refund.objects.filter(election=election).count()
            + len(alert_ids)
            + links.objects.filter(coercionalert__election=election).count()
            + len(entries)
            + 1
        )
        if expected != project_rows:
            raise RuntimeError(f"the floor would write {expected} rows, the import wrote {project_rows}")

        def write(copy: _Copy) -> None:
            names = ", ".join(connection.ops.quote_name(column) for column in copy.columns)
            with cursor.copy(f"COPY {connection.ops.quote_name(copy.table)} ({names}) FROM STDIN") as out:
                out.write(copy.data)

        def append_audit(rows: list[dict]) -> None:
            with cursor.copy(f"COPY coalition_auditentry ({', '.join(audit_columns)}) FROM STDIN") as out:
                for row in rows:
                    out.write_row([json.dumps(row[c]) if c == "data" else row[c] for c in audit_columns])

        started = time.perf_counter()
        write(copies[0])  # the statement with its file, and its upload's audit entry
        append_audit(chained[:1])
        for copy in copies[1:]:  # batch by batch: donations, decisions, ledger, returns; then alerts and links
            write(copy)
        append_audit(chained[1:])  # the import's entry and one per alert
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign-key checks of the import's commits
        seconds = time.perf_counter() - started
        written = Donation.objects.filter(election=twin).count()
        transaction.set_rollback(True)
    if written != len(donation_ids):
        raise RuntimeError(f"the floor wrote {written} donations, the import {len(donation_ids)}")
    return seconds, expected


def bench_import(report: Report, *, rows: int, out) -> None:
    from bench.generate import ELECTION_SLUG
    from donations.models import Donation, Election, RuleVersion
    from donations.services import import_bank_statement

    content = statement_csv(rows)
    # A fund of its own, under the same rules as the data set's, so repeated runs leave the benchmark fund as it was.
    base = Election.objects.get(slug=ELECTION_SLUG)
    version = RuleVersion.objects.filter(election=base).order_by("-number").first()
    election = _import_fund(base, version, "bench-import")

    bare_s = bare_copy_floor(content)
    started = time.perf_counter()
    statement = import_bank_statement(election=election, file_name="bench.csv", content=content)
    project_s = time.perf_counter() - started
    imported = Donation.objects.filter(election=election).count()
    if imported != rows or statement.status != "done":
        raise RuntimeError(f"the import recorded {imported} of {rows} rows ({statement.status})")
    floor_s, written = same_rows_floor(election=election, statement=statement, base=base, version=version)
    ratio = project_s / floor_s
    report.rows.append(
        Row(
            f"statement import, {rows:,} rows",
            f"{project_s:.2f} s ({rows / project_s:,.0f} rows/s)",
            f"{floor_s:.2f} s (COPY of its {written:,} rows)",
            ratio,
            "≤ 3×",
            ratio <= 3,
            "floor (issue #22 item 9): COPY of the rows the import wrote (statement, donations, decisions, ledger, "
            "returns, alerts and their links, audit entries) into the same tables, indexes, constraints and "
            "triggers, batch by batch, deferred foreign keys checked; rolled back",
        )
    )
    report.rows.append(
        Row(
            "history: statement import vs bare COPY (issue #10 floor)",
            f"{project_s:.2f} s",
            f"{bare_s:.2f} s",
            project_s / bare_s,
            "— (history)",
            None,
            "the floor before issue #22 item 9: COPY of the CSV into a bare temporary table",
        )
    )
    out.write(f"  import: {project_s:.2f} s vs same rows {floor_s:.3f} s (bare COPY {bare_s:.3f} s)\n")


# --- reminders through Celery ----------------------------------------------------------------------------------


def _drain(queue_work, env: dict, queue: str, log: Path, done, concurrency: int) -> float:
    """Queue the work (``queue_work(producer)``), start the worker(s) on ``queue`` (also their default queue, so
    tasks they queue themselves stay on it), return seconds from the worker being ready to ``done()``."""
    from coalition.celery import app

    with app.producer_or_acquire() as producer:
        queue_work(producer)
    proc = spawn_worker(env={**env, "CELERY_QUEUE": queue}, queue=queue, log=log, concurrency=concurrency)
    try:
        deadline = time.monotonic() + 120
        while "ready." not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        started = time.perf_counter()
        deadline = time.monotonic() + 3600
        while not done():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker stopped or timed out: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def bench_reminders(report: Report, *, count: int, log_dir: Path, concurrency: int, out) -> None:
    import redis
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bench.tasks import noop
    from coalition.models import OutboundMessage
    from coalition.tasks import deliver_pending_messages

    run = uuid.uuid4().hex[:8]
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    mail = log_dir / "mail"
    from bench.http import server_env

    env = server_env(EMAIL_FILE_PATH=str(mail), EMAIL_BACKEND="coalition.outbox.backends.KeyedFileEmailBackend")
    floor_queue, project_queue = f"bench-noop-{run}", f"bench-deliver-{run}"

    def queue_empty(queue):
        def empty() -> bool:
            if broker.llen(queue):
                return False
            # kombu keeps every queue's unacknowledged messages in one "unacked" hash, ([message, exchange,
            # routing key] as JSON); other queues' leftovers (a worker killed by a test) must not count here.
            for raw in broker.hvals("unacked"):
                try:
                    routing_key = json.loads(raw)[2]
                except (ValueError, IndexError, TypeError):
                    continue
                if routing_key == queue:
                    return False
            return True

        return empty

    def noop_tasks(producer) -> None:
        for i in range(count):
            noop.apply_async((i,), queue=floor_queue, producer=producer)

    floor_s = _drain(noop_tasks, env, floor_queue, log_dir / "worker-noop.log", queue_empty(floor_queue), concurrency)

    # The sweeper sends every due row: what earlier runs left due in this database (a run stopped half-way, the
    # /join/ benchmark's notices) must not add to this run's work.
    now = timezone.now()
    left = OutboundMessage.objects.filter(status="pending", send_after__lte=now).update(status="cancelled")
    if left:
        out.write(f"  reminders: {left:,} due messages left by earlier runs cancelled\n")
    with (
        connection.cursor() as wrapper,
        wrapper.cursor.copy(
            "COPY coalition_outboundmessage (key, channel, recipient, language, subject, body, html_body, status, "
            "send_after, attempts, last_error, created_at) FROM STDIN"
        ) as copy,
    ):
        for i in range(count):
            copy.write_row(
                (
                    f"reminder:bench-{run}:{i}:24h",
                    "email",
                    f"person{i}@example.kz",
                    "ru",
                    "Напоминание о мероприятии",
                    "Завтра в 10:00 — встреча с избирателями.",
                    "",
                    "pending",
                    now,
                    0,
                    "",
                    now,
                )
            )
    sent = OutboundMessage.objects.filter(key__startswith=f"reminder:bench-{run}:", status="sent")

    def sweep(producer) -> None:  # the beat job: on the worker it fans the due rows out to batch tasks
        deliver_pending_messages.apply_async(queue=project_queue, producer=producer)

    project_s = _drain(
        sweep,
        env,
        project_queue,
        log_dir / "worker-deliver.log",
        lambda: sent.count() == count and queue_empty(project_queue)(),
        concurrency,
    )
    lines = (mail / "sent.log").read_text().count("\n")
    if lines != count:
        raise RuntimeError(f"{lines} emails written for {count} reminders")
    share = floor_s / project_s
    report.rows.append(
        Row(
            f"reminders delivered, {count:,} ({concurrency} worker processes)",
            f"{count / project_s:,.0f} /s",
            f"{count / floor_s:,.0f} /s (no-op task)",
            share,
            "≥ 50 % of the floor",
            share >= 0.5,
            f"due rows → the sweeper → batch tasks of {settings.OUTBOX_BATCH_SIZE}; file email backend; "
            "ratio = project rate / floor rate",
        )
    )
    out.write(f"  reminders: {count / project_s:,.0f}/s vs no-op {count / floor_s:,.0f}/s\n")


# --- the public form under wrk ---------------------------------------------------------------------------------


def join_body(region_pk: int) -> str:
    import urllib.parse

    return urllib.parse.urlencode(
        {
            "name_ru": "Общественное объединение «Нагрузка»",
            "bin": "BINVALUE",
            "kind": "public_association",
            "region": region_pk,
            "address": "г. Астана, ул. Абая, 1",
            "phone": "+77172000000",
            "email": "load@example.kz",
            "head_name": "Ахметов Ерлан",
            "head_title": "Председатель",
            "declared_members": "120",
            "representative_name": "Сейткали Айгуль",
            "representative_title": "Секретарь",
            "representative_phone": "+77011234567",
            "consent": "on",
        }
    )


def fresh_bins(n: int, seed: int) -> list[str]:
    import random

    from coalition.identifiers import synthetic_bin
    from members.models import Organization

    rng = random.Random(seed)
    taken = set(Organization.objects.values_list("bin", flat=True))
    bins: list[str] = []
    while len(bins) < n:
        value = synthetic_bin(rng, year=rng.randrange(1995, 2025), month=rng.randrange(1, 13))
        if value not in taken:
            taken.add(value)
            bins.append(value)
    return bins


OLD_FLOOR = "/__bench__/floor/"  # issue #10's /join/ floor: a bare view, no query (GET and POST answer the page)
JOIN_FLOOR = "/__bench__/join-floor/"  # issue #22 item 9: the writes of /join/ by one hand-written SQL transaction


def form_load(base: str, *, requests: int, log_dir: Path, path: str = "/join/"):
    """wrk on a public form as browsers use it: each GET comes from a new visitor (no cookie), and the POST after it
    sends that visitor's CSRF cookie and every hidden input of the form, as a browser does; a 403 counts as an error.

    ``path`` is /join/ or one of its floors: ``JOIN_FLOOR`` answers its POST as /join/ does (a redirect to a
    ``/done/`` page, the application written), ``OLD_FLOOR`` with the page itself."""
    from bench import http
    from coalition.models import Region
    from members.forms import ApplicationForm

    ApplicationForm.drop_rendered()  # the first visitor of the run fills the form's cache, as after a deploy
    body = join_body(Region.objects.order_by("code").first().pk)
    threads = 4
    bins = fresh_bins(threads * (requests // threads + 4), seed=int(time.time()))
    return http.wrk(
        base,
        get=path,
        post=path,
        body=body,
        bins=bins,
        requests=requests,
        threads=threads,
        log_dir=log_dir,
        post_status=200 if path == OLD_FLOOR else 302,
        form_marker='id="join-form"' if path == "/join/" else 'id="floor-form"',
    )


def _wrk_figures(result) -> str:
    return f"{result.rps:,.0f} req/s, p95 {result.p95_ms:.0f} ms, {result.errors} errors"


def bench_join(report: Report, *, requests: int, log_dir: Path, out) -> None:
    from bench import http

    with http.gunicorn(http.server_env(), workers=2, log_dir=log_dir) as base:
        form_load(base, requests=40, log_dir=log_dir)  # warm both workers
        project = form_load(base, requests=requests, log_dir=log_dir)
        form_load(base, requests=40, log_dir=log_dir, path=JOIN_FLOOR)  # warm its per-process texts alike
        floor = form_load(base, requests=requests, log_dir=log_dir, path=JOIN_FLOOR)
        bare = form_load(base, requests=requests, log_dir=log_dir, path=OLD_FLOOR)
    share = project.rps / floor.rps
    report.rows.append(
        Row(
            f"/join/ GET+POST, {project.requests:,} requests (wrk, gunicorn 2 workers)",
            _wrk_figures(project),
            _wrk_figures(floor) + " (its writes by hand-written SQL)",
            share,
            "≥ 50 % of the floor, 0 errors",
            share >= 0.5 and project.errors == 0,
            "floor (issue #22 item 9, bench/views.py join_floor): the bare page for the GET; for the POST the same "
            "CSRF check, then the rows /join/ writes (organization, person, identity claim, affiliation, consent, "
            "status change, chained audit entry under its lock, outbox email, session) in one SQL transaction",
        )
    )
    report.rows.append(
        Row(
            "history: /join/ vs zero-query view (issue #10 floor)",
            f"{project.rps:,.0f} req/s",
            _wrk_figures(bare),
            project.rps / bare.rps,
            "— (history)",
            None,
            "the floor before issue #22 item 9: a bare view rendering a template, GET and POST, no query",
        )
    )
    out.write(
        f"  /join/: {project.rps:,.0f} req/s vs same writes {floor.rps:,.0f} req/s (zero-query view {bare.rps:,.0f})\n"
    )


# --- main ------------------------------------------------------------------------------------------------------


def run(
    scale: float,
    *,
    out=sys.stdout,
    page_requests: int = 30,
    only: set[str] | None = None,
    reminders: int | None = None,
    join_requests: int | None = None,
    import_rows: int | None = None,
) -> Report:
    from django.conf import settings

    report = Report(scale=scale)
    out.write(f"Benchmarks at scale {scale} on {settings.DATABASES['default']['NAME']}\n")
    report.load_seconds = ensure_data(scale, out)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    steps = {
        "pages": lambda: bench_pages(report, requests=page_requests, out=out),
        "report": lambda: bench_report(report, out=out),
        "import": lambda: bench_import(report, rows=import_rows or max(50, round(100_000 * scale)), out=out),
        "reminders": lambda: bench_reminders(
            report, count=reminders or max(50, round(100_000 * scale)), log_dir=log_dir, concurrency=2, out=out
        ),
        "join": lambda: bench_join(
            report, requests=join_requests or max(200, min(4000, round(40_000 * scale))), log_dir=log_dir, out=out
        ),
    }
    for name, step in steps.items():
        if only and name not in only:
            continue
        started = time.perf_counter()
        step()
        out.write(f"  ({name} took {time.perf_counter() - started:.1f} s)\n")
    out.write("\n" + _header(scale, report) + report.render())
    out.flush()
    return report


def _header(scale: float, report: Report) -> str:
    import platform

    cpu = os.cpu_count()
    load = os.getloadavg()[0]
    loaded = "reused" if report.load_seconds is None else f"loaded in {report.load_seconds:.1f} s"
    return (
        f"scale {scale} (data set {loaded}); {platform.node()}: {cpu} CPUs, Python {platform.python_version()}, "
        f"load average {load:.1f}; {date.today().isoformat()}\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks and print the table.")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--requests", type=int, default=30, help="requests per page for the p95")
    parser.add_argument("--reminders", type=int, default=None, help="reminders to deliver (default 100,000 × scale)")
    parser.add_argument("--join-requests", type=int, default=None, help="wrk requests on /join/ and its floor")
    parser.add_argument(
        "--import-rows", type=int, default=None, help="statement rows to import (default 100,000 × scale)"
    )
    parser.add_argument("--only", default="", help="comma-separated: pages,report,import,reminders,join")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    run(
        args.scale,
        page_requests=args.requests,
        only=set(filter(None, args.only.split(","))) or None,
        reminders=args.reminders,
        join_requests=args.join_requests,
        import_rows=args.import_rows,
    )


if __name__ == "__main__":
    main()
