"""The emails committee staff get about applications: the digest of new ones, the reminder of waiting ones.

Both go through coalition.outbox.notify_staff: one message per staff member, in their language, keyed
``...:user:{pk}``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from coalition.outbox import notify_staff, staff_with_email
from coalition.roles import Role
from coalition.site import absolute_url
from members.models import Organization

WAITING_DAYS = 3


def send_new_application_digest() -> int:
    """Email committee staff one digest of the applications not yet announced; return how many it listed.

    The applications are claimed with SKIP LOCKED and marked in the same transaction, and the email key names
    the first and last id, so a second run (or two at once) sends nothing twice.
    """
    with transaction.atomic():
        batch = list(
            Organization.objects.select_for_update(skip_locked=True)
            .filter(status=Organization.Status.APPLIED, digest_sent_at__isnull=True)
            .select_related("region")
            .order_by("pk")[:200]
        )
        if not batch:
            return 0
        Organization.objects.filter(pk__in=[o.pk for o in batch]).update(digest_sent_at=timezone.now())
        notify_staff(
            recipients=staff_with_email(Role.COMMITTEE_STAFF),
            key=f"members:digest:{batch[0].pk}-{batch[-1].pk}",
            template="emails/members/new_applications_digest",
            context={"organizations": batch, "queue_url": absolute_url(reverse("members:staff_queue"))},
        )
    return len(batch)


def remind_waiting_applications(*, today: date | None = None) -> int:
    """Remind committee staff (once a day) of applications waiting more than WAITING_DAYS; return how many wait."""
    today = today or timezone.localdate()
    cutoff = timezone.now() - timedelta(days=WAITING_DAYS)
    waiting = Organization.objects.filter(status=Organization.Status.APPLIED, created_at__lt=cutoff)
    summary = waiting.aggregate(oldest=Min("created_at"))
    count = waiting.count()
    if not count:
        return 0
    with transaction.atomic():
        notify_staff(
            recipients=staff_with_email(Role.COMMITTEE_STAFF),
            key=f"members:waiting:{today.isoformat()}",
            template="emails/members/waiting_reminder",
            context={
                "count": count,
                "oldest": summary["oldest"],
                "days": WAITING_DAYS,
                "queue_url": absolute_url(reverse("members:staff_queue")),
            },
        )
    return count
