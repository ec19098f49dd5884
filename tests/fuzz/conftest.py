"""Fixtures of the fuzz battery: no rate limits, one savepoint per example, and a count of rows in every table."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.db import connection, transaction

from tests.fuzz import tally

PROJECT_APPS = ("coalition", "members", "donations", "events", "hotline")


def pytest_sessionfinish(session):
    directory = os.environ.get("FUZZ_TALLY_DIR")
    if directory and tally.examples:
        tally.write(directory, os.environ.get("PYTEST_XDIST_WORKER", "main"))


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The public forms allow 10-20 posts an hour per address; the fuzzer posts thousands."""
    settings.RATELIMIT_ENABLE = False
    settings.HOTLINE_RATE = "1000000/h"


def _tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and model._meta.managed and not model._meta.proxy
    )


def row_counts() -> dict[str, int]:
    """The number of rows in every table of the project's apps, in one query."""
    tables = _tables()
    # Table names come from the models, not from input.
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


@contextmanager
def rolled_back():
    """Run one example in a savepoint that is always rolled back, so examples do not see each other's rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {table: (before[table], after[table]) for table in before if before[table] != after[table]}
