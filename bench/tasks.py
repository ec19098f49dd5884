"""The reminders floor: Celery's own cost per task, with no work in it."""

from celery import shared_task


@shared_task(name="bench.tasks.noop")
def noop(message_id: int) -> None:
    return None
