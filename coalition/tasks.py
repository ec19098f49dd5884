"""Coalition-wide Celery tasks: thin wrappers around the outbox services, safe to run twice."""

from collections.abc import Sequence
from typing import TypedDict

from celery import shared_task
from django.db import InterfaceError, OperationalError

from coalition import outbox


class _RetryOptions(TypedDict):
    autoretry_for: Sequence[type[BaseException]]
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


# A delivery that meets the database down (a restart, a cut connection) is retried with backoff — about a minute
# in all — instead of waiting for the next beat sweep; its transaction rolled back, so a retry sends nothing twice.
DATABASE_RETRY: _RetryOptions = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="coalition.tasks.deliver_message", **DATABASE_RETRY)
def deliver_message(message_id: int) -> bool:
    return outbox.deliver(message_id)


@shared_task(name="coalition.tasks.deliver_urgent_message", **DATABASE_RETRY)
def deliver_urgent_message(message_id: int) -> bool:
    """The same delivery, routed to the urgent queue (settings.CELERY_URGENT_TASKS): election-day alerts and chase
    reminders never wait behind a backlog of routine messages."""
    return outbox.deliver(message_id)


@shared_task(name="coalition.tasks.deliver_message_batch", **DATABASE_RETRY)
def deliver_message_batch() -> int:
    return outbox.deliver_batch()


@shared_task(name="coalition.tasks.deliver_pending_messages")
def deliver_pending_messages() -> int:
    """Queue one batch task per ``OUTBOX_BATCH_SIZE`` due messages, so every worker process takes a share of a
    backlog; return how many were queued. Batches never overlap (``SKIP LOCKED``), and a surplus task finds
    nothing to claim."""
    batches = outbox.batches_due()
    if batches:
        with deliver_message_batch.app.producer_or_acquire() as producer:
            for _ in range(batches):
                deliver_message_batch.apply_async(producer=producer)
    return batches
