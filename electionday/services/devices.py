"""Sign-in without passwords: a one-time link binds a phone to an assignment; the phone's token opens the API.

Neither token is stored: a sign-in link's token is made when the outbox sends the message (the stored message
carries a capability placeholder, coalition/outbox/links.py) and only its SHA-256 is kept; a device's token is
handed to the phone once, when it binds, and only its SHA-256 is kept. :func:`authenticate` runs on every API
request, so ending the assignment, revoking its certificate (or letting it expire) or revoking the device stops
the phone at once. Sending a new link leaves the devices already bound alone.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coalition import audit
from coalition.access import require_region
from coalition.models import OutboundMessage
from coalition.outbox import enqueue, enqueue_email, links
from coalition.site import absolute_url
from electionday.models import Device, SignInLink
from events.models import Assignment

SIGNIN_KIND = "electionday.signin"
SIGNIN_LINK_HOURS = 72
LAST_SEEN_EVERY = timedelta(minutes=1)
CHANNELS = ("sms", "email")


class SignInRefused(ValidationError):
    """A sign-in link that binds nothing; ``code`` says why: unknown, used, expired or ended."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def assignment_in_force(assignment: Assignment) -> bool:
    """Return whether ``assignment`` may have devices: not ended, and its certificate valid today."""
    return assignment.ended_at is None and assignment.certificate.is_valid()


def _in_force_filter(prefix: str = "") -> Q:
    """The same test as :func:`assignment_in_force`, in SQL (for the lookup made on every request)."""
    today = timezone.localdate()
    return Q(**{f"{prefix}ended_at__isnull": True, f"{prefix}certificate__revoked_at__isnull": True}) & (
        Q(**{f"{prefix}certificate__valid_until__isnull": True})
        | Q(**{f"{prefix}certificate__valid_until__gte": today})
    )


# --- Sign-in links ----------------------------------------------------------------------------------------------


def send_signin_link(*, assignment: Assignment, channel: str, actor: User) -> SignInLink:
    """Make a one-time sign-in link for ``assignment`` and queue it to the person by SMS or email (audited).

    Refused (ValidationError) for an ended assignment, a revoked or expired certificate, or a person without a
    phone number (SMS) or email address; a coordinator may send only for stations of their region (403).
    """
    if channel not in CHANNELS:
        raise ValidationError(_("Choose SMS or email."))
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("person", "certificate", "station__region")
            .get(pk=assignment.pk)
        )
        require_region(actor, assignment.station.region)
        if assignment.ended_at is not None:
            raise ValidationError(_("The assignment has ended: it can have no sign-in link."))
        if not assignment.certificate.is_valid():
            raise ValidationError(_("The certificate is revoked or expired: no sign-in link can be sent."))
        person = assignment.person
        recipient = person.phone.as_e164 if channel == "sms" and person.phone else (person.email or "")
        if channel == "sms" and not person.phone:
            raise ValidationError(_("The person has no phone number on record."))
        if channel == "email" and not person.email:
            raise ValidationError(_("The person has no email address on record."))
        hours = SIGNIN_LINK_HOURS
        link = SignInLink.objects.create(
            assignment=assignment,
            channel=channel,
            created_by=actor,
            expires_at=timezone.now() + timedelta(hours=hours),
            token_hash="",  # set when the message is sent (signin_url); an empty hash matches no token
        )
        language = person.language or "ru"
        key = f"electionday:signin:{link.pk}"
        context = {
            "person": person,
            "station": assignment.station,
            "url": links.placeholder(SIGNIN_KIND, link.pk),  # once: each placeholder makes a new token
            "hours": hours,
        }
        if channel == "email":
            enqueue_email(
                key=key, recipient=recipient, template="emails/electionday/signin", context=context, language=language
            )
        else:
            with translation.override(language):
                body = _(
                    "Observer sign-in for polling station No. %(number)s: %(url)s (one use, valid %(hours)s h; "
                    "do not forward it)."
                ) % {"number": assignment.station.number, "url": context["url"], "hours": hours}
            enqueue(key=key, recipient=recipient, body=body, channel=OutboundMessage.Channel.SMS, language=language)
        audit.record(
            actor=actor,
            action="electionday.signin_link_sent",
            obj=link,
            data={"assignment": assignment.pk, "channel": channel, "expires_at": link.expires_at},
        )
    return link


def signin_url(pk: int) -> str:
    """Make a fresh token for sign-in link ``pk``, keep its hash, and return the link (the outbox's maker).

    Called by the delivery inside its claim of the message, so the hash is written in the same transaction that
    marks the message sent. A message must carry the placeholder once (and no HTML part): each call makes a new
    token and only the last one opens the link.
    """
    token = secrets.token_urlsafe(32)
    SignInLink.objects.filter(pk=pk, used_at__isnull=True).update(token_hash=token_hash(token))
    return absolute_url(reverse("electionday:signin", args=[token]))


def _link_for(token: str) -> SignInLink | None:
    if not token:
        return None
    return (
        SignInLink.objects.select_related("assignment__certificate", "assignment__station")
        .filter(token_hash=token_hash(token))
        .first()
    )


def link_state(token: str) -> str:
    """Return what opening ``token`` would do: "ok" (it binds), or why not: unknown, used, expired, ended."""
    return _state(_link_for(token))


def _state(link: SignInLink | None) -> str:
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if link.expires_at <= timezone.now():
        return "expired"
    if not assignment_in_force(link.assignment):
        return "ended"
    return "ok"


def bind(token: str, label: str) -> tuple[Device, str]:
    """Bind a device with sign-in link ``token`` (once); return it and its own token, in clear, this one time.

    Raise :class:`SignInRefused` for an unknown, used or expired link, or one whose assignment has stopped.
    """
    with transaction.atomic():
        link = _link_for(token)
        if link is not None:
            link = (
                SignInLink.objects.select_for_update(of=("self",))
                .select_related("assignment__certificate", "assignment__station")
                .get(pk=link.pk)
            )
        state = _state(link)
        if link is None or state != "ok":
            raise SignInRefused(_("This sign-in link cannot be used."), code=state)
        device_token = secrets.token_urlsafe(32)
        device = Device.objects.create(
            assignment=link.assignment, token_hash=token_hash(device_token), label=label.strip()[:200]
        )
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        audit.record(
            actor=None,
            action="electionday.device_bound",
            obj=device,
            data={"assignment": link.assignment_id, "signin_link": link.pk},
        )
    return device, device_token


# --- Devices ----------------------------------------------------------------------------------------------------


def authenticate(token: str) -> Device | None:
    """Return the device that ``token`` opens, or None (unknown, revoked, assignment ended, certificate invalid).

    Checked on every request; ``last_seen_at`` is written at most once a minute.
    """
    if not token:
        return None
    device = (
        Device.objects.select_related(
            "assignment__person",
            "assignment__certificate",
            "assignment__station__region",
            "assignment__station__election",
        )
        .filter(_in_force_filter("assignment__"), token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if device is None:
        return None
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_EVERY:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device


def revoke(device: Device, actor: User) -> Device:
    """Revoke ``device`` (audited): its next request is refused. Revoking twice changes nothing."""
    with transaction.atomic():
        device = (
            Device.objects.select_for_update(of=("self",))
            .select_related("assignment__station__region")
            .get(pk=device.pk)
        )
        require_region(actor, device.assignment.station.region)
        if device.revoked_at is not None:
            return device
        device.revoked_at = timezone.now()
        device.revoked_by = actor
        device.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor, action="electionday.device_revoked", obj=device, data={"assignment": device.assignment_id}
        )
    return device


def devices_of(assignments: QuerySet[Assignment]) -> QuerySet[Device]:
    """Return the devices bound to ``assignments``, newest first."""
    return Device.objects.filter(assignment__in=assignments).select_related("assignment__station", "revoked_by")
