"""Day boundaries in the coalition's time zone (settings.TIME_ZONE, Asia/Almaty: UTC+5 nationwide since 2024)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def day_start(day: date) -> datetime:
    """Return the aware moment ``day`` begins in the current time zone (a filter's inclusive lower bound)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_end(day: date) -> datetime:
    """Return the aware moment the day after ``day`` begins (a filter's exclusive upper bound)."""
    return day_start(day + timedelta(days=1))
