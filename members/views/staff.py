"""Staff pages: the review queue, organizations, meetings and their decisions, statements, eligibility rules."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, scoped_region, staff_required
from coalition.forms import errors_to_form
from members import exports, minutes, selectors, services
from members.filters import OrganizationFilter
from members.forms import (
    CommitteeMemberForm,
    DecisionForm,
    IneligibleCategoryForm,
    MeetingForm,
    QuorumRuleForm,
    StatementForm,
    StatusForm,
)
from members.models import (
    CommitteeMeeting,
    CommitteeMember,
    Consent,
    Decision,
    IneligibleCategory,
    Organization,
    ProfileChange,
    QuorumRule,
    StatementOfSupport,
)
from members.services import portal

PAGE_SIZE = 25


@staff_required
def organization_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.view_organization")
    region = scoped_region(request.user)
    filterset = OrganizationFilter(
        request.GET or None, queryset=selectors.organizations(region=region), user=request.user
    )
    page = Paginator(filterset.qs.order_by("name_ru", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/staff/organization_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode(), "scope": region},
    )


@staff_required
def organization_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    require(request, "members.view_organization")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    region = scoped_region(request.user)
    filterset = OrganizationFilter(
        request.GET or None, queryset=selectors.organizations(region=region), user=request.user
    )
    rows = filterset.qs.order_by("name_ru", "pk")
    filename = f"organizations-{timezone.localdate():%Y-%m-%d}"
    if fmt == "xlsx":
        return exports.as_xlsx(rows, filename)
    return exports.as_csv(rows, filename)


@staff_required
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.view_organization")
    region = scoped_region(request.user)
    page = Paginator(selectors.review_queue(region=region), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/staff/review_queue.html",
        {"page": page, "scope": region, "meetings": selectors.meetings()[:5], "waiting_days": services.WAITING_DAYS},
    )


@staff_required
def organization_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "members.view_organization")
    organization = selectors.organization_detail(pk=pk, region=scoped_region(request.user))
    refusals = services.eligibility_refusals(
        names=[organization.name_ru, organization.name_kk, organization.name_en, organization.short_name],
        bin_=organization.bin,
        declared=[],
    )
    return render(
        request,
        "members/staff/organization_detail.html",
        {
            "organization": organization,
            "refusals": refusals,
            "status_form": StatusForm() if organization.status != Organization.Status.APPLIED else None,
            # A decision needs a meeting held on or after the day the organization applied.
            "meetings": selectors.meetings(held_from=organization.applied_on)[:5],
        },
    )


@staff_required
@require_POST
def organization_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "members.change_organization")
    organization = get_object_or_404(selectors.organizations(region=scoped_region(request.user)), pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_membership_status(
                organization=organization,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
                changed_by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The status was changed."))
    else:
        messages.error(request, _("Choose a status and give the reason."))
    return redirect("members:staff_organization", pk=organization.pk)


@staff_required
def meeting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.view_committeemeeting")
    page = Paginator(selectors.meetings(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/staff/meeting_list.html", {"page": page})


@staff_required
def meeting_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.add_committeemeeting")
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        meeting = services.create_meeting(
            held_on=form.cleaned_data["held_on"],
            place=form.cleaned_data["place"],
            agenda=form.cleaned_data["agenda"],
            minutes=form.cleaned_data["minutes"],
            attendees=form.cleaned_data["attendees"],
            created_by=request.user,
        )
        messages.success(request, _("The meeting was recorded. Now record its decisions."))
        return redirect("members:staff_meeting", pk=meeting.pk)
    return render(request, "members/staff/meeting_form.html", {"form": form})


@staff_required
def meeting_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "members.change_committeemeeting")
    meeting = get_object_or_404(CommitteeMeeting, pk=pk)
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(
                meeting=meeting,
                place=form.cleaned_data["place"],
                agenda=form.cleaned_data["agenda"],
                minutes=form.cleaned_data["minutes"],
                attendees=form.cleaned_data["attendees"],
                changed_by=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The meeting record was updated."))
            return redirect("members:staff_meeting", pk=meeting.pk)
    return render(request, "members/staff/meeting_form.html", {"form": form, "meeting": meeting})


@staff_required
def meeting_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "members.view_committeemeeting")
    meeting = selectors.meeting_detail(pk=pk)
    try:
        quorum = services.required_quorum(meeting)
    except ValidationError:
        quorum = None
    return render(
        request,
        "members/staff/meeting_detail.html",
        {"meeting": meeting, "quorum": quorum, "present": len(meeting.attendees.all())},
    )


@staff_required
def decision_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "members.add_decision")
    meeting = get_object_or_404(CommitteeMeeting, pk=pk)
    initial = {}
    if request.method == "GET" and request.GET.get("organization", "").isdigit():
        initial = {"organizations": [int(request.GET["organization"])], "kind": request.GET.get("kind", "admission")}
    form = DecisionForm(request.POST or None, initial=initial, user=request.user, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.record_decision(
                meeting=meeting,
                kind=data["kind"],
                text=data["text"],
                organizations=list(data["organizations"]),
                votes_for=data["votes_for"],
                votes_against=data["votes_against"],
                votes_abstained=data["votes_abstained"],
                reason=data["reason"],
                recorded_by=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if not decision.adopted:
                messages.warning(request, _("The decision was recorded: the motion was not adopted, nothing changed."))
            elif decision.kind == Decision.Kind.ADMISSION:
                messages.success(
                    request,
                    _("The decision was recorded: %(count)d organizations admitted and notified.")
                    % {"count": len(data["organizations"])},
                )
            elif decision.kind == Decision.Kind.REJECTION:
                messages.success(
                    request,
                    _("The decision was recorded: %(count)d applications rejected and notified.")
                    % {"count": len(data["organizations"])},
                )
            else:
                messages.success(request, _("The decision was recorded."))
            return redirect("members:staff_meeting", pk=meeting.pk)
    try:
        quorum = services.required_quorum(meeting)
    except ValidationError:
        quorum = None
    return render(
        request,
        "members/staff/decision_form.html",
        {"form": form, "meeting": meeting, "quorum": quorum, "present": meeting.attendees.count()},
    )


@staff_required
def meeting_minutes(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The minutes, generated from what was recorded, in Russian, Kazakh or English; as PDF with ?format=pdf."""
    require(request, "members.view_committeemeeting")
    meeting = selectors.meeting_detail(pk=pk)
    language = request.GET.get("lang") if request.GET.get("lang") in minutes.LANGUAGES else "ru"
    with override(language):
        context = {"meeting": meeting, "language": language, "present": len(meeting.attendees.all())}
        if request.GET.get("format") == "pdf":
            pdf = minutes.render_pdf(request, context)
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="minutes-{meeting.held_on:%Y-%m-%d}-{language}.pdf"'
            return response
        return render(request, "members/staff/minutes.html", context)


@staff_required
def statement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.view_statementofsupport")
    region = scoped_region(request.user)
    page = Paginator(selectors.statements(region=region), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/staff/statement_list.html", {"page": page})


@staff_required
def statement_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.add_statementofsupport")
    form = StatementForm(request.POST or None, initial={"made_on": timezone.localdate()}, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.record_statement(**form.cleaned_data, created_by=request.user)
        messages.success(request, _("The statement was recorded."))
        return redirect("members:staff_statements")
    return render(request, "members/staff/statement_form.html", {"form": form})


@staff_required
@require_POST
def statement_publication(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "members.change_statementofsupport")
    statement = get_object_or_404(StatementOfSupport, pk=pk)
    publish = request.POST.get("may_publish") == "1"
    services.set_statement_publication(statement=statement, may_publish=publish, changed_by=request.user)
    messages.success(request, _("The statement is now public.") if publish else _("The statement is no longer public."))
    return redirect("members:staff_statements")


@staff_required
def eligibility_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.view_ineligiblecategory")
    return render(request, "members/staff/eligibility_list.html", {"categories": IneligibleCategory.objects.all()})


@staff_required
def eligibility_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    require(request, "members.change_ineligiblecategory" if pk else "members.add_ineligiblecategory")
    category = get_object_or_404(IneligibleCategory, pk=pk) if pk else IneligibleCategory()
    form = IneligibleCategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        services.save_ineligible_category(category=form.instance, changed_by=request.user)
        messages.success(request, _("The eligibility rule was saved."))
        return redirect("members:staff_eligibility")
    return render(request, "members/staff/eligibility_form.html", {"form": form, "category": category})


@staff_required
@require_POST
def organization_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Email the member's representatives an invitation to the member portal."""
    require(request, "members.add_invitation")
    organization = get_object_or_404(Organization, pk=pk)
    try:
        invitations = portal.invite_representatives(organization=organization, invited_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if invitations:
            messages.success(request, _("%(count)d invitations were sent.") % {"count": len(invitations)})
        else:
            messages.warning(request, _("No representative with an email and without an account."))
    return redirect("members:staff_organization", pk=organization.pk)


@staff_required
def profile_change_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.view_profilechange")
    changes = ProfileChange.objects.filter(status=ProfileChange.Status.PENDING).select_related(
        "organization", "requested_by"
    )
    return render(request, "members/staff/profile_changes.html", {"changes": changes})


@staff_required
@require_POST
def profile_change_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "members.change_profilechange")
    change = get_object_or_404(ProfileChange, pk=pk)
    approve = request.POST.get("approve") == "1"
    try:
        portal.decide_profile_change(
            change=change, approve=approve, reason=request.POST.get("reason", "")[:2000], decided_by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The change was applied.") if approve else _("The change was refused."))
    return redirect("members:staff_profile_changes")


@staff_required
@require_POST
def consent_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a representative's withdrawal of their consent (committee staff)."""
    require(request, "members.change_consent")
    consent = get_object_or_404(Consent.objects.select_related("person"), pk=pk)
    organization_pk = request.POST.get("organization", "")
    try:
        services.withdraw_consent(consent=consent, withdrawn_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The withdrawal of the consent was recorded."))
    if organization_pk.isdigit():
        return redirect("members:staff_organization", pk=int(organization_pk))
    return redirect("members:staff_organizations")


@staff_required
def committee(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The committee roster and the quorum rules; committee staff add members and rules here."""
    require(request, "members.view_committeemember")
    member_form = CommitteeMemberForm(request.POST or None, prefix="member", user=request.user)
    rule_form = QuorumRuleForm(request.POST or None, prefix="rule")
    if request.method == "POST":
        if "member-full_name" in request.POST:
            require(request, "members.add_committeemember")
            if member_form.is_valid():
                services.add_committee_member(**member_form.cleaned_data, added_by=request.user)
                messages.success(request, _("The member was added to the committee."))
                return redirect("members:staff_committee")
        else:
            require(request, "members.add_quorumrule")
            if rule_form.is_valid():
                services.add_quorum_rule(**rule_form.cleaned_data, added_by=request.user)
                messages.success(request, _("The quorum rule was added."))
                return redirect("members:staff_committee")
    return render(
        request,
        "members/staff/committee.html",
        {
            "members": CommitteeMember.objects.select_related("person", "organization").order_by(
                "-is_active", "person__full_name"
            ),
            "rules": QuorumRule.objects.all(),
            "member_form": member_form,
            "rule_form": rule_form,
        },
    )


@staff_required
@require_POST
def committee_member_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "members.change_committeemember")
    member = get_object_or_404(CommitteeMember, pk=pk)
    services.set_committee_member_active(
        member=member, is_active=request.POST.get("is_active") == "1", changed_by=request.user
    )
    messages.success(request, _("The committee roster was updated."))
    return redirect("members:staff_committee")
