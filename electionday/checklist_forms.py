"""Forms of the checklist pages: a new checklist, a draft's questions (a formset), an XLSForm upload, and staff entry
of answers phoned in or brought on paper (a form built from the version's questions)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from coalition.models import Region
from coalition.scoping import ScopedForm
from electionday.checklists import LANGUAGES, MAX_LABEL, MAX_NAME, MAX_NUMBER, MAX_TEXT, TIME, Question
from electionday.models import Checklist, ChecklistVersion, QuestionType
from electionday.services import attachments
from events.models import Assignment, PollingStation

QUESTION_PREFIX = "q_"
LANGUAGE_LABELS = {"ru": _("Russian"), "kk": _("Kazakh"), "en": _("English")}


def localized(label: dict[str, str]) -> str:
    """Return a label in the current language, or in Russian (always present)."""
    return label.get(translation.get_language() or "ru") or label.get("ru", "")


class TitleFields(forms.Form):
    title_ru = forms.CharField(label=_("Title (Russian)"), max_length=MAX_LABEL)
    title_kk = forms.CharField(label=_("Title (Kazakh)"), max_length=MAX_LABEL, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=MAX_LABEL, required=False)

    def title(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"title_{code}"] for code in LANGUAGES if self.cleaned_data.get(f"title_{code}")
        }

    @staticmethod
    def initial_for(title: dict[str, str]) -> dict[str, str]:
        return {f"title_{code}": title.get(code, "") for code in LANGUAGES}


class ChecklistForm(TitleFields):
    """A new checklist of the election; its first version is a draft without questions."""

    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Latin letters, digits and '-', such as turnout-1000.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Checklist.Kind.choices)
    due_at = forms.TimeField(
        label=_("Due at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)


class QuestionForm(forms.Form):
    name = forms.RegexField(
        label=_("Name"),
        regex=r"^[a-z][a-z0-9_]*$",
        max_length=MAX_NAME,
        help_text=_("Small Latin letters, digits and '_': the answer's key in exports."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    label_ru = forms.CharField(label=_("Question (Russian)"), max_length=MAX_LABEL)
    label_kk = forms.CharField(label=_("Question (Kazakh)"), max_length=MAX_LABEL, required=False)
    label_en = forms.CharField(label=_("Question (English)"), max_length=MAX_LABEL, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a choice question, one per line: value | Russian | Kazakh | English."),
    )

    def question(self) -> Question:
        data = self.cleaned_data
        choices = []
        for line in (data.get("choices") or "").splitlines():
            if not line.strip():
                continue
            value, *labels = [part.strip() for part in line.split("|")]
            choices.append({"value": value, "label": {c: t for c, t in zip(LANGUAGES, labels, strict=False) if t}})
        return {
            "name": data["name"],
            "type": data["type"],
            "label": {code: data[f"label_{code}"] for code in LANGUAGES if data.get(f"label_{code}")},
            "required": bool(data.get("required")),
            "choices": choices if data["type"] == QuestionType.CHOICE else [],
        }

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        lines = [
            " | ".join([choice["value"], *(choice["label"].get(code, "") for code in LANGUAGES)]).rstrip(" |")
            for choice in question.get("choices", [])
        ]
        return {
            "name": question["name"],
            "type": question["type"],
            **{f"label_{code}": question["label"].get(code, "") for code in LANGUAGES},
            "required": question.get("required", False),
            "choices": "\n".join(lines),
        }


QuestionFormSet = forms.formset_factory(QuestionForm, extra=2, can_delete=True, can_order=True, max_num=100)


def questions_of(formset: forms.BaseFormSet) -> list[Question]:
    """Return the questions of a valid formset, in the order given, deleted and blank rows left out."""
    return [cast(QuestionForm, form).question() for form in formset.ordered_forms]


class XLSFormUploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm workbook (.xlsx)"))


class StationLookupForm(ScopedForm, forms.Form):
    """Find the station the answers are for: its region and number (a coordinator's region only)."""

    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.order_by("code"))
    number = forms.CharField(label=_("Station number"), max_length=20)


class AssignmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.person.full_name} ({obj.get_role_display()})"


class AnswersForm(ScopedForm, forms.Form):
    """Answers to one published version for one station, entered by staff; the hidden UUID makes a resubmit harmless."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    assignment = AssignmentChoiceField(
        label=_("Reporter"),
        queryset=Assignment.objects.none(),
        required=False,
        help_text=_("The observer or representative who gave the answers, if any."),
    )
    filled_at = forms.DateTimeField(
        label=_("Filled at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the answers were written down at the station."),
    )

    def __init__(
        self, *args: Any, version: ChecklistVersion, station: PollingStation, user: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.version = version
        self.fields["filled_at"].initial = lambda: timezone.localtime().replace(second=0, microsecond=0)
        assignment = cast(forms.ModelChoiceField, self.fields["assignment"])
        assignment.queryset = Assignment.objects.filter(station=station, ended_at__isnull=True).select_related("person")
        for question in version.questions:
            self.fields[QUESTION_PREFIX + question["name"]] = self._field(question)

    @staticmethod
    def _field(question: Question) -> forms.Field:
        label = localized(question["label"])
        required = bool(question.get("required"))
        kind = question["type"]
        if kind == QuestionType.YES_NO:
            return forms.TypedChoiceField(
                label=label,
                required=required,
                choices=[("yes", _("Yes")), ("no", _("No"))],
                coerce=lambda value: value == "yes",
                empty_value=None,
                widget=forms.RadioSelect,
            )
        if kind == QuestionType.NUMBER:
            return forms.IntegerField(label=label, required=required, min_value=0, max_value=MAX_NUMBER)
        if kind == QuestionType.CHOICE:
            choices = [(choice["value"], localized(choice["label"])) for choice in question["choices"]]
            return forms.ChoiceField(label=label, required=required, choices=[("", "—"), *choices])
        if kind == QuestionType.TIME:
            return forms.RegexField(
                label=label,
                required=required,
                regex=TIME,
                error_messages={"invalid": _("Enter a time as HH:MM, such as 07:45.")},
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
        if kind == QuestionType.PHOTO:
            return forms.FileField(
                label=label,
                required=required,
                widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
            )
        return forms.CharField(
            label=label, required=required, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
        )

    def question_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(QUESTION_PREFIX)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.answers: dict[str, Any] = {}
        self.photos: dict[str, tuple[bytes, str]] = {}
        for question in self.version.questions:
            key = QUESTION_PREFIX + question["name"]
            value = data.get(key)
            if question["type"] == QuestionType.PHOTO:
                if value:
                    try:
                        self.photos[question["name"]] = attachments.read_upload(cast(UploadedFile, value))
                    except attachments.AttachmentRejected as exc:
                        self.add_error(key, str(exc))
            elif value not in (None, ""):
                self.answers[question["name"]] = value
        return data

    def show_refusal(self, exc: ValidationError) -> None:
        """Put a service's refusal under the fields it names (a question's name under its field)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.error_dict.items():
            field = QUESTION_PREFIX + name if QUESTION_PREFIX + name in self.fields else name
            self.add_error(field if field in self.fields else None, errors)
