"""Coalition-wide Celery tasks: thin wrappers around the outbox services, safe to run twice."""

from celery import shared_task

from coalition import outbox


@shared_task(name="coalition.tasks.deliver_message")
def deliver_message(message_id: int) -> bool:
    return outbox.deliver(message_id)


@shared_task(name="coalition.tasks.deliver_message_batch")
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
