"""The audit log: every service records what it did, inside its own transaction, as one hash-chained entry.

Each entry's hash covers its content and the previous entry's hash, so changing or removing any entry breaks
the chain from there on; ``python manage.py verify_audit`` walks it. Appends are serialised by a transaction-
scoped advisory lock, so concurrent writers cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from coalition.models import AuditEntry

GENESIS = "0" * 64
_LOCK_ID = 0x0C0A1_1710  # any constant shared by all writers of the chain


def entry_hash(*, prev_hash: str, at, actor_id, action, object_type, object_id, object_repr, data) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor_id, action, object_type, object_id, object_repr, data],
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(*, actor, action: str, obj: Model | None = None, data: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry to the audit log (call inside the service's transaction)."""
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))  # store exactly what was hashed
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        prev = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        fields = {
            "at": timezone.now(),
            "actor_id": actor.pk if actor is not None and actor.is_authenticated else None,
            "action": action,
            "object_type": obj._meta.label_lower if obj is not None else "",
            "object_id": str(obj.pk) if obj is not None else "",
            "object_repr": str(obj)[:200] if obj is not None else "",
            "data": data,
        }
        return AuditEntry.objects.create(
            **fields,
            actor_label=(actor.get_username() if fields["actor_id"] else "")[:150],
            prev_hash=prev,
            hash=entry_hash(prev_hash=prev, **fields),
        )


def verify(entries: Iterable[AuditEntry] | None = None) -> tuple[int, AuditEntry | None]:
    """Walk the chain in order; return how many entries are intact and the first broken one (or None)."""
    entries = AuditEntry.objects.order_by("id").iterator() if entries is None else entries
    prev = GENESIS
    count = 0
    for entry in entries:
        expected = entry_hash(
            prev_hash=prev,
            at=entry.at,
            actor_id=entry.actor_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            object_repr=entry.object_repr,
            data=entry.data,
        )
        if entry.prev_hash != prev or entry.hash != expected:
            return count, entry
        prev = entry.hash
        count += 1
    return count, None
