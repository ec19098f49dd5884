"""Forms of the hotline: the public report, the receipt check, and the integrity officer's case work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coalition.models import Region
from hotline.evidence import EvidenceRejected, check_name, clean_evidence
from hotline.models import Agency, Category, Channel, Forwarding, HotlinePolicy, Report
from hotline.services import IdentityData
from members.models import Organization

CONSENT_TEXT = _(
    "I agree that the coalition HQ keeps my name and contact details to contact me about this report. "
    "Only the integrity officer sees them. They are deleted when the case is closed and its retention period ends. "
    "I may withdraw this consent by calling the HQ."
)
SHARE_TEXT = _("I agree that my name and contact details may be passed to law enforcement with this report.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; each is checked by its content (type, size) and cleaned of metadata."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("JPEG or PNG photos, or PDF documents. Location and camera data are removed from photos."),
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,application/pdf")

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        policy = HotlinePolicy.current()
        if len(uploads) > policy.max_files:
            raise forms.ValidationError(
                _("Attach at most %(count)s files.") % {"count": policy.max_files}, code="too_many"
            )
        cleaned = []
        for upload in uploads:
            super().clean(upload, initial)
            max_bytes = policy.max_file_mb * 1024 * 1024
            if upload.size > max_bytes:
                raise forms.ValidationError(
                    _("“%(name)s” is larger than %(mb)s MB.") % {"name": upload.name, "mb": policy.max_file_mb}
                )
            try:
                clean = clean_evidence(upload.read(), max_bytes=max_bytes)
                check_name(upload.name or "", clean.content_type)
                cleaned.append(clean)
            except EvidenceRejected as exc:
                raise forms.ValidationError(
                    _("“%(name)s”: %(reason)s") % {"name": upload.name, "reason": exc}, code="bad_file"
                ) from exc
        return cleaned


class ReportForm(forms.Form):
    """What a reporter tells: the facts first, their identity only if they choose to give it."""

    national_fields = {
        "region": "A report (public, or taken by HQ staff on the phone line) may concern any region.",
        "organization": "A report may name any member organization; the admitted members are public.",
    }

    category = forms.ChoiceField(label=_("What kind of violation?"), choices=Category.choices)
    description = forms.CharField(
        label=_("What happened?"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Describe what happened, who demanded what, and how. "
            "Do not name yourself here if you wish to stay anonymous."
        ),
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    locality = forms.CharField(label=_("City, town or village"), max_length=200, required=False)
    occurred_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("If you know it."),
    )
    occurred_when = forms.CharField(
        label=_("When (in words)"),
        max_length=200,
        required=False,
        help_text=_("For example: “every month since March”."),
    )
    organization = forms.ModelChoiceField(
        label=_("Member organization involved"),
        queryset=Organization.objects.filter(status=Organization.Status.ADMITTED),
        required=False,
        help_text=_("If the report concerns one of the coalition's member organizations."),
    )
    involved = forms.CharField(
        label=_("Organization or person involved"),
        max_length=300,
        required=False,
        help_text=_("Employer, school, official or anyone else involved."),
    )
    # A field named like BaseForm.files: the form metaclass moves declared fields off the class, so no clash.
    files = EvidenceField(label=_("Evidence files"))  # type: ignore[assignment]
    give_identity = forms.BooleanField(label=_("I want to give my name and contact details"), required=False)
    full_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    consent_to_contact = forms.BooleanField(label=CONSENT_TEXT, required=False)
    consent_to_share = forms.BooleanField(label=SHARE_TEXT, required=False)
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_occurred_on(self):
        value = self.cleaned_data.get("occurred_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("give_identity"):
            if not any(data.get(f) for f in ("full_name", "phone", "email")):
                self.add_error("full_name", _("Give your name or a way to contact you, or untick the box above."))
            if not data.get("consent_to_contact"):
                self.add_error("consent_to_contact", _("We can keep your details only with your consent."))
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def identity(self) -> IdentityData | None:
        data = self.cleaned_data
        if not data.get("give_identity"):
            return None  # whatever was typed into the identity fields is dropped
        consent = str(CONSENT_TEXT)
        if data.get("consent_to_share"):
            consent += "\n" + str(SHARE_TEXT)
        return IdentityData(
            full_name=data.get("full_name", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            language=(get_language() or "ru")[:2],
            consent_to_contact=bool(data.get("consent_to_contact")),
            consent_to_share=bool(data.get("consent_to_share")),
            consent_text=consent,
        )

    def report_fields(self) -> dict:
        """Return the report's facts as keyword arguments for ``services.submit_report``."""
        data = self.cleaned_data
        return {
            "category": data["category"],
            "description": data["description"],
            "region": data.get("region"),
            "locality": data.get("locality", ""),
            "occurred_on": data.get("occurred_on"),
            "occurred_when": data.get("occurred_when", ""),
            "organization": data.get("organization"),
            "involved": data.get("involved", ""),
        }


class StaffReportForm(ReportForm):
    """A report taken by staff on the reporter's behalf (phone, email, in person)."""

    channel = forms.ChoiceField(label=_("How the report came in"), choices=Channel.choices, initial=Channel.PHONE)
    other_contact = forms.CharField(label=_("Other contact"), max_length=200, required=False)

    field_order = ["channel"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["consent_to_contact"].label = (
            _("The reporter agreed (orally) to the consent text read to them:") + " " + str(CONSENT_TEXT)
        )

    @property
    def is_bot(self) -> bool:
        return False

    def identity(self) -> IdentityData | None:
        identity = super().identity()
        if identity is None:
            return None
        return IdentityData(**{**identity.__dict__, "other_contact": self.cleaned_data.get("other_contact", "")})


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    secret = forms.CharField(
        label=_("Secret"), max_length=60, widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )


class AddInformationForm(forms.Form):
    text = forms.CharField(
        label=_("What would you like to add?"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    # A field named like BaseForm.files: the form metaclass moves declared fields off the class, so no clash.
    files = EvidenceField(label=_("More evidence files"))  # type: ignore[assignment]


class StaffAddInformationForm(AddInformationForm):
    """Information a reporter gives later by phone, email or in person, recorded by the integrity officer."""

    channel = forms.ChoiceField(label=_("How it came in"), choices=Channel.choices, initial=Channel.PHONE)
    field_order = ["channel", "text", "files"]


class TriageForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Report.Severity.choices)
    duplicate_of = forms.CharField(
        label=_("Duplicate of (tracking code)"),
        max_length=20,
        required=False,
        help_text=_("Leave empty if not a duplicate."),
    )

    def __init__(self, *args, report: Report, **kwargs):
        self.report = report
        super().__init__(*args, **kwargs)

    def clean_duplicate_of(self):
        code = self.cleaned_data["duplicate_of"].strip().upper()
        if not code:
            return None
        original = Report.objects.filter(tracking_code=code).exclude(pk=self.report.pk).first()
        if original is None:
            raise forms.ValidationError(_("No other report has this tracking code."))
        return original


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))


class RevealIdentityForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to see the reporter's identity?"),
        max_length=300,
        help_text=_("Recorded in the access log that auditors read."),
    )


class ForwardForm(forms.Form):
    national_fields = {"agency": "The agencies a case is sent to are the national list (prosecutor, CEC, police...)."}
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.filter(active=True))
    sent_on = forms.DateField(
        label=_("Date sent"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    outgoing_number = forms.CharField(label=_("Outgoing letter number"), max_length=50)
    include_identity = forms.BooleanField(
        label=_("Include the reporter's identity"),
        required=False,
        help_text=_("Allowed only with the reporter's consent or an approved disclosure with a legal basis."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        agency, number = data.get("agency"), data.get("outgoing_number")
        if agency and number and Forwarding.objects.filter(agency=agency, outgoing_number=number).exists():
            self.add_error("outgoing_number", _("A letter with this number was already sent to this agency."))
        return data


class PolicyForm(forms.ModelForm):
    """A new version of the hotline's rules; earlier versions are kept unchanged."""

    class Meta:
        model = HotlinePolicy
        fields = [
            "valid_from",
            "triage_hours",
            "answer_days",
            "follow_up_days",
            "retention_days",
            "pattern_window_days",
            "max_file_mb",
            "max_files",
            "escalation_emails",
            "source",
        ]
        widgets = {"valid_from": forms.DateTimeInput(attrs={"type": "datetime-local"})}

    def clean_escalation_emails(self):
        value = self.cleaned_data["escalation_emails"]
        for line in value.splitlines():
            if line.strip():
                validate_email(line.strip())
        return value


class AnswerForm(forms.Form):
    acknowledged_on = forms.DateField(
        label=_("Acknowledged on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    agency_reference = forms.CharField(label=_("Agency's reference"), max_length=100, required=False)
    outcome_on = forms.DateField(
        label=_("Outcome received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    outcome = forms.CharField(label=_("Outcome (internal)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome_public = forms.CharField(
        label=_("Outcome for the reporter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the receipt; no personal data."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("outcome_on") and not data.get("outcome", "").strip():
            self.add_error("outcome", _("Describe the outcome."))
        if not any(data.get(f) for f in ("acknowledged_on", "agency_reference", "outcome_on")):
            raise forms.ValidationError(_("Enter an acknowledgement or an outcome."))
        return data


class CloseForm(forms.Form):
    public_note = forms.CharField(
        label=_("Note for the reporter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the receipt; no personal data."),
    )


class DisclosureForm(forms.Form):
    national_fields = {"agency": "The agencies a case is sent to are the national list (prosecutor, CEC, police...)."}
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.filter(active=True))
    legal_basis = forms.CharField(label=_("Legal basis and reason"), widget=forms.Textarea(attrs={"rows": 2}))
