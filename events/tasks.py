"""Celery beat jobs of the events app: thin, safe to run twice (every send is keyed in the outbox)."""

from celery import shared_task

from events import services


@shared_task(name="events.tasks.send_due_reminders")
def send_due_reminders() -> int:
    return services.send_due_reminders()


@shared_task(name="events.tasks.send_notice_deadline_reminders")
def send_notice_deadline_reminders() -> int:
    return services.send_notice_deadline_reminders()


@shared_task(name="events.tasks.send_daily_digests")
def send_daily_digests() -> int:
    return services.send_daily_digests()


@shared_task(name="events.tasks.send_report_reminders")
def send_report_reminders() -> int:
    return services.send_report_reminders()
