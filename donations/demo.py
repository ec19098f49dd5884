"""Demo data of the election fund (idempotent): the 2026 presidential election with the rules of docs/domain.md §2,
a small donor registry, and a bank statement with accepted, partially accepted, returned, to-budget and held
rows, and a return close to its deadline. Identifiers are synthetic."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from coalition import elections
from coalition.identifiers import synthetic_bin, synthetic_iin
from donations import services
from donations.models import Donor, Election
from members.models import Organization

SLUG = "president-2026"


def load(stdout) -> None:
    rng = random.Random(20260315)  # nosec B311 # seeded synthetic demo data, not a secret
    today = timezone.localdate()
    election = Election.objects.filter(slug=SLUG).first()
    if election is None:
        association = Organization.objects.filter(name_ru__icontains="OSHAQ").first()
        values = services.default_rule_values(
            fund_opens_on=today - timedelta(days=30), fund_closes_on=today + timedelta(days=60)
        )
        # A coalition policy for the demo, so the over-limit case shows with small amounts: 10 × МЗП per donor.
        values["per_donor_cap_mzp"] = Decimal("10")
        values["mzp_date"] = date(2026, 1, 1)
        election = services.create_election(
            slug=SLUG,
            name="Выборы Президента Республики Казахстан 2026",
            kind=Election.Kind.PRESIDENTIAL,
            candidate_iin=synthetic_iin(rng, born=date(1960, 5, 17), female=False),
            association_bin=association.bin if association else synthetic_bin(rng, year=2010, month=3),
            rule_values=values,
            created_by=None,
        )
    # Election day and the ballot (issue #18), polls 07:00-20:00.
    # The seed news item names the coalition's candidate; the other lines are synthetic demo names.
    elections.apply_schedule(
        election=election,
        schedule=elections.Schedule(
            election_day=election.election_day or today + timedelta(days=45),
            polls=(time(7, 0), time(20, 0)),
            candidates=(
                ("tokayev", "Токаев Касым-Жомарт Кемелевич"),
                ("candidate-b", "Кандидат Б (демо)"),
                ("candidate-c", "Кандидат В (демо)"),
            ),
        ),
    )
    citizens = [synthetic_iin(rng) for _ in range(4)]
    company = synthetic_bin(rng, year=2012, month=6)
    charity = synthetic_bin(rng, year=2008, month=2)
    unknown_org = synthetic_bin(rng, year=2019, month=9)
    foreigner = synthetic_iin(rng)
    with transaction.atomic():
        for identifier, kind, name, citizenship, category in [
            (citizens[0], "individual", "Ахметов Ерлан", "KZ", "citizen"),
            (citizens[1], "individual", "Сейткали Айгуль", "KZ", "citizen"),
            (company, "organization", "ТОО «Дала Инжиниринг»", "KZ", "company"),
            (charity, "organization", "Благотворительный фонд «Мейірім»", "KZ", "charity"),
            (foreigner, "individual", "Иванов Пётр", "RU", "foreign_citizen"),
        ]:
            Donor.objects.get_or_create(
                identifier=identifier,
                defaults={"kind": kind, "name": name, "citizenship": citizenship, "category": category},
            )
    if election.donations.filter(bank_reference="DEMO-0001").exists():
        stdout.write(f"Election fund: {election.slug} already has the demo statement.")
        return
    day = today - timedelta(days=9)  # so a return is due tomorrow
    rows: list[list[Any]] = [  # date, reference, amount, payer id, name, kind, citizenship, purpose
        [day, "DEMO-0001", "150000.00", citizens[0], "Ахметов Ерлан", "individual", "KZ", "Добровольный взнос"],
        [
            day,
            "DEMO-0002",
            "2500000.00",
            company,
            "ТОО «Дала Инжиниринг»",
            "organization",
            "",
            "Взнос в избирательный фонд",
        ],
        [
            day,
            "DEMO-0003",
            "300000.00",
            charity,
            "Благотворительный фонд «Мейірім»",
            "organization",
            "",
            "Пожертвование",
        ],
        [day, "DEMO-0004", "50000.00", "", "", "", "", "Взнос"],
        [day + timedelta(days=1), "DEMO-0005", "100000.00", foreigner, "Иванов Пётр", "individual", "RU", "Взнос"],
        [day + timedelta(days=1), "DEMO-0006", "400000.00", unknown_org, "ТОО «Новый Партнёр»", "organization", "", ""],
        [
            day + timedelta(days=2),
            "DEMO-0007",
            "850000.00",
            citizens[1],
            "Сейткали Айгуль",
            "individual",
            "KZ",
            "Взнос",
        ],
        [day + timedelta(days=2), "DEMO-0008", "25000.00", citizens[2], "Нурланов Тимур", "individual", "KZ", "Взнос"],
        [day + timedelta(days=3), "DEMO-0009", "10000.00", "12345678901", "Без ИИН", "individual", "", "Взнос"],
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "date",
            "bank_reference",
            "amount",
            "currency",
            "payer_name",
            "payer_id",
            "payer_kind",
            "payer_citizenship",
            "purpose",
        ]
    )
    for on, reference, amount, payer_id, name, kind, citizenship, purpose in rows:
        writer.writerow([on.isoformat(), reference, amount, "KZT", name, payer_id, kind, citizenship, purpose])
    statement = services.import_bank_statement(
        election=election, file_name="demo-statement.csv", content=buffer.getvalue().encode()
    )
    summary = statement.summary
    stdout.write(
        f"Election fund: {election.slug}, statement rows {summary['read']}, imported {summary['imported']}, "
        f"duplicates {summary['duplicates']}."
    )
