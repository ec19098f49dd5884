import datetime

import pytest
import time_machine

from members import selectors
from tests.factories import OrganizationFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    with time_machine.travel(datetime.datetime(2026, 11, 21, 9, tzinfo=datetime.UTC)):
        OrganizationFactory(region=region("KZ-35"))  # the oldest pending
    OrganizationFactory(region=region("KZ-71"))
    OrganizationFactory(status="admitted", joined_on=datetime.date(2026, 11, 1), region=region("KZ-35"), kind="chamber")
    OrganizationFactory(status="admitted", joined_on=datetime.date(2026, 11, 26), region=region("KZ-71"))
    OrganizationFactory(status="admitted", joined_on=datetime.date(2026, 11, 25), region=region("KZ-71"))
    OrganizationFactory(status="rejected", region=region("KZ-71"))


NOW = datetime.datetime(2026, 11, 27, 9, tzinfo=datetime.UTC)


def test_admitted_counts(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.admitted_counts(now=NOW) == {"total": 3, "last_7_days": 2}
    assert selectors.admitted_counts(region=region("KZ-35"), now=NOW) == {"total": 1, "last_7_days": 0}


def test_pending_summary(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        summary = selectors.pending_summary()
    assert summary["count"] == 2 and summary["oldest"].date() == datetime.date(2026, 11, 21)
    assert selectors.pending_summary(region=region("KZ-71"))["count"] == 1


def test_admitted_by_kind(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = selectors.admitted_by_kind()
    assert [(r["kind"], r["count"]) for r in rows] == [("public_association", 2), ("chamber", 1)]
    assert rows[1]["label"]


def test_counts_by_region(data, django_assert_num_queries):
    with django_assert_num_queries(1):
        regions = {r.code: (r.admitted, r.pending) for r in selectors.counts_by_region()}
    assert len(regions) == 20 and regions["KZ-71"] == (2, 1) and regions["KZ-35"] == (1, 1)
    assert [r.code for r in selectors.counts_by_region(region=region("KZ-35"))] == ["KZ-35"]
