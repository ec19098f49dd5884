"""The election's day, hours and ballot, from the three optional keys of ``load_election``'s JSON (issue #18).

``election_day`` ("YYYY-MM-DD"), ``polls`` (``{"opens": "07:00", "closes": "20:00"}``) and ``candidates``
(``[{"code": "...", "name": "..."}]`` in ballot order). "Against all" is not listed: the protocol has a line of its
own for it, always present. A key left out leaves what is stored unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils.translation import gettext as _

from coalition import audit
from coalition.models import Candidate, Election

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
RESERVED_CODES = frozenset({"against_all"})


@dataclass(frozen=True)
class Schedule:
    election_day: date | None = None
    polls: tuple[time, time] | None = None
    candidates: tuple[tuple[str, str], ...] | None = None  # (code, name) in ballot order


def _time(value: object, key: str) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
        raise ValidationError(_("polls.%(key)s must be a time as HH:MM.") % {"key": key})
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(_("polls.%(key)s must be a time as HH:MM.") % {"key": key}) from exc


def parse_schedule(spec: dict) -> Schedule:
    """Read and check the optional keys; raise ValidationError naming the key that is wrong."""
    election_day = polls = candidates = None
    if spec.get("election_day") is not None:
        try:
            election_day = date.fromisoformat(str(spec["election_day"]))
        except ValueError as exc:
            raise ValidationError(_("election_day must be a date as YYYY-MM-DD.")) from exc
    if spec.get("polls") is not None:
        if not isinstance(spec["polls"], dict):
            raise ValidationError(_('polls must be an object: {"opens": "07:00", "closes": "20:00"}.'))
        opens = _time(spec["polls"].get("opens", "07:00"), "opens")
        closes = _time(spec["polls"].get("closes", "20:00"), "closes")
        if opens >= closes:
            raise ValidationError(_("The polls must open before they close."))
        polls = (opens, closes)
    if spec.get("candidates") is not None:
        if not isinstance(spec["candidates"], list):
            raise ValidationError(_("candidates must be a list of {code, name}, in ballot order."))
        seen: set[str] = set()
        rows = []
        for number, item in enumerate(spec["candidates"], start=1):
            code = str(item.get("code", "")).strip() if isinstance(item, dict) else ""
            name = str(item.get("name", "")).strip() if isinstance(item, dict) else ""
            if not _CODE.match(code) or code in RESERVED_CODES:
                raise ValidationError(
                    _("Candidate %(number)s: the code must be lower-case latin letters, digits, _ or -.")
                    % {"number": number}
                )
            if not name:
                raise ValidationError(_("Candidate %(number)s has no name.") % {"number": number})
            if code in seen:
                raise ValidationError(_("Candidate code %(code)s appears twice.") % {"code": code})
            seen.add(code)
            rows.append((code, name))
        candidates = tuple(rows)
    return Schedule(election_day=election_day, polls=polls, candidates=candidates)


def apply_schedule(*, election: Election, schedule: Schedule, actor: AbstractBaseUser | None = None) -> bool:
    """Store what the file gives; return whether anything changed (audited)."""
    changes: dict[str, object] = {}
    with transaction.atomic():
        if schedule.election_day is not None and schedule.election_day != election.election_day:
            election.election_day = schedule.election_day
            changes["election_day"] = schedule.election_day.isoformat()
        if schedule.polls is not None and schedule.polls != (election.polls_open, election.polls_close):
            election.polls_open, election.polls_close = schedule.polls
            changes["polls"] = [value.strftime("%H:%M") for value in schedule.polls]
        if changes:
            election.full_clean()
            election.save()
        if schedule.candidates is not None:
            current = [(c.code, c.name) for c in election.candidates.order_by("position")]
            if current != list(schedule.candidates):
                _replace_candidates(election, schedule.candidates)
                changes["candidates"] = [code for code, _name in schedule.candidates]
        if changes:
            audit.record(actor=actor, action="coalition.change_election_schedule", obj=election, data=changes)
    return bool(changes)


def _replace_candidates(election: Election, candidates: tuple[tuple[str, str], ...]) -> None:
    wanted = {code for code, _name in candidates}
    stale = election.candidates.exclude(code__in=wanted)
    try:
        with transaction.atomic():
            stale.delete()
    except ProtectedError as exc:  # votes were recorded for this candidate
        raise ValidationError(
            _("A candidate with recorded votes cannot be removed from the ballot: %(codes)s.")
            % {"codes": ", ".join(stale.values_list("code", flat=True))}
        ) from exc
    # Two steps, so a new order never meets the (election, position) uniqueness half-way.
    election.candidates.update(position=F("position") + 1000)
    for position, (code, name) in enumerate(candidates, start=1):
        Candidate.objects.update_or_create(election=election, code=code, defaults={"name": name, "position": position})
