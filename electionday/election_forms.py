"""The election's day, hours and ballot, edited by HQ on the election-day hub (the same rules as load_election)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coalition import elections
from coalition.models import Election


class BallotForm(forms.Form):
    election_day = forms.DateField(label=_("Election day"), widget=forms.DateInput(attrs={"type": "date"}))
    polls_open = forms.TimeField(label=_("Polls open"), widget=forms.TimeInput(attrs={"type": "time"}))
    polls_close = forms.TimeField(label=_("Polls close"), widget=forms.TimeInput(attrs={"type": "time"}))
    candidates = forms.CharField(
        label=_("Candidates, in ballot order"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            'One per line: code; name (the code is used in files, as the protocol column c_<code>). "Against all" '
            "is not listed: the protocol always has a line of its own for it."
        ),
    )

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        initial = {
            "election_day": election.election_day,
            "polls_open": election.polls_open,
            "polls_close": election.polls_close,
            "candidates": "\n".join(f"{c.code}; {c.name}" for c in election.candidates.order_by("position")),
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = [line.strip() for line in data.get("candidates", "").splitlines() if line.strip()]
        items = []
        for number, line in enumerate(lines, start=1):
            code, separator, name = line.partition(";")
            if not separator:
                self.add_error("candidates", _("Line %(number)s: write code; name.") % {"number": number})
                return data
            items.append({"code": code.strip(), "name": name.strip()})
        spec: dict[str, Any] = {"candidates": items}
        if data.get("election_day"):
            spec["election_day"] = data["election_day"].isoformat()
        if data.get("polls_open") and data.get("polls_close"):
            spec["polls"] = {
                "opens": data["polls_open"].strftime("%H:%M"),
                "closes": data["polls_close"].strftime("%H:%M"),
            }
        try:
            data["schedule"] = elections.parse_schedule(spec)
        except ValidationError as exc:
            self.add_error(None, exc)
        return data
