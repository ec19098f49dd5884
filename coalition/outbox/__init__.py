"""The coalition-wide outbox: every email and SMS the system sends goes through here, exactly once.

Apps call :func:`enqueue` inside their own transaction with a unique key; a Celery task delivers the row after
commit, and a beat job sweeps up whatever a lost task left behind, fanning a backlog out to batch tasks (a job
that makes many messages at once, such as the reminders, queues that sweep itself: :func:`queue_sweep`).
Delivery claims the row (or a batch of rows) with ``SELECT ... FOR UPDATE SKIP LOCKED``, sends, and marks it sent
in the same transaction, so two deliveries of the same row can never both send (see docs/conventions.md on Celery
under faults).
"""

from coalition.outbox.services import (
    batches_due,
    deliver,
    deliver_batch,
    deliver_pending,
    enqueue,
    enqueue_email,
    queue_sweep,
)
from coalition.outbox.staff import notify_staff, staff_with_email

__all__ = [
    "batches_due",
    "deliver",
    "deliver_batch",
    "deliver_pending",
    "enqueue",
    "enqueue_email",
    "notify_staff",
    "queue_sweep",
    "staff_with_email",
]
