"""The benchmark data set: a national campaign's size, reproducible (fixed seed), loaded with COPY.

At ``--scale 1``: 5,000 organizations, 200,000 persons, 1,000,000 donations (each decided by the real rules
engine, with its decision, ledger rows and any return), 20,000 events, 10,000 polling stations and 50,000
scheduled reminders in the outbox. Every IIN and BIN is valid (``coalition.identifiers``), every row passes the
models' constraints, so the app shows it like any other.

    DATABASE_URL=postgres://…/coalition_bench python -m bench.generate --scale 0.01

The database must be migrated and hold no earlier benchmark data (``make bench`` uses a database of its own).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

FULL = {
    "organizations": 5_000,
    "persons": 200_000,
    "donations": 1_000_000,
    "events": 20_000,
    "stations": 10_000,
    "reminders": 50_000,
}
SEED = 20261127
ELECTION_SLUG = "bench-2026"
FUND_OPENS = date(2026, 8, 1)
FUND_CLOSES = date(2026, 12, 31)
EPOCH = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

_FIRST = [
    "Ерлан",
    "Айгуль",
    "Данияр",
    "Сауле",
    "Асель",
    "Нурлан",
    "Жанар",
    "Бауыржан",
    "Дина",
    "Марат",
    "Алия",
    "Ержан",
    "Гульнара",
    "Тимур",
    "Айдос",
    "Мадина",
    "Ольга",
    "Сергей",
    "Елена",
    "Руслан",
]
_LAST = [
    "Ахметов",
    "Сейткали",
    "Жумабаев",
    "Нурпеисов",
    "Омаров",
    "Искаков",
    "Касымов",
    "Бекова",
    "Садыкова",
    "Иванов",
    "Ким",
    "Тулегенов",
    "Абдрахманов",
    "Сулейменова",
    "Ермеков",
    "Каримов",
    "Смагулов",
    "Есенова",
]
_ORG_WORDS = [
    "Жастар",
    "Болашақ",
    "Әділет",
    "Достық",
    "Мейірім",
    "Ынтымақ",
    "Дала",
    "Сарыарқа",
    "Алатау",
    "Ертіс",
    "Кәсіпкер",
    "Ұстаз",
    "Дәрігер",
    "Еңбек",
    "Тіл",
    "Ана",
    "Ардагер",
    "Экология",
]
_CITIES = ["Астана", "Алматы", "Шымкент", "Караганда", "Актобе", "Павлодар", "Тараз", "Семей", "Костанай", "Атырау"]


def counts(scale: float) -> dict[str, int]:
    """Return the row counts at ``scale`` (at least one of each)."""
    return {name: max(1, round(n * scale)) for name, n in FULL.items()}


@dataclass
class Loaded:
    counts: dict[str, int]
    rows: int
    seconds: float
    election_id: int


def _copy(cursor, model, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``model``'s table; return how many.

    Any other non-null column gets its field's default, so a field added to a model later does not break the load.
    """
    from django.db import connection
    from django.utils import timezone

    table = model._meta.db_table
    extra_columns, extra_values = [], []
    for f in model._meta.concrete_fields:
        if f.column in columns or f.null or f.primary_key:
            continue
        if f.has_default():
            value = f.get_db_prep_save(f.get_default(), connection)
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = timezone.now()
        elif f.empty_strings_allowed:
            value = ""
        else:
            raise ValueError(f"{table}.{f.column} needs a value in bench/generate.py")
        extra_columns.append(f.column)
        extra_values.append(value)
    n = 0
    sql = f'COPY "{table}" ({", ".join([*columns, *extra_columns])}) FROM STDIN'
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *extra_values) if extra_values else row)
            n += 1
    return n


def _next_id(cursor, model) -> int:
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')  # noqa: S608
    return cursor.fetchone()[0]


def _reset_sequence(cursor, model) -> None:
    table = model._meta.db_table
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"  # noqa: S608
    )


def _random_bin(rng: random.Random) -> str:
    from coalition.identifiers import synthetic_bin

    return synthetic_bin(rng, year=rng.randrange(1995, 2024), month=rng.randrange(1, 13))


def _unique(rng: random.Random, make, taken: set[str]) -> str:
    while True:
        value = make(rng)
        if value not in taken:
            taken.add(value)
            return value


def generate(scale: float = 1.0, *, seed: int = SEED, out=sys.stdout) -> Loaded:
    """Load the data set into the default database; return what was loaded and how long it took."""
    from django.db import connection, transaction

    from coalition.identifiers import synthetic_iin
    from coalition.models import OutboundMessage, Region
    from donations import rules
    from donations.models import Decision, Donation, Donor, Election, LedgerEntry, Refund, RuleVersion
    from donations.services import create_election, default_rule_values
    from events.models import Event, PollingStation
    from members.models import Affiliation, Organization, Person

    started = time.perf_counter()
    n = counts(scale)
    rng = random.Random(seed)
    regions = list(Region.objects.order_by("code").values_list("pk", flat=True))
    if not regions:
        raise SystemExit("No regions: migrate the database first.")
    if Election.objects.filter(slug=ELECTION_SLUG).exists():
        raise SystemExit(f"{connection.settings_dict['NAME']} already holds the benchmark data: use a fresh database.")
    bins: set[str] = set()
    iins: set[str] = set()
    total = 0

    def at(days: float) -> datetime:
        return EPOCH + timedelta(days=days)

    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg 3 cursor, for COPY

        # --- members ---------------------------------------------------------------------------------------
        org0 = _next_id(cursor, Organization)
        statuses = ["admitted"] * 14 + ["applied"] * 3 + ["rejected", "suspended", "withdrawn"]
        kinds = [k for k, _label in Organization.Kind.choices]
        orgs = []
        for i in range(n["organizations"]):
            status = rng.choice(statuses)
            created = at(rng.uniform(0, 150))
            word = rng.choice(_ORG_WORDS)
            bin_ = _unique(rng, _random_bin, bins)
            orgs.append((org0 + i, bin_, status))
            yield_row = (
                org0 + i,
                f"Общественное объединение «{word} {i + 1}»",
                f"«{word} {i + 1}» қоғамдық бірлестігі",
                f"Public association {word} {i + 1}",
                f"{word} {i + 1}",
                bin_,
                rng.choice(kinds),
                rng.choice(regions),
                status,
                (created.date() + timedelta(days=14)) if status in ("admitted", "suspended", "withdrawn") else None,
                created,
                f"г. {rng.choice(_CITIES)}, ул. Абая, {rng.randrange(1, 200)}",
                f"+7717{rng.randrange(2000000, 9999999)}",
                f"org{i + 1}@example.kz",
                "",
                f"{rng.choice(_LAST)} {rng.choice(_FIRST)}",
                "Председатель",
                rng.randrange(10, 50000),
                "ru",
                created,
            )
            orgs[-1] = (*orgs[-1], yield_row)
        total += _copy(
            cursor,
            Organization,
            [
                "id",
                "name_ru",
                "name_kk",
                "name_en",
                "short_name",
                "bin",
                "kind",
                "region_id",
                "status",
                "joined_on",
                "created_at",
                "address",
                "phone",
                "email",
                "website",
                "head_name",
                "head_title",
                "declared_members",
                "language",
                "digest_sent_at",
            ],
            (row for *_rest, row in orgs),
        )

        person0 = _next_id(cursor, Person)
        people = []  # (id, iin, name, region)
        for i in range(n["persons"]):
            iin = _unique(rng, synthetic_iin, iins) if rng.random() < 0.9 else ""
            name = f"{rng.choice(_LAST)} {rng.choice(_FIRST)}"
            people.append((person0 + i, iin, name, rng.choice(regions)))
        total += _copy(
            cursor,
            Person,
            ["id", "full_name", "iin", "phone", "email", "region_id", "language", "user_id", "created_at"],
            (
                (
                    pk,
                    name,
                    iin,
                    f"+7701{pk % 10_000_000:07d}",
                    f"person{pk}@example.kz",
                    region,
                    "kk" if pk % 3 == 0 else "ru",
                    None,
                    at(pk % 150),
                )
                for pk, iin, name, region in people
            ),
        )
        # Each organization's representative.
        total += _copy(
            cursor,
            Affiliation,
            ["person_id", "organization_id", "role", "title", "created_at"],
            ((people[i % len(people)][0], org[0], "representative", "Секретарь", EPOCH) for i, org in enumerate(orgs)),
        )

        # --- election fund ---------------------------------------------------------------------------------
        values = default_rule_values(fund_opens_on=FUND_OPENS, fund_closes_on=FUND_CLOSES)
        values["cap_donations_mzp"] = Decimal("150000")  # a national campaign's fund (the default is a small one)
        values["per_donor_cap_mzp"] = Decimal("20")
        election = create_election(
            slug=ELECTION_SLUG,
            name="Бенчмарк: выборы 2026",
            kind=Election.Kind.PRESIDENTIAL,
            candidate_iin=synthetic_iin(rng, born=date(1962, 3, 4), female=False),
            association_bin=orgs[0][1],
            rule_values=values,
            created_by=None,
        )
        version = RuleVersion.objects.get(election=election)
        ruleset = version.as_rules(election)

        # Organization donors: admitted members in the registry as companies (they may give).
        donor0 = _next_id(cursor, Donor)
        giving_orgs = [org for org in orgs if org[2] == "admitted"][: max(1, n["organizations"] // 5)]
        donors = {org[1]: (donor0 + i, org) for i, org in enumerate(giving_orgs)}
        total += _copy(
            cursor,
            Donor,
            [
                "id",
                "identifier",
                "kind",
                "name",
                "citizenship",
                "category",
                "declaration_on_file",
                "notes",
                "created_at",
                "updated_at",
            ],
            (
                (pk, bin_, "organization", org[3][1], "KZ", "company", True, "", EPOCH, EPOCH)
                for bin_, (pk, org) in donors.items()
            ),
        )

        donation0 = _next_id(cursor, Donation)
        decision0 = _next_id(cursor, Decision)
        refund0 = _next_id(cursor, Refund)
        payers = [p for p in people if p[1]]
        donor_bins = list(donors)
        amounts = [Decimal(a) for a in ("1000", "2000", "3000", "5000", "10000", "15000", "25000", "50000", "100000")]
        span = (date(2026, 11, 26) - FUND_OPENS).days
        donation_rows, decision_rows, receipt_rows, credit_rows, refund_rows = [], [], [], [], []
        by_source: dict[str, Decimal] = defaultdict(lambda: rules.ZERO)
        by_donor: dict[str, Decimal] = defaultdict(lambda: rules.ZERO)
        decided_at = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        for i in range(n["donations"]):
            pk = donation0 + i
            roll = rng.random()
            received_on = FUND_OPENS + timedelta(days=rng.randrange(span))
            amount = rng.choice(amounts) + Decimal(rng.randrange(0, 100)) / 100
            if roll < 0.01:  # anonymous: to the budget
                payer = rules.Payer(payer_id="", name="", kind="")
            elif roll < 0.03:  # a member organization from the registry
                bin_ = rng.choice(donor_bins)
                payer = rules.Payer(
                    payer_id=bin_,
                    name=donors[bin_][1][3][1],
                    kind="organization",
                    category="company",
                    in_registry=True,
                    has_declaration=True,
                )
            else:
                person = rng.choice(payers)
                payer = rules.Payer(payer_id=person[1], name=person[2], kind="individual")
                if roll < 0.035:
                    received_on = FUND_OPENS - timedelta(days=rng.randrange(1, 20))  # before the fund opened
            totals = rules.Totals(**{s: by_source[s] for s in rules.SOURCES}, donor=by_donor[payer.payer_id])
            outcome = rules.decide(ruleset, amount=amount, received_on=received_on, payer=payer, totals=totals)
            by_source[outcome.source] += outcome.accepted
            if payer.payer_id:
                by_donor[payer.payer_id] += outcome.accepted
            reasons = list(outcome.reasons)
            donation_rows.append(
                (
                    pk,
                    election.pk,
                    f"BNK-{i + 1:08d}",
                    received_on,
                    amount,
                    "KZT",
                    payer.payer_id,
                    payer.name,
                    rules.payer_kind(payer) if payer.payer_id else "",
                    payer.citizenship,
                    "Добровольный взнос в избирательный фонд",
                    outcome.source,
                    donors[payer.payer_id][0] if payer.payer_id in donors else None,
                    outcome.verdict,
                    outcome.accepted,
                    reasons,
                    at(received_on.toordinal() - EPOCH.date().toordinal()),
                )
            )
            decision = decision0 + i
            decision_rows.append(
                (
                    decision,
                    pk,
                    version.pk,
                    outcome.verdict,
                    outcome.accepted,
                    outcome.refused,
                    outcome.handling,
                    reasons,
                    decided_at,
                )
            )
            receipt_rows.append(
                (
                    election.pk,
                    pk,
                    None,
                    "receipt",
                    outcome.source,
                    payer.payer_id,
                    amount,
                    received_on,
                    f"BNK-{i + 1:08d}",
                    decided_at,
                )
            )
            if outcome.accepted > 0:
                credit_rows.append(
                    (
                        election.pk,
                        pk,
                        decision,
                        "credit",
                        outcome.source,
                        payer.payer_id,
                        outcome.accepted,
                        received_on,
                        f"BNK-{i + 1:08d}",
                        decided_at,
                    )
                )
            if outcome.refused > 0 and outcome.handling:
                due = rules.due_on(ruleset, received_on)
                refund_rows.append(
                    (
                        refund0 + len(refund_rows),
                        pk,
                        decision,
                        outcome.handling,
                        outcome.refused,
                        reasons,
                        due,
                        due - timedelta(days=2) if rng.random() < 0.7 else None,
                        decided_at,
                    )
                )
        total += _copy(
            cursor,
            Donation,
            [
                "id",
                "election_id",
                "bank_reference",
                "received_on",
                "amount",
                "currency",
                "payer_id",
                "payer_name",
                "payer_kind",
                "payer_citizenship",
                "purpose",
                "source",
                "donor_id",
                "verdict",
                "accepted_amount",
                "reasons",
                "created_at",
            ],
            _json_rows(donation_rows, 15),
        )
        total += _copy(
            cursor,
            Decision,
            [
                "id",
                "donation_id",
                "rule_version_id",
                "verdict",
                "accepted_amount",
                "refused_amount",
                "handling",
                "reasons",
                "decided_at",
            ],
            _json_rows(decision_rows, 7),
        )
        ledger_columns = [
            "election_id",
            "donation_id",
            "decision_id",
            "kind",
            "source",
            "payer_id",
            "amount",
            "entry_date",
            "bank_reference",
            "created_at",
            "note",
        ]
        total += _copy(cursor, LedgerEntry, ledger_columns, ((*row, "") for row in receipt_rows))
        total += _copy(cursor, LedgerEntry, ledger_columns, ((*row, "") for row in credit_rows))
        total += _copy(
            cursor,
            Refund,
            [
                "id",
                "donation_id",
                "decision_id",
                "kind",
                "amount",
                "reasons",
                "due_on",
                "completed_on",
                "bank_reference",
                "created_at",
                "election_id",
            ],
            (
                (*row[:5], _json(row[5]), row[6], row[7], f"PAY-{row[0]}" if row[7] else "", row[8], election.pk)
                for row in refund_rows
            ),
        )
        # Paid returns and transfers are ledger rows too.
        total += _copy(
            cursor,
            LedgerEntry,
            [*ledger_columns, "refund_id"],
            (
                (
                    election.pk,
                    row[1],
                    row[2],
                    "return" if row[3] == rules.RETURNED else "to_budget",
                    rules.DONATIONS,
                    "",
                    row[4],
                    row[7],
                    f"PAY-{row[0]}",
                    decided_at,
                    "",
                    row[0],
                )
                for row in refund_rows
                if row[7]
            ),
        )
        del donation_rows, decision_rows, receipt_rows, credit_rows

        # --- events and deployment -------------------------------------------------------------------------
        event_kinds = ["meeting", "picket", "rally", "indoor", "training", "committee", "other"]
        total += _copy(
            cursor,
            Event,
            [
                "title",
                "kind",
                "region_id",
                "place",
                "description",
                "starts_at",
                "ends_at",
                "capacity",
                "status",
                "notice_requirement",
                "notice_number",
                "public_token",
                "created_at",
                "updated_at",
            ],
            (
                (
                    f"Встреча с избирателями № {i + 1}",
                    event_kinds[i % len(event_kinds)],
                    rng.choice(regions),
                    f"{rng.choice(_CITIES)}, Дом культуры",
                    "",
                    start,
                    start + timedelta(hours=2),
                    rng.randrange(20, 500),
                    "held" if start < EPOCH + timedelta(days=170) else "planned",
                    "",
                    "",
                    f"bench{i:027d}",
                    EPOCH,
                    EPOCH,
                )
                for i in range(n["events"])
                for start in [at(rng.uniform(0, 240))]
            ),
        )
        stations_per_region = -(-n["stations"] // len(regions))
        total += _copy(
            cursor,
            PollingStation,
            ["election_id", "number", "region_id", "address"],
            (
                (
                    election.pk,
                    str(100 + (i // len(regions))),
                    regions[i % len(regions)],
                    f"Школа № {i // len(regions) + 1}",
                )
                for i in range(min(n["stations"], stations_per_region * len(regions)))
            ),
        )

        # --- scheduled reminders in the outbox (due after the campaign: the sweeper leaves them alone) ---------
        total += _copy(
            cursor,
            OutboundMessage,
            [
                "key",
                "channel",
                "recipient",
                "language",
                "subject",
                "body",
                "html_body",
                "status",
                "send_after",
                "attempts",
                "last_error",
                "created_at",
            ],
            (
                (
                    f"reminder:bench:{i}:person:{person[0]}:24h",
                    "email",
                    f"person{person[0]}@example.kz",
                    "ru",
                    "Напоминание о мероприятии",
                    "Завтра в 10:00 — встреча с избирателями.",
                    "",
                    "pending",
                    datetime(2031, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
                    0,
                    "",
                    EPOCH,
                )
                for i in range(n["reminders"])
                for person in [people[i % len(people)]]
            ),
        )
        for model in (Organization, Person, Donor, Donation, Decision, Refund):
            _reset_sequence(cursor, model)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    out.write(
        f"Loaded {total:,} rows ({', '.join(f'{k} {v:,}' for k, v in n.items())}) in {seconds:.1f} s "
        f"into {connection.settings_dict['NAME']}.\n"
    )
    return Loaded(counts=n, rows=total, seconds=seconds, election_id=election.pk)


def _json(value) -> str:
    import json

    return json.dumps(value)


def _json_rows(rows, index: int):
    for row in rows:
        yield (*row[:index], _json(row[index]), *row[index + 1 :])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = full size, 0.1, 0.01 …")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    generate(args.scale, seed=args.seed)


if __name__ == "__main__":
    main()
