"""Coalition-wide Celery tasks: thin wrappers around the outbox services, safe to run twice."""

from celery import shared_task

from coalition import outbox


@shared_task(name="coalition.tasks.deliver_message")
def deliver_message(message_id: int) -> bool:
    return outbox.deliver(message_id)


@shared_task(name="coalition.tasks.deliver_pending_messages")
def deliver_pending_messages() -> int:
    return outbox.deliver_pending()
