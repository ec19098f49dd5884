"""Emails to a group of staff (alerts, escalations, daily reports, digests): one message per recipient, in the
recipient's own language, exactly once by key. The one owner of that loop, so every app addresses staff alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from coalition.models import user_language
from coalition.outbox.services import enqueue_email


def staff_with_email(*roles: str) -> QuerySet:
    """Return the active users holding any of ``roles`` who have an email, with their profiles, oldest first."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .exclude(email="")
        .select_related("profile")
        .order_by("pk")
        .distinct()
    )


def notify_staff(
    *,
    recipients: Iterable[AbstractBaseUser | str],
    key: str,
    template: str,
    context: dict,
    key_for: Callable[[AbstractBaseUser], str] | None = None,
    send_after: datetime | None = None,
    queue_delivery: bool = True,
    urgent: bool = False,
) -> int:
    """Email each of ``recipients`` once per ``key`` and return how many messages are new.

    A user is written to in their language (:func:`coalition.models.user_language`) under ``{key}:user:{pk}``, and
    finds themself in the context as ``user``; a bare address (a policy's extra recipient) is written to in the
    default language under ``{key}:{address}``. ``key_for(user)``, where given, names a user's message instead: for
    a digest whose key format predates this helper, so what is already in the outbox is not sent again. Recipients
    without an email are skipped; a key already in the outbox is not sent again. Call it inside the transaction
    that decides the news, so both commit together. ``urgent`` messages are delivered on the urgent queue
    (:func:`coalition.outbox.enqueue`).
    """
    created = 0
    for recipient in recipients:
        if isinstance(recipient, str):
            email, message_key, message_context = recipient, f"{key}:{recipient}", context
            language = settings.LANGUAGE_CODE[:2]
        else:
            email = getattr(recipient, "email", "")
            message_key = key_for(recipient) if key_for is not None else f"{key}:user:{recipient.pk}"
            language = user_language(recipient)
            message_context = {"user": recipient, **context}
        if not email:
            continue
        _message, new = enqueue_email(
            key=message_key,
            recipient=email,
            template=template,
            context=message_context,
            language=language,
            send_after=send_after,
            queue_delivery=queue_delivery,
            urgent=urgent,
        )
        created += int(new)
    return created
