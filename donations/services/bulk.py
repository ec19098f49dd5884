"""Writing many new rows at once: ids drawn from the tables' sequences, then one ``COPY`` per table.

A statement import writes four or five rows per payment in four tables. ``bulk_create`` spends most of its time
turning model instances into SQL parameters; here the rows are plain dicts (column values by attname) streamed
to Postgres with psycopg's ``COPY ... FROM STDIN``. The ids are drawn first, so related rows can refer to them
before anything is written. The database checks what it always checks: constraints, foreign keys (deferred to
the commit, as for any insert) and the append-only triggers (which guard updates and deletes, not inserts).
"""

from __future__ import annotations

import functools
import json

from django.db import connection, models
from django.utils import timezone


def draw_ids(model: type[models.Model], count: int) -> list[int]:
    """Return ``count`` new ids from ``model``'s id sequence, in increasing order, as inserts would get them."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(seq) FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) s, "
            "generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def copy_rows(model: type[models.Model], rows: list[dict]) -> None:
    """Insert ``rows`` (column values by attname) into ``model``'s table with one ``COPY``, in their order.

    Rows that carry their ids (drawn with :func:`draw_ids`, for other rows to refer to) keep them; rows without
    take the next ids of the sequence, in order, as inserts would. A field a row leaves out gets what ``save()``
    would give it: its default, or now for ``auto_now_add`` (one moment for the whole batch).
    """
    if not rows:
        return
    now = timezone.now()
    pk = model._meta.pk
    fields = [field for field in model._meta.concrete_fields if field is not pk or pk.attname in rows[0]]
    defaults = [now if getattr(field, "auto_now_add", False) else field.get_default() for field in fields]
    encoders = [
        functools.partial(json.dumps, cls=field.encoder) if isinstance(field, models.JSONField) else None
        for field in fields
    ]
    columns = [
        (field.attname, default, encode) for field, default, encode in zip(fields, defaults, encoders, strict=True)
    ]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    row.get(name, default) if encode is None else encode(row.get(name, default))
                    for name, default, encode in columns
                ]
            )
