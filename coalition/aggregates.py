"""Several aggregates over different tables answered by one SQL query.

A dashboard figure is usually one ``aggregate()``; a panel shows several over different tables (the ledger, the
donations, the refunds). ``totals()`` builds each as a one-row queryset and ``one_row()`` runs them together as
``SELECT * FROM (…) CROSS JOIN (…)``, so a panel costs one round trip while every filter stays in the ORM.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import IntegerField, QuerySet, Value


def totals(queryset: QuerySet, **aggregates: Any) -> QuerySet:
    """Return ``queryset``'s ``aggregates`` as a one-row queryset (no GROUP BY: one row even when nothing matches)."""
    return (
        queryset.order_by()
        # Grouping by a constant adds no GROUP BY clause, so this is a plain aggregate query that can be nested.
        .annotate(one_row_key=Value(1, IntegerField()))
        .values("one_row_key")
        .annotate(**aggregates)
        .values(*aggregates)
    )


def one_row(*parts: QuerySet) -> dict[str, Any]:
    """Return the columns of every one-row queryset of ``totals()`` in one dict, read with one query.

    The column names must differ between the parts.
    """
    sql: list[str] = []
    params: list[Any] = []
    for index, part in enumerate(parts):
        part_sql, part_params = part.query.sql_with_params()
        sql.append(f"({part_sql}) AS part{index}")
        params.extend(part_params)
    with connections[parts[0].db].cursor() as cursor:
        # Only the parts' own compiled SQL (Django's compiler) is joined; every value is a parameter.
        query = "SELECT * FROM " + " CROSS JOIN ".join(sql)  # noqa: S608  # nosec B608 # Django-compiled parts
        cursor.execute(query, params)
        columns = [column.name for column in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))
