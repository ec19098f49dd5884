"""What the events services share: the region check, event times, and the emails they queue through the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition.access import require_region
from coalition.models import OutboundMessage, Region, user_language
from coalition.outbox import enqueue_email
from coalition.site import absolute_url
from members.models import Person


def check_region(user: User, region: Region) -> None:
    """Refuse a coordinator acting outside their region (403)."""
    require_region(user, region, _("Coordinators plan only in their own region."))


def validate_times(starts_at: datetime, ends_at: datetime, *, new: bool) -> None:
    """Refuse an end before the start, and a new event or session that starts in the past."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    if new and starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("A new event cannot start in the past.")})


def cancel_pending_messages(prefix: str, *, keep: str = "") -> int:
    """Cancel the outbox messages not sent yet whose key starts with ``prefix`` (but not ``keep``); return how many."""
    pending = OutboundMessage.objects.filter(key__startswith=prefix, status=OutboundMessage.Status.PENDING)
    if keep:
        pending = pending.exclude(key__startswith=keep)
    return pending.update(status=OutboundMessage.Status.CANCELLED)


def email_person(
    *,
    key: str,
    person: Person,
    template: str,
    context: dict[str, Any],
    send_after: datetime | None = None,
    queue_delivery: bool = True,
) -> bool:
    """Queue an email to ``person`` in their language, once per ``key``; return whether it is new."""
    if not person.email:
        return False
    _message, created = enqueue_email(
        key=key,
        recipient=person.email,
        template=template,
        context={"person": person, "site_url": absolute_url(""), **context},
        language=person.language or "ru",
        send_after=send_after,
        queue_delivery=queue_delivery,
    )
    return created


def email_user(
    *,
    key: str,
    user: User | None,
    template: str,
    context: dict[str, Any],
    queue_delivery: bool = True,
) -> bool:
    """Queue an email to a staff ``user`` in their language, once per ``key``; return whether it is new."""
    email = getattr(user, "email", "")
    if user is None or not email:
        return False
    _message, created = enqueue_email(
        key=key,
        recipient=email,
        template=template,
        context={"user": user, "site_url": absolute_url(""), **context},
        language=user_language(user),
        queue_delivery=queue_delivery,
    )
    return created
