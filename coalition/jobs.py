"""Queue a Celery task by its name after the surrounding transaction commits.

A service never imports its own app's ``tasks`` module: the tasks are thin wrappers that import the services, so an
arrow back would close an import circle (it used to be dodged with imports inside functions). A service names the
task it queues instead, the same name the beat schedule uses. In a process where the task is registered (the
worker, or any process that imported the task module) it is sent through the task itself, with its options;
elsewhere by name — the same message either way.
"""

from __future__ import annotations

from functools import partial

from celery import signature
from django.db import transaction


def queue_after_commit(task_name: str, *args: object) -> None:
    """Send ``task_name(*args)`` to the workers once the surrounding transaction commits (not at all if it rolls
    back), like ``Task.delay_on_commit``."""
    transaction.on_commit(partial(signature(task_name, args=args).delay))
