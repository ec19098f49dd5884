"""iCalendar (RFC 5545) files for events and training sessions, written by the ``icalendar`` library.

Titles, places and descriptions come from staff and from member organizations' proposals, so they hold whatever
people type: commas, semicolons, backslashes, CR and LF, long lines. The library escapes TEXT values (§3.3.11) and
folds content lines at 75 octets without splitting a UTF-8 character (§3.1); a hand-written writer got CR and
folding wrong (issue #16).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from icalendar import Calendar, vText
from icalendar import Event as VEvent

_TEXT_ESCAPES = {"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"}


class _Text(vText):
    """A TEXT value escaped in one pass, as RFC 5545 §3.3.11 says.

    ``vText`` reads a typed backslash followed by ``N`` as a line break before it escapes backslashes (documented
    icalendar behaviour), so a title holding ``\\N`` would change. Here every backslash is text.
    """

    __slots__ = ()

    def to_ical(self) -> bytes:
        return re.sub(r"[\\;,\n]", lambda match: _TEXT_ESCAPES[match[0]], self).encode()


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
    event.add("summary", _Text(_text(title)))
    event.add("location", _Text(_text(place)))
    event.add("description", _Text(_text(description)))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()
