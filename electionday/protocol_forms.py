"""The protocol's forms: its numbers (one field per line and per candidate) and staff entry of a copy phoned in or
brought on paper."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from coalition.models import Candidate
from electionday import rules
from electionday.models import Protocol
from electionday.services import attachments
from events.models import Assignment, PollingStation


class NumbersForm(forms.Form):
    """The protocol's lines and one field per candidate (``c_<code>``), checked by ``rules.parse_count``."""

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for line in rules.LINES:
            self.fields[line] = _count_field(str(rules.LINE_LABELS[line]))  # built per request: its language
        for candidate in candidates:
            self.fields[f"c_{candidate.code}"] = _count_field(candidate.name)

    def lines(self) -> dict[str, object]:
        return {line: self.cleaned_data.get(line) for line in rules.LINES}

    def votes(self) -> dict[str, object]:
        return {c.code: self.cleaned_data.get(f"c_{c.code}") for c in self.candidates}


def _count_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=12,
        validators=[_validate_count],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "text-end"}),
    )


def _validate_count(value: str) -> None:
    try:
        rules.parse_count(value)
    except rules.CountRefused as exc:
        raise ValidationError(str(exc)) from exc


class AssignmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.person.full_name} ({obj.get_role_display()})"


class EntryForm(NumbersForm):
    """A protocol phoned in or brought on paper, for one station and reporter."""

    kind = forms.ChoiceField(label=gettext_lazy("Protocol"), choices=Protocol.Kind.choices, initial="observer")
    assignment = AssignmentChoice(
        label=gettext_lazy("Reporter (assigned person)"), queryset=Assignment.objects.none(), required=False
    )
    reporter_iin = forms.CharField(
        label=gettext_lazy("Reporter's IIN"),
        max_length=12,
        required=False,
        help_text=gettext_lazy("For a copy from someone not assigned here (a partner observer group)."),
    )
    filled_at = forms.DateTimeField(label=gettext_lazy("Signed at"), required=False)
    photo = forms.FileField(
        label=gettext_lazy("Photo of the signed protocol"),
        required=False,
        help_text=gettext_lazy("Required for an observer's copy."),
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput)  # the same form sent twice is one protocol

    field_order = ["kind", "assignment", "reporter_iin", "filled_at", "photo", *rules.LINES]

    def __init__(self, *args: Any, station: PollingStation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignment = cast(forms.ModelChoiceField, self.fields["assignment"])
        assignment.queryset = Assignment.objects.filter(station=station, ended_at__isnull=True).select_related("person")
        self.photo_content: tuple[bytes, str] | None = None

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if upload:
            try:
                self.photo_content = attachments.read_upload(upload)
            except attachments.AttachmentRejected as exc:
                raise ValidationError(str(exc)) from exc
        return upload
