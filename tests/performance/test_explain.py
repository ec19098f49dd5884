"""The hot queries use indexes: EXPLAIN on the benchmark data set (bench/generate.py at 1/50) after ANALYZE.

At this size (20,000 donations, 40,000 ledger rows) the planner already prefers an index wherever one serves the
query, so a sequential scan over a big table in these plans means a missing index or a query shape that cannot
use one.
"""

import io

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import generate
from coalition.models import OutboundMessage
from donations import selectors
from donations.models import Donation, Election, LedgerEntry

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BIG = ("donations_donation", "donations_ledgerentry", "donations_decision", "coalition_outboundmessage")


@pytest.fixture
def election():
    generate.generate(0.02, out=io.StringIO())
    return Election.objects.get(slug=generate.ELECTION_SLUG)


def plan(queryset_or_sql, params=None) -> str:
    if isinstance(queryset_or_sql, str):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {queryset_or_sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
    return queryset_or_sql.explain()


def seq_scans(text: str) -> list[str]:
    return [table for table in BIG if f"Seq Scan on {table}" in text]


def test_hot_queries_use_indexes(election):
    payer = Donation.objects.filter(election=election).exclude(payer_id="").values_list("payer_id", flat=True)[0]

    # A donor's accepted total, summed at every intake decision.
    with CaptureQueriesContext(connection) as queries:
        selectors.cap_totals(election, payer)
    donor_sql = next(q["sql"] for q in queries.captured_queries if payer in q["sql"])
    assert not seq_scans(plan(donor_sql)), plan(donor_sql)
    donor_sum = LedgerEntry.objects.filter(election=election, payer_id=payer, kind="credit").values("payer_id")
    assert not seq_scans(plan(donor_sum.annotate(total=Sum("amount"))))

    # The outbox sweeper's claim of due reminders (50,000 scheduled ones wait in the table).
    due = OutboundMessage.objects.filter(status="pending", send_after__lte=timezone.now()).order_by("send_after", "pk")
    assert not seq_scans(plan(due[:500])), plan(due[:500])

    # The staff lists' first page.
    for name, queryset in {
        "donations": selectors.donations(election).order_by("-received_on", "-id")[:50],
        "ledger": selectors.ledger(election).order_by("-entry_date", "-id")[:50],
        "returns": selectors.refunds(election).order_by("due_on", "id")[:50],
    }.items():
        text = plan(queryset)
        assert not seq_scans(text), f"{name}:\n{text}"


def test_compliance_totals_have_an_index_to_use(election):
    """The report's totals read one election's rows: with one election in the table a sequential scan is the
    right plan, so the check is that an index can serve each aggregate once sequential scans are priced out
    (PostgreSQL still seq-scans when no index fits)."""
    with CaptureQueriesContext(connection) as queries:
        selectors.fund_totals(election)
        selectors.cap_use(election)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries.captured_queries:
            if any(table in query["sql"] for table in BIG):
                text = plan(query["sql"])
                assert not seq_scans(text), f"{query['sql']}\n{text}"


def test_list_pages_have_an_index_for_their_order(election):
    """The first page of a long list must not sort the whole table: with sorts priced out, an index delivers each
    list's order (without such an index PostgreSQL still sorts, and the plan shows it)."""
    from events.models import Event
    from members.models import Person

    pages = {
        "people": Person.objects.order_by("full_name", "id")[:25],
        "events": Event.objects.order_by("starts_at", "id")[:25],
        "donations": Donation.objects.filter(election=election).order_by("-received_on", "-id")[:50],
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        for name, queryset in pages.items():
            text = plan(queryset)
            assert "Sort" not in text and "Index" in text, f"{name}:\n{text}"
