"""Pure rules of the events app: plain data in, plain answers out (no ORM), so they are fast and easy to test."""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
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
    """Return warnings for an agitation event outside the campaign period (docs/domain.md §4); empty when fine."""
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


# --- The approval checklist of a proposed event ---------------------------------------------------------------

PASS, WARN, FAIL = "pass", "warn", "fail"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    result: str  # PASS, WARN or FAIL
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "result": self.result, "detail": self.detail}


def approval_checklist(
    *,
    place: str,
    notice_required: bool,
    notice_deadline: date | None,
    notice_sent_on: date | None,
    today: date,
    campaign_warnings: list[str],
) -> list[ChecklistItem]:
    """Check a proposed event: venue given, akimat notice in time, inside the campaign period.

    A FAIL blocks the approval (no venue; the notice deadline passed or the notice went late, so the event cannot
    lawfully be held); a notice not sent yet while its deadline is ahead, and agitation outside the campaign period,
    are a WARN the approver sees and the record keeps. Only a notice sent by its deadline earns the PASS.
    """
    venue = place.strip()
    items = [
        ChecklistItem(
            "venue",
            _("Venue given"),
            PASS if len(venue) >= 3 else FAIL,
            venue if len(venue) >= 3 else _("No venue is given."),
        )
    ]
    if not notice_required or notice_deadline is None:
        notice = ChecklistItem("notice", _("Akimat notice in time"), PASS, _("This kind of event needs no notice."))
    elif notice_sent_on is not None:
        late = notice_sent_on > notice_deadline
        detail = (
            _("Sent on %(sent)s, after the deadline %(date)s.") if late else _("Sent on %(sent)s (deadline %(date)s).")
        )
        notice = ChecklistItem(
            "notice",
            _("Akimat notice in time"),
            FAIL if late else PASS,
            detail % {"sent": notice_sent_on.strftime("%d.%m.%Y"), "date": notice_deadline.strftime("%d.%m.%Y")},
        )
    elif today <= notice_deadline:
        # Not sent yet is not "in time" (#22): no green tick until the notice has gone; the approver sees a warning
        # and may still approve, since the notice can follow before its deadline.
        notice = ChecklistItem(
            "notice",
            _("Akimat notice in time"),
            WARN,
            _("No notice has been sent yet: it must go by %(date)s (%(days)d days left).")
            % {"date": notice_deadline.strftime("%d.%m.%Y"), "days": (notice_deadline - today).days},
        )
    else:
        notice = ChecklistItem(
            "notice",
            _("Akimat notice in time"),
            FAIL,
            _("The deadline %(date)s has passed and no notice was sent.")
            % {"date": notice_deadline.strftime("%d.%m.%Y")},
        )
    items.append(notice)
    items.append(
        ChecklistItem(
            "campaign",
            _("Inside the campaign period"),
            WARN if campaign_warnings else PASS,
            " ".join(campaign_warnings) or _("No objection."),
        )
    )
    return items


# --- Rules a form must not be able to bypass (issue #16) --------------------------------------------------------

# Election law Art. 31 (docs/domain.md §3): up to 3 trusted representatives per polling precinct. The policy may set
# fewer, never more; a change of the law changes this number and the database check with it (a migration).
PROXIES_PER_STATION_MAX = 3

# What an approver checked: a change to any of these sends an approved event back to review.
REVIEWED_EVENT_FIELDS = frozenset({"kind", "region", "is_national", "place", "starts_at", "ends_at"})


def proxies_allowed(policy_value: int) -> int:
    """Return how many trusted representatives a precinct may have: the policy's number, never over the law's."""
    return max(1, min(policy_value, PROXIES_PER_STATION_MAX))


SCHEDULE_FIELDS = frozenset({"place", "starts_at", "ends_at"})


def schedule_changed(changed: Collection[str]) -> bool:
    """Return whether an edit changed what registrants must be told about: the event's time or place."""
    return bool(SCHEDULE_FIELDS.intersection(changed))


def attendance_confirmation_refusal(*, registration_status: str, event_open: bool) -> str | None:
    """Return why a registration cannot be confirmed as "I'm coming", or None when it can.

    Only a registration holding a seat (not waiting, not cancelled) of an event still open can be confirmed.
    """
    if not event_open:
        return _("This event is no longer open: there is nothing to confirm.")
    if registration_status != "confirmed":
        return _("Only a registration with a seat can be confirmed (not one on the waiting list or cancelled).")
    return None


def needs_review_again(*, was_approved: bool, changed: Collection[str]) -> bool:
    """Return whether an edit sends an approved event back to review: a reviewed field (time, place...) changed."""
    return was_approved and bool(REVIEWED_EVENT_FIELDS.intersection(changed))


def certification_refusal(*, session_ends_at: datetime, cancelled: bool, now: datetime) -> str | None:
    """Return why a session's certificates (or attendance) cannot be recorded yet, or None when they can.

    A certificate says the person attended and passed: that can be true only once the session has taken place.
    """
    if cancelled:
        return _("The session was cancelled: nobody can be certified for it.")
    if session_ends_at > now:
        return _("The session has not taken place yet: this can be recorded from %(end)s.") % {
            "end": timezone.localtime(session_ends_at).strftime("%d.%m.%Y %H:%M")
        }
    return None


# --- The check-in window (#22) -----------------------------------------------------------------------------------
# A check-in says the person was at the event, and certificates and attendance reports rest on it: the door opens
# 12 hours before the start (staff set up the evening before a morning event, and a person who arrives early is
# still counted) and closes 6 hours after the end (the paper list of a crowded door is typed in that night).
# Nobody is checked in days ahead or days later.
CHECK_IN_OPENS_BEFORE = timedelta(hours=12)
CHECK_IN_CLOSES_AFTER = timedelta(hours=6)


def check_in_window(*, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """Return when check-in at an event opens and when it closes."""
    return starts_at - CHECK_IN_OPENS_BEFORE, ends_at + CHECK_IN_CLOSES_AFTER


def check_in_refusal(*, now: datetime, starts_at: datetime, ends_at: datetime) -> str | None:
    """Return why nobody can be checked in at ``now`` (None inside the window)."""
    opens, closes = check_in_window(starts_at=starts_at, ends_at=ends_at)
    if now < opens:
        return _("Check-in opens at %(time)s, 12 hours before the event starts.") % {
            "time": timezone.localtime(opens).strftime("%d.%m.%Y %H:%M")
        }
    if now > closes:
        return _("Check-in closed at %(time)s, 6 hours after the event ended.") % {
            "time": timezone.localtime(closes).strftime("%d.%m.%Y %H:%M")
        }
    return None
