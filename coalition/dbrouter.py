"""Reads that may lag a moment go to the read replica, when there is one; everything else to the primary.

No global read routing: a page that writes and then reads back would read the replica's stale copy. Instead the
read-only selectors of the situation room and the results ask for :func:`replica` by name
(``Model.objects.using(replica())``); the router only makes sure that nothing is ever written to, or migrated on,
the replica, and that rows read from it can be related to rows of the primary.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"  # the alias settings.py adds when DATABASE_REPLICA_URL is set


def replica() -> str:
    """Return the alias to read lagging-tolerant data from: the replica if one is configured, else the primary."""
    return REPLICA if REPLICA in settings.DATABASES else DEFAULT_DB_ALIAS


class PrimaryReplicaRouter:
    """Writes and migrations on the primary only; reads where the caller says (the primary unless it names one)."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return None  # the default alias, or the one a selector chose with .using(replica())

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS  # also for an object that was read from the replica

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True  # the same data: the replica is a copy of the primary
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
