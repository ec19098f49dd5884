"""The coalition-wide outbox: every email and SMS the system sends goes through here, exactly once.

Apps call :func:`enqueue` inside their own transaction with a unique key; a Celery task delivers the row after
commit, and a beat job sweeps up whatever a lost task left behind. Delivery claims the row with
``SELECT ... FOR UPDATE SKIP LOCKED``, sends, and marks it sent in the same transaction, so two deliveries of
the same row can never both send (see ../shared/STACK.md on Celery under faults).
"""

from coalition.outbox.services import deliver, deliver_pending, enqueue, enqueue_email

__all__ = ["deliver", "deliver_pending", "enqueue", "enqueue_email"]
