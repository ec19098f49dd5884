"""The hotline's messages to its integrity officers and to a reporter, shared by the services that make news."""

from __future__ import annotations

from django.urls import reverse

from coalition.outbox import enqueue_email, notify_staff
from coalition.site import absolute_url
from hotline import selectors
from hotline.models import Report, ReporterIdentity


def reporter_message_prefix(report: Report) -> str:
    """Return the outbox key prefix of every message sent to the reporter of ``report`` (retention deletes them)."""
    return f"hotline:reporter:{report.pk}:"


def notify_officers(*, key: str, template: str, context: dict) -> None:
    """Email every integrity officer once per key; never with personal data."""
    notify_staff(recipients=selectors.integrity_officer_emails(), key=key, template=template, context=context)


def notify_reporter(*, report: Report, occasion: str) -> None:
    """Tell the reporter that their case moved, only if they gave an email and consented to be contacted.

    The email says no more than "there is news: check it with your receipt".
    """
    identity = ReporterIdentity.objects.filter(report=report).first()
    if identity is None or not identity.consent_to_contact or not identity.email:
        return
    enqueue_email(
        key=f"{reporter_message_prefix(report)}{occasion}",
        recipient=identity.email,
        template="emails/hotline/reporter_update",
        context={"code": report.tracking_code, "status_url": absolute_url(reverse("hotline:status"))},
        language=identity.language,
    )
