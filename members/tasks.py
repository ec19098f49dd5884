"""Celery jobs of the members app: thin, ids in, one service call, safe to run twice."""

from celery import shared_task

from members import services


@shared_task(name="members.tasks.send_new_application_digest")
def send_new_application_digest() -> int:
    return services.send_new_application_digest()


@shared_task(name="members.tasks.remind_waiting_applications")
def remind_waiting_applications() -> int:
    return services.remind_waiting_applications()
