"""Forms of the incident pages: the HQ list's filters, staff entry of a phoned-in incident, the complaint."""

from __future__ import annotations

import uuid
from typing import Any, cast

import django_filters
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coalition.models import Election, Region
from coalition.scoping import ScopedFilterSet, ScopedForm
from electionday.models import Incident, IncidentCategory, Severity
from electionday.services import attachments
from events.models import PollingStation
from hotline.models import Agency

MAX_FILES = 10


class IncidentFilter(ScopedFilterSet):
    region = django_filters.ModelChoiceFilter(
        field_name="station__region", queryset=Region.objects.all(), label=_("Region")
    )
    category = django_filters.ChoiceFilter(choices=IncidentCategory.choices, label=_("Category"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    station = django_filters.CharFilter(method="by_station", label=_("Station number"))

    class Meta:
        model = Incident
        fields = ["region", "category", "severity", "station"]

    def by_station(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        return queryset.filter(station__number=value.strip())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotoVideoField(forms.FileField):
    """Several photos or videos in one input, each checked by its bytes (attachments.read_upload)."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,video/mp4,video/webm")

    def clean(self, data: Any, initial: Any = None) -> list[tuple[bytes, str]]:
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(count)s files.") % {"count": MAX_FILES})
        checked = []
        for upload in cast(list[UploadedFile], uploads):
            super().clean(upload, initial)
            try:
                checked.append(attachments.read_upload(upload, allow_video=True))
            except attachments.AttachmentRejected as exc:
                raise forms.ValidationError(f"{upload.name}: {exc}") from exc
        return checked


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"№ {obj.number} · {obj.region.name} · {obj.address}"


class StaffIncidentForm(ScopedForm, forms.Form):
    """An incident phoned in by an observer (or brought on paper), entered by staff for a station."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    station = StationChoiceField(label=_("Polling station"), queryset=PollingStation.objects.none())
    category = forms.ChoiceField(label=_("Category"), choices=IncidentCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    occurred_at = forms.DateTimeField(
        label=_("When it happened"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Local time (UTC+5)."),
    )
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    photos = PhotoVideoField(
        label=_("Photos or videos"), help_text=_("JPEG or PNG photos, MP4 or WebM videos; location data is removed.")
    )

    def __init__(self, *args: Any, election: Election, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        station = cast(forms.ModelChoiceField, self.fields["station"])
        station.queryset = PollingStation.objects.filter(election=election).select_related("region")
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))


class ComplaintForm(ScopedForm, forms.Form):
    """Turn an incident into a letter to an election commission or the prosecutor's office."""

    national_fields = {"agency": "The agencies complaints go to are the hotline's national list."}

    recipient = forms.ChoiceField(
        label=pgettext_lazy("letter addressee", "To"),
        choices=[("tec", _("Territorial election commission")), ("prosecutor", _("Prosecutor's office"))],
        widget=forms.RadioSelect,
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.filter(active=True),
        required=False,
        help_text=_("Leave empty for the default agency of this kind in the hotline's list."),
    )
    sent_on = forms.DateField(
        label=_("Date sent"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    outgoing_number = forms.CharField(label=_("Outgoing letter number"), max_length=50)
