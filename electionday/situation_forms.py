"""Forms of the situation room: the CEC's published turnout, the quick count's sample."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.models import Region

MAX_SAMPLE_LINES = 5000


class CecTurnoutForm(forms.Form):
    """The turnout the CEC published for a checkpoint, nationally or for one region."""

    region = forms.ModelChoiceField(
        queryset=Region.objects.order_by("code"),
        required=False,
        empty_label=_("National"),
        label=_("Region"),
    )
    checkpoint = forms.TypedChoiceField(label=_("Checkpoint"), coerce=time.fromisoformat)
    percent = forms.DecimalField(
        label=_("Turnout published by the CEC, %"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    source = forms.CharField(
        label=_("Source"), max_length=300, required=False, help_text=_("Where it was published (a link or a name).")
    )

    def __init__(self, *args: Any, checkpoints: list[time], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["checkpoint"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - declared above
        field.choices = [(at.strftime("%H:%M"), at.strftime("%H:%M")) for at in checkpoints]


class QuickCountSampleForm(forms.Form):
    """The stations drawn for the quick count, pasted from the file ``quick_count --draw`` wrote."""

    stations = forms.CharField(
        label=_("Sample"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The file drawn with quick_count --draw: a header line 'station', then one station number a line."),
    )

    def clean_stations(self) -> list[str]:
        lines = [line.strip().strip('"') for line in self.cleaned_data["stations"].splitlines()]
        lines = [line for line in lines if line]
        if lines and lines[0].lower() == "station":
            lines = lines[1:]
        if not lines:
            raise forms.ValidationError(_("The sample lists no station."))
        if len(lines) > MAX_SAMPLE_LINES:
            raise forms.ValidationError(_("A sample has at most %(count)s stations.") % {"count": MAX_SAMPLE_LINES})
        return lines
