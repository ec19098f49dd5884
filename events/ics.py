"""iCalendar (RFC 5545) files for events and training sessions, written by the ``icalendar`` library.

Titles, places and descriptions come from staff and from member organizations' proposals, so they hold whatever
people type: commas, semicolons, backslashes, CR and LF, long lines. The library escapes TEXT values (§3.3.11) and
folds content lines at 75 octets without splitting a UTF-8 character (§3.1); a hand-written writer got CR and
folding wrong (issue #16).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as VEvent


def _text(value: str) -> str:
    """Return ``value`` as an iCalendar TEXT may hold it: line breaks as LF, other control characters dropped.

    RFC 5545 §3.3.11 allows no control character in TEXT but HTAB (LF is written escaped, as ``\\n``).
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in value if char in "\t\n" or unicodedata.category(char) != "Cc")


def calendar_file(
    *,
    uid: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    description: str = "",
    cancelled: bool = False,
) -> str:
    """Return a VCALENDAR with one VEVENT."""
    calendar = Calendar()
    calendar.add("prodid", "-//Coalition HQ//events//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = VEvent()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", _text(title))
    event.add("location", _text(place))
    event.add("description", _text(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()
