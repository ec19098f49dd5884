"""Forms of the events app: staff forms scope their choices to the user's region; public forms ask for consent."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import NumberParseException

from coalition.models import Election
from coalition.roles import STAFF_ROLES
from coalition.scoping import ScopedFilterSet, ScopedForm
from events.filters import ELECTION_IS_NATIONAL
from events.models import (
    Accreditation,
    Assignment,
    Event,
    Holiday,
    NoticeRule,
    Policy,
    PollingStation,
    TrainingSession,
)
from events.selectors import default_election, elections_newest_first, has_uncertified_assignment
from events.services.consent import consent_text
from members.models import Organization, Person

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _staff_users() -> QuerySet[User]:
    return get_user_model().objects.filter(is_active=True, groups__name__in=STAFF_ROLES).distinct().order_by("username")


# Every staff form with model choices is a ScopedForm: built with the user it is shown to, its choices (region,
# organizations, people, staff accounts) are narrowed to a coordinator's region (coalition.scoping).


class EventForm(ScopedForm, forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "region",
            "place",
            "starts_at",
            "ends_at",
            "capacity",
            "organization",
            "responsible",
            "is_national",
            "description",
        ]
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = Organization.objects.filter(
            status=Organization.Status.ADMITTED
        )
        cast(forms.ModelChoiceField, self.fields["responsible"]).queryset = _staff_users()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class ProposalForm(forms.ModelForm):
    """A member organization's proposal from the portal (the organization is the one whose portal it is)."""

    national_fields = {"region": "A member organization may hold an event in any region (it is not a staff form)."}

    class Meta:
        model = Event
        fields = ["title", "kind", "region", "place", "starts_at", "ends_at", "capacity", "description"]
        widgets = EventForm.Meta.widgets

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (value, label) for value, label in Event.Kind.choices if value not in (Event.Kind.COMMITTEE,)
        ]
        self.fields["region"].initial = organization.region_id
        self.fields["place"].help_text = _("The address of the venue; the akimat notice names it.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class ApproveForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection (sent to the proposer)"), widget=forms.Textarea(attrs={"rows": 2})
    )


class NoticeForm(forms.Form):
    sent_on = forms.DateField(label=_("Notice sent on"), widget=DATE_WIDGET)
    number = forms.CharField(label=_("Outgoing number"), max_length=50)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to the registered people)"), max_length=300, required=False)


class EventFilter(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    starts_from = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label=_("From"), widget=DATE_WIDGET
    )
    starts_to = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label=_("To"), widget=DATE_WIDGET
    )
    # Several statuses at once (the dashboard's "next 7 days" are planned or notified events).
    status = django_filters.MultipleChoiceFilter(
        choices=Event.Status.choices, label=_("Status"), widget=forms.SelectMultiple(attrs={"size": 3})
    )
    notice = django_filters.ChoiceFilter(
        choices=[("missing", _("Needed, not sent yet"))], method="by_notice", label=_("Akimat notice")
    )

    class Meta:
        model = Event
        fields = ["region", "kind", "status"]

    def by_notice(self, queryset: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        if value == "missing":
            return queryset.filter(notice_deadline__isnull=False, notice_sent_on__isnull=True)
        return queryset

    def search(self, queryset: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        return queryset.filter(Q(title__icontains=value) | Q(place__icontains=value))


class ApplicantForm(forms.Form):
    """The public registration form: who you are, and your consent to the processing of your data."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    consent = forms.BooleanField(label=_("I give my consent"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].help_text = consent_text()

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            number = PhoneNumber.from_string(raw, region="KZ")
        except NumberParseException:  # "abc", "+", a 300-digit string: not a number at all
            number = None
        if number is None or not number.is_valid():
            raise forms.ValidationError(_("Enter a Kazakhstan phone number, e.g. +7 701 123 4567."))
        return number.as_e164


class SessionForm(ScopedForm, forms.ModelForm):
    national_fields = {
        "course": "Courses are the coalition's national curriculum, taught in every region.",
        "election": ELECTION_IS_NATIONAL,
    }

    class Meta:
        model = TrainingSession
        fields = ["course", "region", "election", "place", "starts_at", "ends_at", "capacity", "trainer"]
        widgets = {"starts_at": DATETIME_WIDGET, "ends_at": DATETIME_WIDGET}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        cast(forms.ModelChoiceField, self.fields["trainer"]).queryset = _staff_users()
        cast(forms.ModelChoiceField, self.fields["election"]).queryset = elections_newest_first()
        self.fields["election"].help_text = _("Optional: the election these people are trained for.")


class EnrolForm(ScopedForm, forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.order_by("full_name"))


class ResultForm(forms.Form):
    enrolment = forms.IntegerField(widget=forms.HiddenInput)
    attended = forms.BooleanField(label=_("Attended"), required=False)
    score = forms.IntegerField(label=_("Score"), required=False, min_value=0, max_value=100)


ResultFormSet = forms.formset_factory(ResultForm, extra=0)


class StationImportForm(forms.Form):
    national_fields = {"election": ELECTION_IS_NATIONAL}

    # Not required: a post without it (a script written for the older form) imports into the default election,
    # the one the select proposes; the select itself has no empty choice.
    election = forms.ModelChoiceField(
        label=_("Election"),
        queryset=Election.objects.none(),
        required=False,
        empty_label=None,
        help_text=_(
            "The stations of the file are this election's: the same number in another election is another station."
        ),
    )
    file = forms.FileField(label=_("CSV file (number,region,address,voters)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["election"])
        field.queryset = elections_newest_first()
        default = default_election()
        field.initial = default.pk if default else None


class ElectionChoiceForm(forms.Form):
    """Which election a page shows (coverage): the default one unless another is chosen."""

    national_fields = {"election": ELECTION_IS_NATIONAL}

    election = forms.ModelChoiceField(
        label=_("Election"), queryset=Election.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["election"]).queryset = elections_newest_first()


class AssignmentForm(ScopedForm, forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Assignment.Role.choices)
    organization = forms.ModelChoiceField(
        label=_("Nominating organization (observers)"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Only member organizations with an observer accreditation in force today are listed."),
        error_messages={
            "invalid_choice": _(
                "This organization holds no observer accreditation in force today (or is not an admitted member); "
                "record its accreditation first."
            )
        },
    )
    registration_number = forms.CharField(label=_("Registration number (trusted representatives)"), required=False)
    registration_date = forms.DateField(label=_("Registration date"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = Person.objects.filter(
            certificates__revoked_at__isnull=True
        ).distinct()
        # docs/domain.md §3: only accredited organizations nominate observers; offer only those (the model checks
        # it too).
        accredited = Accreditation.objects.valid_on(timezone.localdate()).values("organization_id")
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = Organization.objects.filter(
            status=Organization.Status.ADMITTED, pk__in=accredited
        ).order_by("name_ru")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("role") == Assignment.Role.OBSERVER and not data.get("organization"):
            self.add_error("organization", _("An observer is nominated by a member organization."))
        if data.get("role") == Assignment.Role.PROXY and not (
            data.get("registration_number") and data.get("registration_date")
        ):
            self.add_error("registration_number", _("Enter the election commission's registration number and date."))
        return data


class AccreditationForm(ScopedForm, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.exclude(
            status__in=[Organization.Status.REJECTED, Organization.Status.WITHDRAWN]
        ).order_by("name_ru"),
    )
    issuing_body = forms.CharField(
        label=_("Issuing body"),
        max_length=200,
        help_text=_("The election commission that accredited the organization, as written on the document."),
    )
    number = forms.CharField(label=_("Accreditation number"), max_length=50)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE_WIDGET)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, user: User, valid_months: int, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["valid_until"].help_text = _(
            "Leave empty for the policy's period: %(months)d months from the date of issue, that date included."
        ) % {"months": valid_months}


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revocation"), max_length=255)


class StationFilter(ScopedFilterSet):
    """Expects stations annotated with ``certified`` (``events.selectors.stations_with_coverage``)."""

    national_fields = {"election": ELECTION_IS_NATIONAL}

    election = django_filters.ModelChoiceFilter(
        queryset=elections_newest_first(), label=_("Election"), empty_label=_("All elections")
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))
    coverage = django_filters.ChoiceFilter(
        label=_("Coverage"),
        method="by_coverage",
        choices=[
            ("0", _("Nobody certified")),
            ("1", _("One certified person")),
            ("2", _("Two or more certified people")),
            ("uncertified", _("Someone assigned without a valid certificate")),
        ],
    )

    def by_coverage(self, queryset: QuerySet[PollingStation], name: str, value: str) -> QuerySet[PollingStation]:
        if value == "uncertified":
            return queryset.filter(has_uncertified_assignment())
        return queryset.filter(**({"certified__gte": 2} if value == "2" else {"certified": int(value)}))

    class Meta:
        model = PollingStation
        fields = ["region"]

    def search(self, queryset: QuerySet[PollingStation], name: str, value: str) -> QuerySet[PollingStation]:
        return queryset.filter(Q(number__icontains=value) | Q(address__icontains=value))


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=16,
        # The characters the certificate URL accepts (events.urls.PublicTokenConverter).
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("A verification code has only letters and digits."))],
    )


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ["proxies_per_station", "reminder_catch_up_hours", "notice_warning_days", "accreditation_valid_months"]


class NoticeRuleForm(forms.ModelForm):
    class Meta:
        model = NoticeRule
        fields = ["event_kind", "requirement", "working_days", "valid_from", "valid_until", "source"]
        widgets = {"valid_from": DATE_WIDGET, "valid_until": DATE_WIDGET}


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "name", "kind", "source"]
        widgets = {"date": DATE_WIDGET}


class CampaignForm(forms.ModelForm):
    """The campaign period of the election being worked on: it is the election's (one object, issue #18)."""

    class Meta:
        model = Election
        fields = ["agitation_starts_on", "election_day", "dates_source"]
        widgets = {"agitation_starts_on": DATE_WIDGET, "election_day": DATE_WIDGET}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, day = data.get("agitation_starts_on"), data.get("election_day")
        if starts and day and starts >= day:
            self.add_error("agitation_starts_on", _("Agitation starts before election day."))
        return data


class WalkInForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    paper_consent = forms.BooleanField(label=_("The person signed the paper consent form"), required=True)

    clean_phone = ApplicantForm.clean_phone


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files in one field; their content is checked by the service (never by name or extension)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultiplePhotoField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReportForm(ScopedForm, forms.Form):
    turnout = forms.IntegerField(label=_("Turnout (people present)"), min_value=0)
    organizations = forms.ModelMultipleChoiceField(
        label=_("Member organizations present"),
        queryset=Organization.objects.filter(status=Organization.Status.ADMITTED),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    photos = MultiplePhotoField(
        label=_("Photos"),
        required=False,
        help_text=_("JPEG or PNG, up to 10 MB each; location and camera data are removed."),
    )
