"""Staff login lockout (django-axes): per username, with a backoff that doubles while the failures go on.

An account is locked after ``AXES_FAILURE_LIMIT`` wrong passwords in a row, whatever address they come from (a
password guessed from many addresses is still guessed), for ``LOGIN_LOCKOUT_MINUTES``; every further try during the
lockout doubles it, up to ``LOGIN_LOCKOUT_MAX_HOURS``. Someone who mistypes five times waits a quarter of an hour;
someone hammering an officer's account gets hours. Nothing is locked per address: behind the proxy an address lock
would either be everybody's (127.0.0.1) or, taken from the header, rotate freely.

django-axes asks :func:`cool_off` (``AXES_COOLOFF_TIME``) both how far back failures count and, through each
attempt's expiry (``AXES_USE_ATTEMPT_EXPIRATION``), when that attempt is forgotten. The answer depends only on the
failures recorded for the username, which axes has already written when it asks after a failure, so the lockout
check, the expiry and the cleanup agree. Expiry per attempt also keeps one username's cleanup from ending another's
longer lockout (with a single cool-off axes deletes every attempt older than it).
"""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def base() -> timedelta:
    return timedelta(minutes=getattr(settings, "LOGIN_LOCKOUT_MINUTES", 15))


def ceiling() -> timedelta:
    return timedelta(hours=getattr(settings, "LOGIN_LOCKOUT_MAX_HOURS", 24))


def backoff(failures: int, limit: int) -> timedelta:
    """Return how long ``failures`` in a row are remembered, which is how long a locked account stays locked."""
    extra = max(0, failures - limit)
    if extra >= 32:  # long past the ceiling; keep the power small
        return ceiling()
    return min(base() * 2**extra, ceiling())


def recorded_failures(username: str) -> int:
    """Return the failures django-axes holds for ``username`` that have not expired yet."""
    total = (
        AccessAttempt.objects.filter(username=username)
        .exclude(expiration__expires_at__lte=timezone.now())
        .aggregate(total=Sum("failures_since_start"))["total"]
    )
    return total or 0


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """``AXES_COOLOFF_TIME``: the backoff for the username this login request names."""
    credentials = getattr(request, "axes_credentials", None) if request is not None else None
    username = get_client_username(request, credentials) if request is not None else None
    if not username:
        return base()
    return backoff(recorded_failures(username), settings.AXES_FAILURE_LIMIT)
