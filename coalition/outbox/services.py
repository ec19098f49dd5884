from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from coalition.models import OutboundMessage

logger = logging.getLogger(__name__)


def message_id(key: str) -> str:
    """Return the Message-ID for an outbox key: the same key always gives the same header (receivers dedupe)."""
    import hashlib

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
) -> tuple[OutboundMessage, bool]:
    """Add a message to the outbox unless one with ``key`` exists; return it and whether it is new.

    Queue its delivery after the surrounding transaction commits; a message due later waits for the sweeper.
    """
    from coalition.tasks import deliver_message

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
    if created and message.send_after <= timezone.now():
        deliver_message.delay_on_commit(message.pk)
    return message, created


def enqueue_email(
    *,
    key: str,
    recipient: str,
    template: str,
    context: dict,
    language: str = "ru",
    send_after: datetime | None = None,
) -> tuple[OutboundMessage, bool]:
    """Render ``template``_subject.txt / .txt / .html in the recipient's ``language`` and enqueue the email."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
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
    )


def _already_delivered(gateway, message: OutboundMessage) -> bool:
    """Ask an idempotent gateway whether this key already arrived (a retry after a crash between send and mark)."""
    delivered = getattr(gateway, "delivered", None)
    if delivered is None or not delivered(message.key):
        return False
    logger.info("outbox: %s had already reached the gateway; marked sent without sending again", message.key)
    return True


def _send(message: OutboundMessage) -> None:
    if message.channel == OutboundMessage.Channel.SMS:
        backend = import_string(settings.SMS_BACKEND)()
        if not _already_delivered(backend, message):
            backend.send(key=message.key, recipient=message.recipient, body=message.body)
        return
    connection = get_connection()
    if _already_delivered(connection, message):
        return
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        to=[message.recipient],
        headers={"Message-ID": message_id(message.key), "X-Coalition-Key": message.key},
        connection=connection,
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    email.send()


def deliver(message_id_: int) -> bool:
    """Send one pending, due message; return whether this call sent it.

    The row stays locked from claim to mark, so a second worker (or the same task run twice) skips it; a crash
    before commit leaves it pending for a retry. A failure is recorded and retried with backoff until
    ``OUTBOX_MAX_ATTEMPTS``, then the message is marked failed for staff to see.
    """
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id_, status=OutboundMessage.Status.PENDING, send_after__lte=timezone.now())
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        try:
            _send(message)
        except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the row, not lost
            logger.warning("outbox: sending %s failed: %s", message.key, exc)
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = OutboundMessage.Status.FAILED
            else:
                message.send_after = timezone.now() + timedelta(minutes=2**message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "send_after"])
            return False
        message.status = OutboundMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return True


def deliver_pending(*, limit: int = 500) -> int:
    """Send due pending messages (the sweeper behind lost or delayed tasks); return how many were sent."""
    ids = list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING, send_after__lte=timezone.now())
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk) for pk in ids)
