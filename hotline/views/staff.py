"""Staff pages of the hotline: the case list and case work (integrity officer), phone intake (staff),
disclosure approvals (a second staff member) and anonymised statistics (committee staff)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coalition import audit
from coalition.access import require, staff_required
from coalition.forms import errors_to_form
from coalition.middleware import request_budget
from coalition.proxy import client_ip
from hotline import selectors, services
from hotline.filters import StaffReportFilterForm
from hotline.forms import (
    AnswerForm,
    CloseForm,
    DisclosureForm,
    ForwardForm,
    NoteForm,
    PolicyForm,
    RevealIdentityForm,
    StaffAddInformationForm,
    StaffReportForm,
    TriageForm,
)
from hotline.models import Evidence, Forwarding, HotlinePolicy, IdentityDisclosure, Report, ReporterIdentity
from hotline.views.public import evidence_budget


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request) or None  # the client's, not the proxy's (coalition.proxy)


def _case(request: HttpRequest, code: str, *perms: str) -> Report:
    require(request, "hotline.view_report", *perms)
    return get_object_or_404(Report, tracking_code=code)


@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    require(request, "hotline.view_report")
    filters = StaffReportFilterForm(request.GET or None)
    reports = selectors.reports_for_staff()
    if filters.is_valid():
        data = filters.cleaned_data
        reports = selectors.filter_cases(selectors.reports_for_staff(search=data["q"]), **data)
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "hotline/case_list.html", {"page": page, "filters": filters, "query": query.urlencode()})


@request_budget(max_bytes=evidence_budget)
@never_cache
@staff_required
def record(request: HttpRequest) -> HttpResponse:
    """Staff on the HQ line record a report for a caller; the receipt is read out to them once."""
    require(request, "hotline.add_report")
    form = StaffReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            receipt = services.submit_report(
                **form.report_fields(),
                files=form.cleaned_data["files"],
                identity=form.identity(),
                channel=form.cleaned_data["channel"],
                recorded_by=request.user,
            )
            messages.success(request, _("The report was recorded."))
            return render(request, "hotline/receipt.html", {"receipt": receipt, "public": False})
        messages.error(request, _("Please correct the errors below."))
    return render(request, "hotline/record.html", {"form": form})


def _detail_context(request: HttpRequest, report: Report, **forms) -> dict:
    user = request.user
    can_work = user.has_perm("hotline.change_report") and report.is_open
    can_forward = selectors.can_see_identity(user) and user.has_perm("hotline.add_forwarding") and report.is_open
    return {
        "case": report,
        "updates": report.updates.select_related("recorded_by").prefetch_related("evidence"),
        "evidence": report.evidence.filter(update__isnull=True),
        "notes": report.notes.select_related("author") if user.has_perm("hotline.view_casenote") else None,
        "forwardings": report.forwardings.select_related("agency", "created_by"),
        "disclosures": report.disclosures.select_related("agency", "requested_by", "approved_by"),
        "alerts": report.pattern_alerts.prefetch_related("reports"),
        "has_identity": ReporterIdentity.objects.filter(report=report).exists(),
        "can_see_identity": selectors.can_see_identity(user),
        "triage_form": forms.get("triage_form")
        or (
            TriageForm(
                report=report,
                initial={
                    "severity": report.severity or "medium",
                    "duplicate_of": report.duplicate_of.tracking_code if report.duplicate_of else "",
                },
            )
            if can_work
            else None
        ),
        "information_form": forms.get("information_form")
        or (StaffAddInformationForm() if user.has_perm("hotline.add_reportupdate") and report.is_open else None),
        "note_form": forms.get("note_form") or (NoteForm() if user.has_perm("hotline.add_casenote") else None),
        "forward_form": forms.get("forward_form") or (ForwardForm() if can_forward else None),
        "close_form": forms.get("close_form") or (CloseForm() if can_work else None),
        "reveal_form": RevealIdentityForm() if selectors.can_see_identity(user) else None,
        "disclosure_form": DisclosureForm() if selectors.can_see_identity(user) and report.is_open else None,
        "answer_form": AnswerForm() if user.has_perm("hotline.change_forwarding") else None,
    }


@staff_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    report = _case(request, code)
    return render(request, "hotline/detail.html", _detail_context(request, report))


def _invalid(request: HttpRequest, report: Report, **forms) -> HttpResponse:
    messages.error(request, _("Please correct the errors below."))
    return render(request, "hotline/detail.html", _detail_context(request, report, **forms), status=400)


@require_POST
@staff_required
def triage(request: HttpRequest, code: str) -> HttpResponse:
    report = _case(request, code, "hotline.change_report")
    form = TriageForm(request.POST, report=report)
    if not form.is_valid():
        return _invalid(request, report, triage_form=form)
    services.triage_report(
        report=report,
        severity=form.cleaned_data["severity"],
        duplicate_of=form.cleaned_data["duplicate_of"],
        by=request.user,
    )
    messages.success(request, _("The triage was saved."))
    return redirect("hotline:detail", code=code)


@request_budget(max_bytes=evidence_budget)
@require_POST
@staff_required
def add_information(request: HttpRequest, code: str) -> HttpResponse:
    """Append what the reporter told staff later (by phone, email or in person); the original stays as it was."""
    report = _case(request, code, "hotline.add_reportupdate")
    form = StaffAddInformationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, report, information_form=form)
    services.add_information(
        report=report,
        text=form.cleaned_data["text"],
        files=form.cleaned_data["files"],
        channel=form.cleaned_data["channel"],
        recorded_by=request.user,
    )
    messages.success(request, _("The information was added to the case."))
    return redirect("hotline:detail", code=code)


@require_POST
@staff_required
def add_note(request: HttpRequest, code: str) -> HttpResponse:
    report = _case(request, code, "hotline.add_casenote")
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, report, note_form=form)
    services.add_note(report=report, text=form.cleaned_data["text"], by=request.user)
    messages.success(request, _("The note was added."))
    return redirect("hotline:detail", code=code)


@never_cache
@require_POST
@staff_required
def reveal_identity(request: HttpRequest, code: str) -> HttpResponse:
    """Show the reporter's identity to the integrity officer, once per request, with the look logged."""
    report = _case(request, code)
    if not selectors.can_see_identity(request.user):
        raise PermissionDenied
    form = RevealIdentityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you need to see the reporter's identity."))
        return redirect("hotline:detail", code=code)
    identity = services.reveal_identity(
        report=report, user=request.user, reason=form.cleaned_data["reason"], ip_address=_client_ip(request)
    )
    return render(request, "hotline/identity.html", {"case": report, "identity": identity})


@require_POST
@staff_required
def forward(request: HttpRequest, code: str) -> HttpResponse:
    report = _case(request, code, "hotline.add_forwarding")
    if not selectors.can_see_identity(request.user):
        raise PermissionDenied
    form = ForwardForm(request.POST)
    if not form.is_valid():
        return _invalid(request, report, forward_form=form)
    try:
        forwarding = services.forward_report(
            report=report, by=request.user, ip_address=_client_ip(request), **form.cleaned_data
        )
    except ValidationError as exc:
        errors_to_form(form, exc)
        return _invalid(request, report, forward_form=form)
    messages.success(
        request,
        _("The case was forwarded to %(agency)s; letter № %(number)s was generated.")
        % {"agency": forwarding.agency, "number": forwarding.outgoing_number},
    )
    return redirect("hotline:detail", code=code)


@require_POST
@staff_required
def record_answer(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "hotline.view_report", "hotline.change_forwarding")
    forwarding = get_object_or_404(Forwarding.objects.select_related("report"), pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(str(message) for message in error))
        return redirect("hotline:detail", code=forwarding.report.tracking_code)
    services.record_agency_answer(forwarding=forwarding, by=request.user, **form.cleaned_data)
    messages.success(request, _("The agency's answer was recorded."))
    return redirect("hotline:detail", code=forwarding.report.tracking_code)


@require_POST
@staff_required
def close(request: HttpRequest, code: str) -> HttpResponse:
    report = _case(request, code, "hotline.change_report")
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _invalid(request, report, close_form=form)
    services.close_report(report=report, public_note=form.cleaned_data["public_note"], by=request.user)
    messages.success(request, _("The case was closed."))
    return redirect("hotline:detail", code=code)


@require_POST
@staff_required
def request_disclosure(request: HttpRequest, code: str) -> HttpResponse:
    report = _case(request, code, "hotline.add_identitydisclosure")
    form = DisclosureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the agency and state the legal basis."))
        return redirect("hotline:detail", code=code)
    services.request_disclosure(report=report, by=request.user, **form.cleaned_data)
    messages.success(request, _("The disclosure request awaits a second staff member's approval."))
    return redirect("hotline:detail", code=code)


@staff_required
def disclosures(request: HttpRequest) -> HttpResponse:
    """Pending disclosure requests, for the second staff member who approves them (identity never shown)."""
    require(request, "hotline.change_identitydisclosure")
    pending = IdentityDisclosure.objects.filter(approved_at__isnull=True).select_related(
        "report", "agency", "requested_by"
    )
    page = Paginator(pending, 25).get_page(request.GET.get("page"))
    return render(request, "hotline/disclosures.html", {"page": page})


@require_POST
@staff_required
def approve_disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "hotline.change_identitydisclosure")
    disclosure = get_object_or_404(IdentityDisclosure, pk=pk)
    try:
        services.approve_disclosure(disclosure=disclosure, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The disclosure was approved."))
    return redirect("hotline:disclosures")


def _private_file(field_file, content_type: str, filename: str) -> FileResponse:
    response = FileResponse(field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """Serve one evidence file as a download, to whoever may see the case; each download is audited."""
    require(request, "hotline.view_report", "hotline.view_evidence")
    evidence = get_object_or_404(Evidence.objects.select_related("report"), pk=pk)
    with transaction.atomic():
        audit.record(
            actor=request.user, action="hotline.evidence_downloaded", obj=evidence.report, data={"evidence": pk}
        )
    name = f"{evidence.report.tracking_code}-{evidence.pk}.{evidence.extension}"
    return _private_file(evidence.file, evidence.content_type, name)


@staff_required
def letter_file(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a forwarding letter; one that carries the identity goes to the integrity officer only."""
    require(request, "hotline.view_report", "hotline.view_forwarding")
    forwarding = get_object_or_404(Forwarding.objects.select_related("report"), pk=pk)
    if forwarding.includes_identity and not selectors.can_see_identity(request.user):
        raise PermissionDenied
    extension = "pdf" if forwarding.letter_content_type == "application/pdf" else "html"
    name = f"{forwarding.report.tracking_code}-{forwarding.outgoing_number}.{extension}".replace("/", "-")
    return _private_file(forwarding.letter, forwarding.letter_content_type, name)


@staff_required
def policy(request: HttpRequest) -> HttpResponse:
    """The hotline's rules as data: the version in force, earlier versions, and a form for a new version."""
    require(request, "hotline.view_hotlinepolicy")
    can_change = request.user.has_perm("hotline.change_hotlinepolicy")
    current = HotlinePolicy.current()
    form = None
    if can_change:
        initial = {field: getattr(current, field) for field in PolicyForm.Meta.fields} | {"valid_from": timezone.now()}
        form = PolicyForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            services.publish_policy(form_data=form.cleaned_data, by=request.user)
            messages.success(request, _("The new version of the hotline rules was saved."))
            return redirect("hotline:policy")
    elif request.method == "POST":
        raise PermissionDenied
    versions = HotlinePolicy.objects.all()[:20]
    return render(request, "hotline/policy.html", {"current": current, "versions": versions, "form": form})


@staff_required
def statistics(request: HttpRequest) -> HttpResponse:
    """Anonymised counts for committee staff: no case, no text, no identity."""
    require(request, "hotline.view_statistics")
    return render(request, "hotline/statistics.html", {"stats": selectors.statistics()})
