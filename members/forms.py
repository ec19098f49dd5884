"""Forms of the members app: the public application, and the staff forms for meetings, decisions, statements."""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber

from coalition.dates import day_end
from coalition.identifiers import validate_bin, validate_iin
from coalition.models import Region
from coalition.scoping import ScopedForm
from members import services
from members.models import (
    Affiliation,
    CommitteeMeeting,
    CommitteeMember,
    Decision,
    IneligibleCategory,
    Organization,
    QuorumRule,
    StatementOfSupport,
)

CONSENT_TEXT = _(
    "I consent to the People's Coalition HQ (Astana) processing the personal data given in this form — my name, "
    "IIN, phone and email — to review the organization's application and to keep in touch about its membership, "
    "for as long as the organization is a member and one year after. I may withdraw this consent by writing to "
    "the HQ."
)

NOMINATION_CONSENT_TEXT = _(
    "The person gave us their written consent to the coalition HQ processing their name, phone and email to "
    "organise their work as a volunteer, observer or trusted representative."
)


def _digits(value: str) -> str:
    return "".join(value.split())


# Choice fields with their own option labels (Django's documented way: a subclass overriding label_from_instance).
class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: IneligibleCategory) -> str:
        return obj.label


class ApplicantChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name} ({obj.bin}, {obj.region.name})"


class ApplicationForm(forms.Form):
    """The public application to join the coalition; every field has a size limit, nothing is saved on error."""

    national_fields = {
        "region": "The public form: an organization of any region may apply.",
        "declared_categories": "The legal categories of ineligibility are the same in every region.",
    }

    name_ru = forms.CharField(label=_("Full name (Russian)"), max_length=300)
    name_kk = forms.CharField(label=_("Full name (Kazakh)"), max_length=300, required=False)
    name_en = forms.CharField(label=_("Full name (English)"), max_length=300, required=False)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    bin = forms.CharField(label=_("BIN"), max_length=14, help_text=_("12 digits, from the registration certificate."))
    kind = forms.ChoiceField(label=_("Legal form"), choices=Organization.Kind.choices)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.order_by("name_ru"))
    address = forms.CharField(label=_("Address"), max_length=300)
    phone = PhoneNumberField(
        label=_("Phone"), region="KZ", max_length=20, help_text=_("For example +7 7172 123456 or 8 701 123 45 67.")
    )
    email = forms.EmailField(label=_("Email"), max_length=254, help_text=_("The confirmation is sent here."))
    website = forms.URLField(label=_("Website"), max_length=200, required=False, assume_scheme="https")
    head_name = forms.CharField(label=_("Head's full name"), max_length=200)
    head_title = forms.CharField(label=_("Head's title"), max_length=150)
    declared_members = forms.IntegerField(
        label=_("Number of members"), min_value=0, max_value=10_000_000, required=False
    )
    declared_categories = CategoryChoiceField(
        label=_("Does any of these describe your organization?"),
        queryset=IneligibleCategory.objects.filter(is_active=True),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Such organizations may not take part in election campaigning and cannot join."),
    )
    representative_name = forms.CharField(label=_("Contact person's full name"), max_length=200)
    representative_title = forms.CharField(label=_("Contact person's title"), max_length=150)
    representative_phone = PhoneNumberField(label=_("Contact person's phone"), region="KZ", max_length=20)
    representative_email = forms.EmailField(label=_("Contact person's email"), max_length=254, required=False)
    representative_iin = forms.CharField(label=_("Contact person's IIN"), max_length=14, required=False)
    consent = forms.BooleanField(
        label=_("I consent to the processing of personal data as described above."),
        error_messages={"required": _("The application cannot be accepted without consent to data processing.")},
    )
    # The honeypot: hidden from people by CSS and aria-hidden; bots that fill every field are refused.
    fax_number = forms.CharField(label=_("Leave this field empty"), max_length=50, required=False)

    def __init__(self, *args: Any, language: str = "ru", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        self.application: services.Application | None = None
        self.fields["fax_number"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["consent"].widget.attrs["aria-describedby"] = "consent-text"
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template writes the <form> and its CSRF token around the cached fields
        self.helper.disable_csrf = True  # crispy adds a token even without the form tag: it would be cached
        self.helper.layout = Layout(
            Fieldset(
                _("The organization"),
                "name_ru",
                "name_kk",
                "name_en",
                "short_name",
                "bin",
                "kind",
                "region",
                "address",
                "phone",
                "email",
                "website",
                "head_name",
                "head_title",
                "declared_members",
                "declared_categories",
            ),
            Fieldset(
                _("Contact person"),
                "representative_name",
                "representative_title",
                "representative_phone",
                "representative_email",
                "representative_iin",
            ),
            Fieldset(
                _("Consent to personal-data processing"),
                HTML('<p class="small" id="consent-text">{{ consent_text }}</p>'),
                "consent",
            ),
            HTML('<div class="members-hp" aria-hidden="true">'),
            "fax_number",
            HTML("</div>"),
            Submit("submit", _("Send the application")),
        )

    FRAGMENT = "members_join_form"

    @classmethod
    def forget_rendered(cls, **_signal_kwargs: Any) -> None:
        """Drop the cached rendering of the empty form (its region and category choices changed): now, and again
        when the change commits, so a page rendered in between from the old rows does not stay cached."""
        cls.drop_rendered()
        transaction.on_commit(cls.drop_rendered)

    @classmethod
    def drop_rendered(cls) -> None:
        cache.delete_many([make_template_fragment_key(cls.FRAGMENT, [code]) for code, _name in settings.LANGUAGES])

    def clean_bin(self) -> str:
        value = _digits(self.cleaned_data["bin"])
        validate_bin(value)
        if services.bin_is_taken(value):
            raise ValidationError(services.duplicate_bin_message(), code="duplicate_bin")
        return value

    def _kazakh_phone(self, field: str) -> PhoneNumber | str:  # the field's value: a number, or "" when empty
        number = self.cleaned_data[field]
        if number and number.country_code != 7:
            raise ValidationError(_("Enter a Kazakhstan number starting with +7 or 8."), code="phone_country")
        return number

    def clean_phone(self) -> PhoneNumber | str:
        return self._kazakh_phone("phone")

    def clean_representative_phone(self) -> PhoneNumber | str:
        return self._kazakh_phone("representative_phone")

    def clean_representative_iin(self) -> str:
        value = _digits(self.cleaned_data["representative_iin"])
        if value:
            validate_iin(value)
        return value

    def clean_fax_number(self) -> str:
        if self.cleaned_data["fax_number"]:
            raise ValidationError(_("This application could not be accepted."), code="honeypot")
        return ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        names = [data.get(f, "") for f in ("name_ru", "name_kk", "name_en", "short_name")]
        declared = [c.code for c in data.get("declared_categories") or []]
        refusals = services.eligibility_refusals(names=names, bin_=data.get("bin", ""), declared=declared)
        for refusal in refusals:
            self.add_error(None, ValidationError(refusal.reason, code="ineligible"))
        if not self.errors:
            self.application = services.Application(
                name_ru=data["name_ru"],
                name_kk=data["name_kk"],
                name_en=data["name_en"],
                short_name=data["short_name"],
                bin=data["bin"],
                kind=data["kind"],
                region=data["region"],
                address=data["address"],
                phone=str(data["phone"]),
                email=data["email"],
                website=data["website"],
                head_name=data["head_name"],
                head_title=data["head_title"],
                declared_members=data["declared_members"],
                declared_categories=declared,
                representative_name=data["representative_name"],
                representative_title=data["representative_title"],
                representative_phone=str(data["representative_phone"]),
                representative_email=data["representative_email"],
                representative_iin=data["representative_iin"],
                consent_text=str(CONSENT_TEXT),
                language=self.language,
            )
        return data


def _attendee_field(**kwargs: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Committee members present"),
        queryset=CommitteeMember.objects.filter(is_active=True).select_related("person"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        **kwargs,
    )


class MeetingForm(ScopedForm, forms.ModelForm):
    national_fields = {"attendees": "The coalition committee is the national body; its members sit for every region."}
    attendees = _attendee_field()

    class Meta:
        model = CommitteeMeeting
        fields = ["held_on", "place", "agenda", "minutes", "attendees"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.fields["held_on"].disabled = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save the meeting")))


class DecisionForm(ScopedForm, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Decision.Kind.choices)
    text = forms.CharField(label=_("Text of the motion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    organizations = ApplicantChoiceField(
        label=_("Organizations (pending applications)"),
        queryset=Organization.objects.filter(status=Organization.Status.APPLIED).select_related("region"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0, max_value=1000)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0, max_value=1000, initial=0)
    votes_abstained = forms.IntegerField(label=_("Abstained"), min_value=0, max_value=1000, initial=0)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a rejection; the applicant receives it."),
    )

    def __init__(self, *args: Any, user: User, meeting: CommitteeMeeting | None = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if meeting is not None:
            # Only applications filed by the day of the meeting can be decided at it (the service refuses the rest).
            field = cast(forms.ModelMultipleChoiceField, self.fields["organizations"])
            applicants = cast("QuerySet[Organization]", field.queryset)
            field.queryset = applicants.filter(created_at__lt=day_end(meeting.held_on))
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Record the decision")))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == Decision.Kind.REJECTION and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the rejection: the applicant receives it."))
        if data.get("kind") in (Decision.Kind.ADMISSION, Decision.Kind.REJECTION) and not data.get("organizations"):
            self.add_error("organizations", _("Name the organizations this decision is about."))
        return data


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (Organization.Status.SUSPENDED, Organization.Status.SUSPENDED.label),
            (Organization.Status.WITHDRAWN, Organization.Status.WITHDRAWN.label),
            (Organization.Status.ADMITTED, _("Reinstated (admitted)")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Change the status"), css_class="btn-warning"))


class StatementForm(ScopedForm, forms.ModelForm):
    national_fields = {"meeting": "Statements are made at the national committee's meetings."}

    class Meta:
        model = StatementOfSupport
        fields = [
            "organization",
            "speaker_name",
            "speaker_title",
            "text",
            "made_on",
            "meeting",
            "language",
            "may_publish",
        ]
        widgets = {"made_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = Organization.objects.exclude(
            status=Organization.Status.REJECTED
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save the statement")))


class IneligibleCategoryForm(forms.ModelForm):
    class Meta:
        model = IneligibleCategory
        fields = ["code", "label", "reason", "name_keywords", "bin_type_digits", "source", "is_active", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))

    def clean_bin_type_digits(self) -> str:
        value = self.cleaned_data["bin_type_digits"].replace(",", "").replace(" ", "")
        if not value.isdigit() and value:
            raise ValidationError(_("Digits only, e.g. 5."))
        return value


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password1 = forms.CharField(label=_("Password"), max_length=128, widget=forms.PasswordInput(render_value=False))
    password2 = forms.CharField(
        label=_("Password again"), max_length=128, widget=forms.PasswordInput(render_value=False)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Create the account")))

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(value)
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"])
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class MemberProfileForm(forms.Form):
    name_ru = forms.CharField(label=_("Full name (Russian)"), max_length=300)
    name_kk = forms.CharField(label=_("Full name (Kazakh)"), max_length=300, required=False)
    name_en = forms.CharField(label=_("Full name (English)"), max_length=300, required=False)
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    bin = forms.CharField(label=_("BIN"), max_length=14)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = PhoneNumberField(label=_("Phone"), region="KZ", max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    website = forms.URLField(label=_("Website"), max_length=200, required=False, assume_scheme="https")
    head_name = forms.CharField(label=_("Head's full name"), max_length=200, required=False)
    head_title = forms.CharField(label=_("Head's title"), max_length=150, required=False)
    declared_members = forms.IntegerField(
        label=_("Number of members"), min_value=0, max_value=10_000_000, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("Changes to the name or BIN are reviewed by the HQ staff"),
                "name_ru",
                "name_kk",
                "name_en",
                "short_name",
                "bin",
            ),
            Fieldset(
                _("Contact details (saved at once)"),
                "address",
                "phone",
                "email",
                "website",
                "head_name",
                "head_title",
                "declared_members",
            ),
            Submit("submit", _("Save")),
        )

    def clean_bin(self) -> str:
        value = _digits(self.cleaned_data["bin"])
        validate_bin(value)
        return value

    def clean_phone(self) -> str:
        number = self.cleaned_data["phone"]
        return str(number) if number else ""


class NominationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (r.value, r.label) for r in (Affiliation.Role.VOLUNTEER, Affiliation.Role.OBSERVER, Affiliation.Role.PROXY)
        ],
    )
    phone = PhoneNumberField(label=_("Phone"), region="KZ", max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    consent = forms.BooleanField(
        label=NOMINATION_CONSENT_TEXT,
        error_messages={"required": _("We can record the person only with their consent.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Nominate")))

    def clean_phone(self) -> str:
        number = self.cleaned_data["phone"]
        return str(number) if number else ""


class CommitteeMemberForm(ScopedForm, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    title = forms.CharField(label=_("Title on the committee"), max_length=200, required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.filter(status=Organization.Status.ADMITTED),
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add to the committee")))


class QuorumRuleForm(forms.ModelForm):
    class Meta:
        model = QuorumRule
        fields = ["valid_from", "share", "strictly_more", "source"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add the rule")))


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of people"),
        help_text=_("UTF-8 or Windows-1251, separated by commas or semicolons, with the header of the template."),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > settings.PEOPLE_IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d KB: split it into smaller files."),
                params={"size": settings.PEOPLE_IMPORT_MAX_BYTES // 1024},
                code="size",
            )
        return upload
