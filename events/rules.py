"""Pure rules of the events app: plain data in, plain answers out (no ORM), so they are fast and easy to test."""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    """Return whether ``day`` is a working day: not Saturday, Sunday or a listed holiday."""
    return day.weekday() < 5 and day not in holidays


def notice_deadline(event_day: date, working_days: int, holidays: Collection[date]) -> date:
    """Return the last day the akimat notice may be filed: ``working_days`` working days before the event day.

    The event day itself is not counted ("not later than five working days before the day of the event"), so an
    event on Monday 30 November 2026 with a 5-day lead time must be notified by Monday 23 November.
    """
    day = event_day
    counted = 0
    while counted < working_days:
        day -= timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


@dataclass(frozen=True)
class CampaignPeriod:
    agitation_starts_on: date
    election_day: date

    @property
    def silence_day(self) -> date:
        """The day before election day: no agitation from 00:00 of this day."""
        return self.election_day - timedelta(days=1)


def agitation_warnings(*, event_day: date, is_agitation: bool, campaign: CampaignPeriod | None) -> list[str]:
    """Return warnings for an agitation event outside the campaign period (DOMAIN.md §4); empty when fine."""
    if not is_agitation or campaign is None:
        return []
    if event_day < campaign.agitation_starts_on:
        return [
            _("The event is before the campaign period starts (%(date)s): agitation is not yet allowed.")
            % {"date": campaign.agitation_starts_on.strftime("%d.%m.%Y")}
        ]
    if event_day == campaign.silence_day:
        return [_("The event falls on the day of silence: no agitation is allowed that day.")]
    if event_day == campaign.election_day:
        return [_("The event falls on election day: no agitation is allowed that day.")]
    if event_day > campaign.election_day:
        return [_("The event is after the election: the campaign period is over.")]
    return []


def is_certified(*, attended: bool, score: int | None, pass_mark: int) -> bool:
    """Return whether an enrolment earns a certificate: attended and scored at least the pass mark."""
    return attended and score is not None and score >= pass_mark


def add_months(day: date, months: int) -> date:
    """Return the same date ``months`` later; the 29th-31st fall back to the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def accreditation_valid_until(issued_on: date, months: int) -> date:
    """Return the last day of an accreditation valid ``months`` months from ``issued_on``.

    Civil law counts a period in months from the day after the event and ends it on the same date of its last
    month, so an accreditation issued on 15 March 2026 for one year is valid up to and including 15 March 2027.
    """
    return add_months(issued_on, months)
