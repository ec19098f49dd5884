"""Forms of the election fund: the public pledge, and the finance officers' forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.identifiers import is_valid_bin, is_valid_iin
from donations import rules
from donations.models import Donor, DonorCategory, Election, RuleVersion, Source

# The voluntariness declaration, stored verbatim with every pledge in the language it was shown in; its version is
# derived from the shown text (rules.declaration_version), so it changes whenever the words or a translation do.
DECLARATION_TEXT = _("I give my own money, of my own free will; no one asked me to or made me; I am not reimbursed.")


def shown_declaration() -> tuple[str, str]:
    """Return the declaration as shown in the active language, and its version."""
    text = str(DECLARATION_TEXT)
    return text, rules.declaration_version(text)


def validate_payer_id(value: str) -> None:
    if not (is_valid_iin(value) or is_valid_bin(value)):
        raise forms.ValidationError(_("Enter a valid IIN (12 digits) or BIN (12 digits): check the digits."))


class PledgeForm(forms.Form):
    payer_id = forms.CharField(
        label=_("IIN or BIN"),
        min_length=12,
        max_length=12,
        validators=[validate_payer_id],
        help_text=_("Your 12-digit IIN, or your organization's BIN."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Full name or organization name"), max_length=300)
    amount = forms.DecimalField(
        label=_("Amount, ₸"), max_digits=18, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    declaration = forms.BooleanField(label=DECLARATION_TEXT, required=True)
    # A honeypot: hidden from people by CSS; bots that fill every field are refused.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["declaration"].label = DECLARATION_TEXT  # one source for what is shown and what is stored

    def clean_payer_id(self) -> str:
        return self.cleaned_data["payer_id"].strip()

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This field must be empty."))
        return ""


class ElectionForm(forms.ModelForm):
    fund_opens_on = forms.DateField(label=_("fund opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    fund_closes_on = forms.DateField(label=_("fund closes on"), widget=forms.DateInput(attrs={"type": "date"}))

    # Paths under /donations/ that an election's slug would hide.
    RESERVED_SLUGS = frozenset({"elections", "donors", "payments", "imports", "refunds", "alerts", "reports"})

    class Meta:
        model = Election
        fields = ["slug", "name", "kind", "candidate_iin", "association_bin"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in self.RESERVED_SLUGS:
            raise forms.ValidationError(_("This slug is reserved: choose another."))
        return slug

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("fund_opens_on") and data.get("fund_closes_on") and data["fund_closes_on"] < data["fund_opens_on"]:
            self.add_error("fund_closes_on", _("The fund closes after it opens."))
        return data


class RuleVersionForm(forms.ModelForm):
    """A new rule version, prefilled from the current one. The prohibited list is edited as checkboxes per
    category with a handling choice each."""

    class Meta:
        model = RuleVersion
        fields = [
            "source",
            "fund_opens_on",
            "fund_closes_on",
            "mzp",
            "mzp_date",
            "cap_own_mzp",
            "cap_association_mzp",
            "cap_donations_mzp",
            "per_donor_cap_mzp",
            "require_declaration",
            "return_deadline_days",
            "burst_threshold",
            "near_cap_share",
        ]
        widgets = {
            "fund_opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "fund_closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "mzp_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, prohibited: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        prohibited = prohibited or {}
        labels = dict(DonorCategory.choices)
        labels[rules.ANONYMOUS] = _("Anonymous donor (no valid IIN/BIN or no name)")
        for code in rules.PROHIBITED_CODES:
            self.fields[f"prohibit_{code}"] = forms.TypedChoiceField(
                label=labels.get(code, code),
                choices=[
                    ("", _("Allowed")),
                    (rules.RETURNED, _("Prohibited: return")),
                    (rules.TO_BUDGET, _("Prohibited: to the budget")),
                ],
                required=False,
                initial=prohibited.get(code, ""),
            )

    def prohibited_fields(self):
        return [self[f"prohibit_{code}"] for code in rules.PROHIBITED_CODES]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("fund_opens_on") and data.get("fund_closes_on") and data["fund_closes_on"] < data["fund_opens_on"]:
            self.add_error("fund_closes_on", _("The fund closes after it opens."))
        return data

    def rule_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["prohibited"] = {
            code: self.cleaned_data[f"prohibit_{code}"]
            for code in rules.PROHIBITED_CODES
            if self.cleaned_data.get(f"prohibit_{code}")
        }
        return values


class DonorForm(forms.ModelForm):
    class Meta:
        model = Donor
        fields = ["identifier", "kind", "name", "citizenship", "category", "employer", "declaration_on_file", "notes"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        identifier, kind = data.get("identifier", ""), data.get("kind")
        if kind == Donor.Kind.INDIVIDUAL and not is_valid_iin(identifier):
            self.add_error("identifier", _("This IIN is not valid: check the digits."))
        if kind == Donor.Kind.ORGANIZATION and not is_valid_bin(identifier):
            self.add_error("identifier", _("This BIN is not valid: check the digits."))
        citizenship = (data.get("citizenship") or "").strip()
        if citizenship.lower() == "stateless":
            data["citizenship"] = "stateless"
        elif len(citizenship) == 2 and citizenship.isalpha():
            data["citizenship"] = citizenship.upper()
        else:
            self.add_error("citizenship", _('Enter a two-letter country code (KZ) or "stateless".'))
        return data


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement (CSV, UTF-8)"),
        help_text=_(
            "Header: date,bank_reference,amount,currency,payer_name,payer_id,payer_kind,payer_citizenship,purpose"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB: split it."))
        return upload


class ManualEntryForm(forms.Form):
    bank_reference = forms.CharField(label=_("bank reference"), max_length=64)
    received_on = forms.DateField(
        label=_("date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    amount = forms.DecimalField(
        label=_("amount, ₸"), max_digits=18, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    payer_id = forms.CharField(
        label=_("payer IIN/BIN"), max_length=12, required=False, help_text=_("Empty for an anonymous payment.")
    )
    payer_name = forms.CharField(label=_("payer name"), max_length=300, required=False)
    payer_kind = forms.ChoiceField(
        label=_("payer kind"), choices=[("", _("As the IIN/BIN says")), *Donor.Kind.choices], required=False
    )
    payer_citizenship = forms.CharField(
        label=_("payer citizenship"), max_length=10, required=False, help_text=_("Empty means KZ.")
    )
    purpose = forms.CharField(label=_("purpose"), max_length=500, required=False)


class RefundPaymentForm(forms.Form):
    paid_on = forms.DateField(
        label=_("paid on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    bank_reference = forms.CharField(label=_("bank reference of the payment"), max_length=64)


class CorrectionForm(forms.Form):
    source = forms.ChoiceField(label=_("source"), choices=Source.choices)
    amount = forms.DecimalField(
        label=_("amount, ₸"), max_digits=18, decimal_places=2, help_text=_("Negative to reverse a credited amount.")
    )
    payer_id = forms.CharField(label=_("payer IIN/BIN"), max_length=12, required=False)
    entry_date = forms.DateField(
        label=_("date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    returned_reference = forms.CharField(
        label=_("bank reference of the money paid back"),
        max_length=64,
        required=False,
        help_text=_(
            "Only when the money was actually paid back to the payer: then, once approved, it no longer counts "
            "against the cap. A reversal without it corrects the books but frees no room under a cap."
        ),
    )
    note = forms.CharField(label=_("reason for the correction"), max_length=300)

    def clean_amount(self):
        if self.cleaned_data["amount"] == 0:
            raise forms.ValidationError(_("A correction has a non-zero amount."))
        return self.cleaned_data["amount"]
