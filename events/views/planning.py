"""Staff pages of events: the list (filters, export), the calendar, planning and proposing, the approval of
proposals, changes, the akimat notice and the status; and the planning rules kept as data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import audit, spreadsheets
from coalition.access import AuthenticatedHttpRequest, require, scoped_region, staff_required
from events import selectors, services
from events.forms import (
    ApproveForm,
    CampaignForm,
    CancelForm,
    EventFilter,
    EventForm,
    HolidayForm,
    NoticeForm,
    NoticeRuleForm,
    PolicyForm,
    RejectForm,
)
from events.models import Event, Holiday, NoticeRule, Policy, Registration
from events.views.common import event_in_scope, history, paginate, show_refusal


@staff_required
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.view_event")
    queryset = selectors.events_for(request.user).order_by("starts_at", "pk")
    filterset = EventFilter(request.GET or None, queryset=queryset, user=request.user)
    if scoped_region(request.user) is not None:
        filterset.form.fields.pop("region")
    events = filterset.qs
    if request.GET.get("export") in ("csv", "xlsx"):
        return _events_export(events, request.GET["export"])
    page, query = paginate(request, events)
    return render(request, "events/event_list.html", {"filter": filterset, "page": page, "query": query})


def _events_export(events: Iterable[Any], fmt: str) -> HttpResponse:
    """Export the filtered events (of selectors.events_for, counted: ``registered``) as CSV or XLSX
    (coalition.spreadsheets neutralises formula-like cells)."""
    header = [_("Title"), _("Kind"), _("Region"), _("Place"), _("Starts"), _("Status"), _("Registered")]
    rows = [
        [
            event.title,
            event.get_kind_display(),
            event.region.name,
            event.place,
            event.starts_at,
            event.get_status_display(),
            event.registered,
        ]
        for event in events
    ]
    return spreadsheets.response(
        fmt,
        [header, *rows],
        "events",
        title=_("Events"),
        csv_datetime="%d.%m.%Y %H:%M",
        xlsx_datetime="dd.mm.yyyy hh:mm",
    )


@staff_required
def event_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.view_event")
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", f"{today:%Y-%m}").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    previous = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + timedelta(days=7)).replace(day=1)
    return render(
        request,
        "events/calendar.html",
        {
            "weeks": selectors.month_grid(request.user, first.year, first.month),
            "month": first,
            "previous": previous,
            "following": following,
            "today": today,
        },
    )


@staff_required
def event_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.add_event")
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            show_refusal(request, exc, form)
        else:
            if event.status == Event.Status.PROPOSED:
                messages.success(request, _("The event was proposed; it waits for approval."))
            else:
                messages.success(request, _("The event was planned."))
            for warning in selectors.event_warnings(event):
                messages.warning(request, warning)
            return redirect("events:detail", event.pk)
    return render(request, "events/event_form.html", {"form": form})


@staff_required
def event_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.view_event")
    event = event_in_scope(request, pk)
    event = selectors.events_for(request.user).get(pk=event.pk)
    registrations = event.registrations.select_related("person").order_by("status", "created_at")
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "registrations": registrations,
            "coming": sum(1 for r in registrations if r.confirmed_at and r.status == Registration.Status.CONFIRMED),
            "warnings": selectors.event_warnings(event),
            "notice_form": NoticeForm(initial={"sent_on": timezone.localdate()}),
            "cancel_form": CancelForm(),
            "history": history(event),
            "can_change": request.user.has_perm("events.change_event"),
            "approval": getattr(event, "approval", None),
            "can_decide": event.status == Event.Status.PROPOSED
            and selectors.approval_refusal(request.user, event) is None,
        },
    )


@staff_required
def proposal_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Proposals waiting for a decision: a coordinator sees their region's, HQ staff all (national ones too)."""
    require(request, "events.approve_event")
    page, _query = paginate(request, selectors.proposals_for(request.user))
    return render(request, "events/proposal_queue.html", {"page": page})


@staff_required
def event_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Approve or reject a proposal against its checklist (venue, akimat notice in time, campaign period)."""
    require(request, "events.approve_event")
    event = event_in_scope(request, pk)
    refusal = selectors.approval_refusal(request.user, event)
    if refusal:
        raise PermissionDenied(refusal)
    approve_form = ApproveForm(request.POST if request.POST.get("action") == "approve" else None)
    reject_form = RejectForm(request.POST if request.POST.get("action") == "reject" else None)
    if request.method == "POST" and event.status == Event.Status.PROPOSED:
        try:
            if request.POST.get("action") == "approve" and approve_form.is_valid():
                services.approve_event(event=event, by=request.user, comment=approve_form.cleaned_data["comment"])
                messages.success(request, _("The event was approved; the proposer will be told."))
                return redirect("events:detail", pk)
            if request.POST.get("action") == "reject" and reject_form.is_valid():
                services.reject_event(event=event, by=request.user, reason=reject_form.cleaned_data["reason"])
                messages.success(request, _("The proposal was rejected; the proposer will be told why."))
                return redirect("events:proposals")
        except ValidationError as exc:
            show_refusal(request, exc)
    checklist = selectors.approval_checklist(event)
    return render(
        request,
        "events/event_review.html",
        {
            "event": event,
            "checklist": checklist,
            "blocked": any(item.result == "fail" for item in checklist),
            "approve_form": approve_form,
            "reject_form": reject_form,
        },
    )


@staff_required
def event_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.change_event")
    event = event_in_scope(request, pk)
    form = EventForm(request.POST or None, instance=event, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(event=Event.objects.get(pk=pk), by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            show_refusal(request, exc, form)
        else:
            messages.success(request, _("The event was updated."))
            return redirect("events:detail", pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@staff_required
@require_POST
def event_notice(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.change_event")
    event = event_in_scope(request, pk)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            services.record_notice(event=event, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The akimat notice was recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("events:detail", pk)


@staff_required
@require_POST
def event_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.change_event")
    event = event_in_scope(request, pk)
    try:
        if request.POST.get("action") == "held":
            services.mark_held(event=event, by=request.user)
            messages.success(request, _("The event was marked as held."))
        elif request.POST.get("action") == "cancel":
            form = CancelForm(request.POST)
            form.is_valid()
            services.cancel_event(event=event, by=request.user, reason=form.cleaned_data.get("reason", ""))
            messages.success(request, _("The event was cancelled; registered people will be told."))
    except ValidationError as exc:
        show_refusal(request, exc)
    return redirect("events:detail", pk)


# --- Rules kept as data ---------------------------------------------------------------------------------------


@staff_required
def rules_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show and edit the lead times, holidays, campaign period and policy (committee staff)."""
    require(request, "events.view_noticerule")
    can_edit = request.user.has_perm("events.change_policy")
    election = selectors.default_election()  # its campaign period is edited here (issue #18: one election object)
    forms: dict[str, Any] = {
        "policy": PolicyForm(prefix="policy", instance=Policy.current()),
        "rule": NoticeRuleForm(prefix="rule"),
        "holiday": HolidayForm(prefix="holiday"),
        "campaign": CampaignForm(prefix="campaign", instance=election) if election is not None else None,
    }
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        which = request.POST.get("form")
        if which in forms and forms[which] is not None:
            bound = type(forms[which])(request.POST, prefix=which, instance=forms[which].instance)
            forms[which] = bound
            if bound.is_valid():
                with transaction.atomic():
                    obj = bound.save()
                    audit.record(actor=request.user, action=f"events.rules.{which}", obj=obj, data=bound.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("events:rules")
    return render(
        request,
        "events/rules.html",
        {
            "forms": forms,
            "can_edit": can_edit,
            "rules": NoticeRule.objects.all(),
            "holidays": Holiday.objects.filter(date__gte=timezone.localdate().replace(month=1, day=1)),
            "campaigns": selectors.elections_newest_first(),
            "election": election,
        },
    )
