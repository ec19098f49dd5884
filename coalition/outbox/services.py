from __future__ import annotations

import hashlib
import logging
import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from coalition.jobs import queue_after_commit
from coalition.models import OutboundMessage
from coalition.outbox.links import render as render_links

logger = logging.getLogger(__name__)


def message_id(key: str) -> str:
    """Return the Message-ID for an outbox key: the same key always gives the same header (receivers dedupe)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@coalition-hq>"


def enqueue(
    *,
    key: str,
    recipient: str,
    body: str,
    subject: str = "",
    html_body: str = "",
    channel: str = OutboundMessage.Channel.EMAIL,
    language: str = "ru",
    send_after: datetime | None = None,
    queue_delivery: bool = True,
    urgent: bool = False,
) -> tuple[OutboundMessage, bool]:
    """Add a message to the outbox unless one with ``key`` exists; return it and whether it is new.

    Queue its delivery after the surrounding transaction commits; a message due later waits for the sweeper. A
    job that makes many messages passes ``queue_delivery=False`` and calls :func:`queue_sweep` once instead. An
    ``urgent`` message (an election-day alert, a chase reminder) is delivered by a task on the urgent queue, which
    a worker of its own consumes, so it never waits behind a backlog of routine messages.
    """
    message, created = OutboundMessage.objects.get_or_create(
        key=key,
        defaults={
            "recipient": recipient,
            "channel": channel,
            "subject": subject,
            "body": body,
            "html_body": html_body,
            "language": language,
            "send_after": send_after or timezone.now(),
        },
    )
    if created and queue_delivery and message.send_after <= timezone.now():
        task = "coalition.tasks.deliver_urgent_message" if urgent else "coalition.tasks.deliver_message"
        queue_after_commit(task, message.pk)
    return message, created


def enqueue_email(
    *,
    key: str,
    recipient: str,
    template: str,
    context: dict,
    language: str = "ru",
    send_after: datetime | None = None,
    queue_delivery: bool = True,
    urgent: bool = False,
) -> tuple[OutboundMessage, bool]:
    """Render ``template``_subject.txt / .txt / .html in the recipient's ``language`` and enqueue the email."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
        html_body: str
        try:
            html_body = render_to_string(f"{template}.html", context)
        except Exception:  # noqa: BLE001 - the HTML part is optional
            html_body = ""
    return enqueue(
        key=key,
        recipient=recipient,
        subject=subject,
        body=body,
        html_body=html_body,
        language=language,
        send_after=send_after,
        queue_delivery=queue_delivery,
        urgent=urgent,
    )


def _already_delivered(gateway, message: OutboundMessage) -> bool:
    """Ask an idempotent gateway whether this key already arrived (a retry after a crash between send and mark)."""
    delivered = getattr(gateway, "delivered", None)
    if delivered is None or not delivered(message.key):
        return False
    logger.info("outbox: %s had already reached the gateway; marked sent without sending again", message.key)
    return True


class _Gateways:
    """The delivery backends of one claim: each opened at most once and shared by all its messages."""

    def __init__(self) -> None:
        self._email: BaseEmailBackend | None = None
        self._sms: Any = None  # the SMS_BACKEND class of coalition.outbox.backends, loaded by name

    def email(self) -> BaseEmailBackend:
        if self._email is None:
            self._email = get_connection()
            self._email.open()
        return self._email

    def sms(self) -> Any:
        if self._sms is None:
            self._sms = import_string(settings.SMS_BACKEND)()
        return self._sms

    def close(self) -> None:
        """Close the email connection; the next message opens a fresh one. Called after a failure too, since a
        dropped SMTP session would otherwise fail every message after it."""
        if self._email is not None:
            try:
                self._email.close()
            except Exception as exc:  # noqa: BLE001 - the messages are sent; a failed QUIT must not undo their marks
                logger.warning("outbox: closing the email connection failed: %s", exc)
        self._email = None


def _send(message: OutboundMessage, gateways: _Gateways) -> None:
    """Hand ``message`` to its gateway, with its capability links made only now (see coalition/outbox/links.py)."""
    if message.channel == OutboundMessage.Channel.SMS:
        backend = gateways.sms()
        if not _already_delivered(backend, message):
            backend.send(key=message.key, recipient=message.recipient, body=render_links(message.body))
        return
    connection = gateways.email()
    if _already_delivered(connection, message):
        return
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=render_links(message.body),
        to=[message.recipient],
        headers={"Message-ID": message_id(message.key), "X-Coalition-Key": message.key},
        connection=connection,
    )
    if message.html_body:
        email.attach_alternative(render_links(message.html_body), "text/html")
    email.send()


def _due():
    return OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING, send_after__lte=timezone.now())


def _claim_and_send(claim) -> tuple[int, int]:
    """Lock the rows of ``claim`` (skipping rows another delivery holds), send each, mark them; return how many
    were claimed and how many sent.

    The rows stay locked from claim to mark, so a second worker (or the same task run twice) skips them; a crash
    before commit leaves them pending for a retry, which asks the idempotent gateway before sending again. A
    failure is recorded on its own row (attempts, error, backoff; failed after ``OUTBOX_MAX_ATTEMPTS``) and does
    not stop the others.
    """
    with transaction.atomic():
        messages = list(claim.select_for_update(skip_locked=True))
        if not messages:
            return 0, 0
        sent: list[int] = []
        failed: list[OutboundMessage] = []
        gateways = _Gateways()
        try:
            for message in messages:
                try:
                    _send(message, gateways)
                except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the row, not lost
                    logger.warning("outbox: sending %s failed: %s", message.key, exc)
                    gateways.close()
                    message.attempts += 1
                    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                        message.status = OutboundMessage.Status.FAILED
                    else:
                        message.send_after = timezone.now() + timedelta(minutes=2**message.attempts)
                    failed.append(message)
                else:
                    sent.append(message.pk)
        finally:
            gateways.close()
        if sent:
            OutboundMessage.objects.filter(pk__in=sent).update(
                status=OutboundMessage.Status.SENT, sent_at=timezone.now(), last_error="", attempts=F("attempts") + 1
            )
        if failed:
            OutboundMessage.objects.bulk_update(failed, ["attempts", "last_error", "status", "send_after"])
        return len(messages), len(sent)


def deliver(message_id_: int) -> bool:
    """Send one pending, due message (the task queued after commit); return whether this call sent it."""
    _claimed, sent = _claim_and_send(_due().filter(pk=message_id_))
    return sent == 1


def deliver_batch(*, limit: int | None = None) -> int:
    """Send up to ``limit`` (``OUTBOX_BATCH_SIZE``) due messages, oldest first, in one transaction over one
    connection per channel; return how many were sent. Batches running at the same time take different rows."""
    limit = limit or settings.OUTBOX_BATCH_SIZE
    _claimed, sent = _claim_and_send(_due().order_by("send_after", "pk")[:limit])
    return sent


def batches_due() -> int:
    """Return how many batch tasks the due messages need, at most ``OUTBOX_SWEEP_MAX_BATCHES`` (the next sweep
    queues more)."""
    due = _due().count()
    return min(math.ceil(due / settings.OUTBOX_BATCH_SIZE), settings.OUTBOX_SWEEP_MAX_BATCHES)


def queue_sweep() -> None:
    """Queue the sweeper after the surrounding transaction commits: it fans the due messages out in batches.

    For jobs that make many messages at once (reminders): one task per batch instead of one per message.
    """
    queue_after_commit("coalition.tasks.deliver_pending_messages")


def deliver_pending(*, batch_size: int | None = None) -> int:
    """Send every due pending message here, batch after batch, until none is left; return how many were sent."""
    limit = batch_size or settings.OUTBOX_BATCH_SIZE
    total = 0
    while True:
        claimed, sent = _claim_and_send(_due().order_by("send_after", "pk")[:limit])
        total += sent
        if claimed < limit:
            return total
