"""The emails committee staff get about applications: the digest of new ones, the reminder of waiting ones."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Min, QuerySet
from django.urls import reverse
from django.utils import timezone

from coalition.models import user_language
from coalition.outbox import enqueue_email
from coalition.roles import Role
from coalition.site import absolute_url
from members.models import Organization

WAITING_DAYS = 3


def _committee_staff() -> QuerySet[User]:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.COMMITTEE_STAFF)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )


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
        for user in _committee_staff():
            enqueue_email(
                key=f"members:digest:{batch[0].pk}-{batch[-1].pk}:user:{user.pk}",
                recipient=user.email,
                template="emails/members/new_applications_digest",
                context={
                    "organizations": batch,
                    "user": user,
                    "queue_url": absolute_url(reverse("members:staff_queue")),
                },
                language=user_language(user),
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
        for user in _committee_staff():
            enqueue_email(
                key=f"members:waiting:{today.isoformat()}:user:{user.pk}",
                recipient=user.email,
                template="emails/members/waiting_reminder",
                context={
                    "count": count,
                    "oldest": summary["oldest"],
                    "days": WAITING_DAYS,
                    "user": user,
                    "queue_url": absolute_url(reverse("members:staff_queue")),
                },
                language=user_language(user),
            )
    return count
