"""The quick count's forms: upload a sample file, or draw a sample (N stations, a seed)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from electionday import quickcount


def _z_field() -> forms.FloatField:
    return forms.FloatField(
        label=_("z (the normal quantile of the margin)"),
        initial=1.96,
        min_value=0.1,
        max_value=10,
        help_text=_("1.96 gives a 95 % margin of error."),
    )


class SampleUploadForm(forms.Form):
    sample = forms.FileField(
        label=_("Sample file (CSV)"),
        help_text=_('A header "station", then one station number a line (REGION/NUMBER where numbers repeat).'),
    )
    z = _z_field()

    def clean_sample(self) -> list[str]:
        upload = self.cleaned_data["sample"]
        if upload.size > quickcount.MAX_SAMPLE_BYTES:
            raise forms.ValidationError(_("The sample file is too large."))
        return quickcount.read_sample(upload.read())


class DrawForm(forms.Form):
    n = forms.IntegerField(label=_("Number of stations"), min_value=1, max_value=100_000)
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**63 - 1,
        help_text=_("The same seed draws the same sample: write it down."),
    )
    z = _z_field()
