"""The Celery application, wired the standard way: settings under CELERY_*, tasks autodiscovered, routed by urgency."""

import os
from fnmatch import fnmatchcase
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")

app = Celery("coalition")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def urgent_queue() -> str:
    """Return the name of the queue for urgent tasks: CELERY_URGENT_QUEUE, else "<default queue>.urgent"."""
    from django.conf import settings  # read when routing: the tests give each run its own default queue

    return settings.CELERY_URGENT_QUEUE or f"{settings.CELERY_TASK_DEFAULT_QUEUE}.urgent"


def route_by_urgency(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict | None:
    """Send the tasks named in CELERY_URGENT_TASKS (shell-style patterns) to the urgent queue; leave every other task
    to the default queue. A queue given to ``apply_async`` still wins."""
    from django.conf import settings

    if any(fnmatchcase(name, pattern) for pattern in settings.CELERY_URGENT_TASKS):
        return {"queue": urgent_queue()}
    return None
