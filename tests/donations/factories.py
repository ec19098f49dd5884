"""Factories for the election fund's tests (synthetic identifiers only)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from coalition.identifiers import synthetic_bin, synthetic_iin
from donations import services
from donations.models import Donor, Election

_rng = random.Random(2026)

OPENS = date(2026, 5, 1)
CLOSES = date(2026, 7, 31)


def iin() -> str:
    return synthetic_iin(_rng)


def bin_(kind: str = "4") -> str:
    return synthetic_bin(_rng, year=_rng.randrange(1995, 2024), month=_rng.randrange(1, 13), kind=kind)


def election(slug: str = "president-2026", actor=None, **rule_overrides) -> Election:
    values = services.default_rule_values(fund_opens_on=OPENS, fund_closes_on=CLOSES)
    values.update(rule_overrides)
    return services.create_election(
        slug=slug,
        name="Выборы Президента 2026",
        kind=Election.Kind.PRESIDENTIAL,
        candidate_iin=iin(),
        association_bin=bin_(),
        rule_values=values,
        created_by=actor,
    )


def donor(*, kind="organization", category="company", citizenship="KZ", identifier=None, **extra) -> Donor:
    identifier = identifier or (bin_() if kind == "organization" else iin())
    return Donor.objects.create(
        identifier=identifier,
        kind=kind,
        name=extra.pop("name", "ТОО Донор"),
        citizenship=citizenship,
        category=category,
        **extra,
    )


_counter = iter(range(1, 10**9))


def incoming(
    *,
    amount,
    payer_id=None,
    name="Иванов Иван",
    on=date(2026, 5, 10),
    kind="",
    citizenship="",
    purpose="",
    reference=None,
):
    return services.Incoming(
        bank_reference=reference or f"REF-{next(_counter):06d}",
        received_on=on,
        amount=Decimal(str(amount)),
        payer_id=iin() if payer_id is None else payer_id,
        payer_name=name,
        payer_kind=kind,
        payer_citizenship=citizenship,
        purpose=purpose,
    )


def statement_csv(rows: list[list[str]], header: str | None = None) -> bytes:
    header = header or "date,bank_reference,amount,currency,payer_name,payer_id,payer_kind,payer_citizenship,purpose"
    import csv
    import io

    buffer = io.StringIO()
    buffer.write(header + "\n")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()
