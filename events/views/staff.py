"""Staff pages: events, calendar, training, certificates, polling stations, coverage and the rules."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import audit, spreadsheets
from coalition.access import scoped_region, staff_required
from coalition.middleware import request_budget
from coalition.models import AuditEntry, Region
from events import exports, selectors, services
from events.filters import SessionFilter, drop_region
from events.forms import (
    ApproveForm,
    AssignmentForm,
    CampaignForm,
    CancelForm,
    EnrolForm,
    EventFilter,
    EventForm,
    HolidayForm,
    NoticeForm,
    NoticeRuleForm,
    PolicyForm,
    RejectForm,
    ReportForm,
    ResultFormSet,
    SessionForm,
    StationFilter,
    StationImportForm,
    WalkInForm,
)
from events.models import (
    Assignment,
    Campaign,
    Certificate,
    Event,
    EventPhoto,
    Holiday,
    NoticeRule,
    Policy,
    PollingStation,
    Registration,
    TrainingSession,
)

PAGE_SIZE = 25


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _in_scope(request: HttpRequest, region) -> None:
    scope = scoped_region(request.user)
    if scope is not None and scope.pk != region.pk:
        raise PermissionDenied


def _errors(request: HttpRequest, exc: ValidationError, form=None) -> None:
    """Show a service's refusal on the form (field errors) or as a message."""
    if form is not None and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    for message in exc.messages:
        messages.error(request, message)


def _history(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-id")[:50]
    )


# --- Events ---------------------------------------------------------------------------------------------------


@staff_required
def event_list(request: HttpRequest) -> HttpResponse:
    _require(request, "events.view_event")
    queryset = selectors.events_for(request.user).order_by("starts_at", "pk")
    filterset = EventFilter(request.GET or None, queryset=queryset, user=request.user)
    if scoped_region(request.user) is not None:
        filterset.form.fields.pop("region")
    events = filterset.qs
    if request.GET.get("export") in ("csv", "xlsx"):
        return _events_export(events, request.GET["export"])
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "events/event_list.html", {"filter": filterset, "page": page, "query": query.urlencode()})


def _events_export(events, fmt: str) -> HttpResponse:
    """Export the filtered events as CSV or XLSX (coalition.spreadsheets neutralises formula-like cells)."""
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
def event_calendar(request: HttpRequest) -> HttpResponse:
    _require(request, "events.view_event")
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", f"{today:%Y-%m}").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    previous = (first.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + timezone.timedelta(days=7)).replace(day=1)
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
def event_create(request: HttpRequest) -> HttpResponse:
    _require(request, "events.add_event")
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            if event.status == Event.Status.PROPOSED:
                messages.success(request, _("The event was proposed; it waits for approval."))
            else:
                messages.success(request, _("The event was planned."))
            for warning in services.event_warnings(event):
                messages.warning(request, warning)
            return redirect("events:detail", event.pk)
    return render(request, "events/event_form.html", {"form": form})


def _event(request: HttpRequest, pk: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("region"), pk=pk)
    _in_scope(request, event.region)
    return event


@staff_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.view_event")
    event = _event(request, pk)
    event = selectors.events_for(request.user).get(pk=event.pk)
    registrations = event.registrations.select_related("person").order_by("status", "created_at")
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "registrations": registrations,
            "warnings": services.event_warnings(event),
            "notice_form": NoticeForm(initial={"sent_on": timezone.localdate()}),
            "cancel_form": CancelForm(),
            "history": _history(event),
            "can_change": request.user.has_perm("events.change_event"),
            "approval": getattr(event, "approval", None),
            "can_decide": event.status == Event.Status.PROPOSED
            and services.approval_refusal(request.user, event) is None,
        },
    )


@staff_required
def proposal_queue(request: HttpRequest) -> HttpResponse:
    """Proposals waiting for a decision: a coordinator sees their region's, HQ staff all (national ones too)."""
    _require(request, "events.approve_event")
    proposals = services.proposals_for(request.user)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/proposal_queue.html", {"page": page})


@staff_required
def event_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject a proposal against its checklist (venue, akimat notice in time, campaign period)."""
    _require(request, "events.approve_event")
    event = _event(request, pk)
    refusal = services.approval_refusal(request.user, event)
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
            _errors(request, exc)
    checklist = services.approval_checklist(event)
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
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.change_event")
    event = _event(request, pk)
    form = EventForm(request.POST or None, instance=event, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(event=Event.objects.get(pk=pk), by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            messages.success(request, _("The event was updated."))
            return redirect("events:detail", pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@staff_required
@require_POST
def event_notice(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.change_event")
    event = _event(request, pk)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            services.record_notice(event=event, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The akimat notice was recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("events:detail", pk)


@staff_required
@require_POST
def event_status(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.change_event")
    event = _event(request, pk)
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
        _errors(request, exc)
    return redirect("events:detail", pk)


@staff_required
def event_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """Check-in at the door: scan a QR code (``?code=``) or search, mark people present, add walk-ins, no-shows."""
    _require(request, "events.change_registration")
    event = _event(request, pk)
    walk_in_form = WalkInForm(request.POST if request.POST.get("action") == "walk_in" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check_in":
                registration_pk = request.POST.get("registration", "")
                if not registration_pk.isascii() or not registration_pk.isdigit():
                    raise Http404  # a tampered form (it was a 500: int() of the text)
                registration = get_object_or_404(event.registrations, pk=registration_pk)
                registration, newly = services.check_in_once(registration=registration, by=request.user)
                name = registration.person.full_name
                if newly:
                    messages.success(request, _("%(name)s is checked in.") % {"name": name})
                else:
                    messages.info(
                        request,
                        _("%(name)s is already checked in at %(time)s.")
                        % {"name": name, "time": timezone.localtime(registration.checked_in_at).strftime("%H:%M")},
                    )
                return redirect(f"{request.path}?{urlencode({'q': request.POST.get('q', '')})}")
            if walk_in_form.is_valid():
                data = walk_in_form.cleaned_data
                services.add_walk_in(
                    event=event, by=request.user, full_name=data["full_name"], phone=data["phone"], email=data["email"]
                )
                messages.success(request, _("The walk-in was registered and checked in."))
                return redirect("events:checkin", pk)
        except ValidationError as exc:
            _errors(request, exc)
    active = event.registrations.exclude(status=Registration.Status.CANCELLED).select_related("person")
    registrations = active
    query = request.GET.get("q", "").strip()
    if query:
        registrations = registrations.filter(
            Q(person__full_name__icontains=query)
            | Q(person__phone__icontains=query)
            | Q(person__email__icontains=query)
            | Q(checkin_code__iexact=query.replace(" ", ""))
        )
    absent_only = request.GET.get("show") == "absent"
    if absent_only:
        registrations = registrations.filter(status=Registration.Status.CONFIRMED, checked_in_at__isnull=True)
    # A scanned QR code opens this page with ?code=: that registration comes first, one click to check in.
    code = request.GET.get("code", "").strip().upper()
    scanned = None
    if code:
        scanned = active.filter(checkin_code=code).first()
        if scanned is None:
            messages.error(request, _("No registration of this event has the code %(code)s.") % {"code": code[:12]})
    counts = event.registrations.aggregate(
        present=Count("pk", filter=Q(checked_in_at__isnull=False)),
        expected=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        absent=Count("pk", filter=Q(status=Registration.Status.CONFIRMED, checked_in_at__isnull=True)),
        walk_ins=Count("pk", filter=Q(walk_in=True)),
    )
    return render(
        request,
        "events/checkin.html",
        {
            "event": event,
            "registrations": registrations.order_by("person__full_name"),
            "q": query,
            "scanned": scanned,
            "absent_only": absent_only,
            "walk_in_form": walk_in_form,
            "counts": counts,
        },
    )


@request_budget(max_bytes=(services.MAX_REPORT_PHOTOS + 1) * services.PHOTO_MAX_BYTES)
@staff_required
def event_report(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.change_event")
    event = _event(request, pk)
    report = getattr(event, "report", None)
    initial = {}
    if report is not None:
        initial = {"turnout": report.turnout, "organizations": report.organizations.all(), "notes": report.notes}
    else:
        initial = {"turnout": event.registrations.filter(checked_in_at__isnull=False).count()}
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.file_report(event=event, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            messages.success(request, _("The report was filed."))
            return redirect("events:detail", pk)
    return render(request, "events/report_form.html", {"event": event, "form": form, "report": report})


@staff_required
def event_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    """Serve a report photo (``?size=thumb``: its thumbnail) to staff who may see photos, in their region."""
    _require(request, "events.view_eventphoto")
    event = _event(request, pk)
    item = get_object_or_404(EventPhoto, pk=photo, report__event=event)
    thumb = request.GET.get("size") == "thumb"
    extension = "png" if item.content_type == "image/png" and not thumb else "jpg"
    response = FileResponse(
        (item.thumbnail if thumb else item.file).open("rb"),
        content_type="image/jpeg" if thumb else item.content_type,
        filename=f"event-{event.pk}-photo-{item.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_required
@require_POST
def event_photo_delete(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    """Remove a photo from the event's report (who may file the report may remove its photos)."""
    _require(request, "events.change_event")
    event = _event(request, pk)
    item = get_object_or_404(EventPhoto, pk=photo, report__event=event)
    services.remove_report_photo(photo=item, by=request.user)
    messages.success(request, _("The photo was removed from the report."))
    return redirect("events:report", pk)


# --- Training -------------------------------------------------------------------------------------------------


@staff_required
def session_list(request: HttpRequest) -> HttpResponse:
    _require(request, "events.view_trainingsession")
    filterset = SessionFilter(request.GET or None, queryset=selectors.sessions_for(request.user), user=request.user)
    drop_region(filterset, request.user)
    sessions = filterset.qs.order_by("-starts_at", "pk")
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.sessions(sessions), "training-sessions", _("Training sessions"))
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/session_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode(), "funnel": selectors.course_funnel()},
    )


@staff_required
def session_create(request: HttpRequest) -> HttpResponse:
    _require(request, "events.add_trainingsession")
    form = SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            messages.success(request, _("The training session was planned."))
            return redirect("events:session", session.pk)
    return render(request, "events/session_form.html", {"form": form})


def _session(request: HttpRequest, pk: int) -> TrainingSession:
    session = get_object_or_404(TrainingSession.objects.select_related("course", "region", "trainer"), pk=pk)
    _in_scope(request, session.region)
    return session


@staff_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.view_trainingsession")
    session = _session(request, pk)
    enrolments = list(session.enrolments.select_related("person", "certificate"))
    can_change = request.user.has_perm("events.change_enrolment")
    formset = ResultFormSet(
        request.POST if request.method == "POST" else None,
        initial=[{"enrolment": e.pk, "attended": e.attended, "score": e.score} for e in enrolments],
    )
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if formset.is_valid():
            results = [
                services.Result(f.cleaned_data["enrolment"], f.cleaned_data["attended"], f.cleaned_data["score"])
                for f in formset
            ]
            try:
                changed = services.record_results(session=session, by=request.user, results=results)
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Results saved (%(count)d changed).") % {"count": changed})
                return redirect("events:session", pk)
    rows = list(zip(enrolments, formset.forms, strict=False))
    return render(
        request,
        "events/session_detail.html",
        {
            "session": session,
            "rows": rows,
            "formset": formset,
            "enrol_form": EnrolForm(user=request.user),
            "can_change": can_change,
            "can_certify": request.user.has_perm("events.add_certificate"),
            "history": _history(session),
        },
    )


@staff_required
@require_POST
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.add_enrolment")
    session = _session(request, pk)
    form = EnrolForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.enrol(session=session, person=form.cleaned_data["person"], by=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The person was enrolled."))
    else:
        messages.error(request, _("Choose a person to enrol."))
    return redirect("events:session", pk)


@staff_required
@require_POST
def session_certify(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.add_certificate")
    session = _session(request, pk)
    try:
        issued = services.issue_certificates(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(count)d certificates issued.") % {"count": len(issued)})
    return redirect("events:session", pk)


@staff_required
@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.change_certificate")
    certificate = get_object_or_404(Certificate, pk=pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Give a reason for the revocation."))
    else:
        services.revoke_certificate(certificate=certificate, by=request.user, reason=reason[:255])
        messages.success(request, _("The certificate was revoked."))
    return redirect("events:session", certificate.enrolment.session_id)


# --- Polling stations and deployment --------------------------------------------------------------------------


@request_budget(max_bytes=10 * 1024 * 1024)  # the stations CSV (about 1 MB for 10,000 stations)
@staff_required
def station_list(request: HttpRequest) -> HttpResponse:
    _require(request, "events.view_pollingstation")
    filterset = StationFilter(
        request.GET or None, queryset=selectors.stations_with_coverage(request.user), user=request.user
    )
    if scoped_region(request.user) is not None:
        filterset.form.fields.pop("region")
    import_form = StationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        _require(request, "events.add_pollingstation")
        if import_form.is_valid():
            try:
                report = services.import_stations(content=import_form.cleaned_data["file"].read(), by=request.user)
            except ValidationError as exc:
                messages.error(request, _("The file was rejected; nothing was imported."))
                for message in exc.messages[:20]:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                    % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
                )
                return redirect("events:stations")
    stations = filterset.qs.order_by("region__code", "number")
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.stations(stations), "polling-stations", _("Polling stations"))
    page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/station_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "import_form": import_form,
            "can_import": request.user.has_perm("events.add_pollingstation"),
        },
    )


@staff_required
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.view_pollingstation")
    station = get_object_or_404(PollingStation.objects.select_related("region"), pk=pk)
    _in_scope(request, station.region)
    form = AssignmentForm(request.POST or None, user=request.user)
    if request.method == "POST":
        _require(request, "events.add_assignment")
        if form.is_valid():
            try:
                services.assign(station=station, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors(request, exc, form)
            else:
                messages.success(request, _("The person was assigned to the station."))
                return redirect("events:station", pk)
    assignments = station.assignments.filter(ended_at__isnull=True).select_related(
        "person", "certificate__course", "organization"
    )
    return render(
        request,
        "events/station_detail.html",
        {
            "station": station,
            "assignments": assignments,
            "form": form,
            "can_assign": request.user.has_perm("events.add_assignment"),
            "today": timezone.localdate(),
        },
    )


@staff_required
@require_POST
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "events.change_assignment")
    assignment = get_object_or_404(Assignment.objects.select_related("station__region"), pk=pk)
    _in_scope(request, assignment.station.region)
    services.end_assignment(assignment=assignment, by=request.user)
    messages.success(request, _("The assignment was ended."))
    return redirect("events:station", assignment.station_id)


@staff_required
def coverage(request: HttpRequest) -> HttpResponse:
    _require(request, "events.view_assignment")
    regions = {region.code: region for region in Region.objects.all()}
    rows = [{**row, "region": regions[row["region__code"]]} for row in selectors.coverage_by_region(request.user)]
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.coverage(rows), "coverage", _("Coverage"))
    return render(
        request,
        "events/coverage.html",
        {
            "regions": rows,
            "uncertified": selectors.uncertified_assignments(request.user),
            "unaccredited": selectors.unaccredited_observers(request.user),
        },
    )


# --- Rules kept as data ---------------------------------------------------------------------------------------


@staff_required
def rules_page(request: HttpRequest) -> HttpResponse:
    """Show and edit the lead times, holidays, campaign period and policy (committee staff)."""
    _require(request, "events.view_noticerule")
    can_edit = request.user.has_perm("events.change_policy")
    forms = {
        "policy": PolicyForm(prefix="policy", instance=Policy.current()),
        "rule": NoticeRuleForm(prefix="rule"),
        "holiday": HolidayForm(prefix="holiday"),
        "campaign": CampaignForm(prefix="campaign", instance=Campaign.objects.filter(is_current=True).first()),
    }
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        which = request.POST.get("form")
        if which in forms:
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
            "campaigns": Campaign.objects.all(),
        },
    )
