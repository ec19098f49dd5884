"""Finance officers' pages of the election fund (read for finance officers; writes need the model permission).

Other staff roles get 403; auditors are sent to /audit/ and may download the compliance reports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Field
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coalition.access import require, staff_required
from coalition.forms import errors_to_form
from coalition.middleware import request_budget
from donations import reports, selectors, services, tasks
from donations.filters import DonationFilter, DonorFilter, RefundFilter
from donations.forms import (
    CorrectionForm,
    DonorForm,
    ElectionForm,
    ManualEntryForm,
    RefundPaymentForm,
    RuleVersionForm,
    StatementUploadForm,
)
from donations.models import (
    CoercionAlert,
    ComplianceReport,
    Correction,
    Donation,
    Donor,
    Election,
    Refund,
    RuleVersion,
    StatementImport,
)
from donations.parsing import FileRefused

PAGE_SIZE = 50


def finance_required(view):
    """Let in finance officers (and superusers): staff_required, then the fund's view permission."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require(request, "donations.view_donation")
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, queryset, *, count: int | None = None):
    """Return the requested page of ``queryset``; ``count`` (when given) says how many rows it has, so the
    paginator reads it instead of running COUNT(*) over the whole list."""
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached property: this is the value it keeps
    return paginator.get_page(request.GET.get("page"))


def _unfiltered(filterset) -> bool:
    """Whether ``filterset`` narrows nothing, so its list is the whole election's (counted by the fund's tallies)."""
    return filterset.is_valid() and not any(filterset.form.cleaned_data.values())


def _election(slug: str) -> Election:
    return get_object_or_404(Election, slug=slug)


# --- Elections and rules ----------------------------------------------------------------------------------------


@finance_required
def index(request: HttpRequest) -> HttpResponse:
    election = selectors.default_election()
    if election is None:
        return redirect("donations:elections")
    return redirect("donations:overview", slug=election.slug)


@finance_required
def elections(request: HttpRequest) -> HttpResponse:
    return render(request, "donations/elections.html", {"elections": Election.objects.all()})


@finance_required
def election_create(request: HttpRequest) -> HttpResponse:
    require(request, "coalition.add_election")
    form = ElectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        election = services.create_election(
            slug=data["slug"],
            name=data["name"],
            kind=data["kind"],
            candidate_iin=data["candidate_iin"],
            association_bin=data["association_bin"],
            rule_values=services.default_rule_values(
                fund_opens_on=data["fund_opens_on"], fund_closes_on=data["fund_closes_on"]
            ),
            created_by=request.user,
        )
        messages.success(request, _("Election created with the default rules of the election law."))
        return redirect("donations:overview", slug=election.slug)
    return render(request, "donations/election_form.html", {"form": form})


@finance_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug)
    version = selectors.current_rule_version(election)
    context = {
        "election": election,
        "version": version,
        "totals": selectors.fund_totals(election),
        "caps": selectors.cap_use(election, version),
        "due": selectors.actions_due(election),
        "verdicts": selectors.verdict_totals(election),
        "alerts": selectors.alerts(election).filter(reviewed_at__isnull=True).count(),
        "formats": reports.FORMATS,
    }
    return render(request, "donations/overview.html", context)


@finance_required
def rule_versions(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug)
    versions = election.rule_versions.select_related("created_by").order_by("-number")
    return render(request, "donations/rules.html", {"election": election, "versions": versions})


@finance_required
def rule_version_create(request: HttpRequest, slug: str) -> HttpResponse:
    require(request, "donations.add_ruleversion")
    election = _election(slug)
    current = selectors.current_rule_version(election)
    form = RuleVersionForm(
        request.POST or None,
        instance=None,
        initial=_initial_rules(current),
        prohibited=current.prohibited if current else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.add_rule_version(election=election, values=form.rule_values(), created_by=request.user)
        except ValidationError as exc:
            _add_rule_errors(form, exc)
        else:
            messages.success(request, _("Rule version %(number)d is in force.") % {"number": version.number})
            return redirect("donations:rules", slug=election.slug)
    return render(request, "donations/rule_form.html", {"election": election, "form": form, "current": current})


def _add_rule_errors(form: RuleVersionForm, exc: ValidationError) -> None:
    """Show the rule version's validation errors on the form.

    The model's errors may name a field the form edits otherwise (``prohibited`` is one select per category): those
    go to the top of the form with the field's name (form.add_error refuses a field the form lacks: it was a 500).
    """
    errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for name, error_list in errors.items():
        if name in (None, NON_FIELD_ERRORS) or name in form.fields:
            form.add_error(name, error_list)
            continue
        field = RuleVersion._meta.get_field(name)
        label = field.verbose_name if isinstance(field, Field) else name
        for error in ValidationError(error_list).messages:
            form.add_error(None, _("%(field)s: %(error)s") % {"field": label, "error": error})


def _initial_rules(version) -> dict:
    if version is None:
        return {}
    return {name: getattr(version, name) for name in RuleVersionForm.Meta.fields}


# --- Donor registry ---------------------------------------------------------------------------------------------


@finance_required
def donors(request: HttpRequest) -> HttpResponse:
    donor_filter = DonorFilter(request.GET, queryset=selectors.donors())
    return render(request, "donations/donors.html", {"filter": donor_filter, "page": _page(request, donor_filter.qs)})


@finance_required
def donor_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    donor = get_object_or_404(Donor, pk=pk) if pk else None
    require(request, "donations.change_donor" if donor else "donations.add_donor")
    form = DonorForm(request.POST or None, instance=donor)
    if request.method == "POST" and form.is_valid():
        services.save_donor(donor=form.save(commit=False), changed_by=request.user)
        messages.success(request, _("The donor registry was updated."))
        return redirect("donations:donors")
    return render(request, "donations/donor_form.html", {"form": form, "donor": donor})


# --- Intake -----------------------------------------------------------------------------------------------------


@finance_required
def donations(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug)
    donation_filter = DonationFilter(request.GET, queryset=selectors.donations(election))
    return render(
        request,
        "donations/donations.html",
        {
            "election": election,
            "filter": donation_filter,
            "page": _page(
                request,
                donation_filter.qs,
                count=selectors.donation_count(election) if _unfiltered(donation_filter) else None,
            ),
        },
    )


@finance_required
def donation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        donation = selectors.donation_detail(pk)
    except Donation.DoesNotExist as exc:
        raise Http404 from exc
    context = {
        "donation": donation,
        "election": donation.election,
        "decisions": selectors.decisions_of(donation),
        "refunds": donation.refunds.all(),
        "ledger": donation.ledger.order_by("id"),
    }
    return render(request, "donations/donation_detail.html", context)


@finance_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "donations.change_donation")
    donation = get_object_or_404(Donation, pk=pk)
    try:
        decision = services.release_hold(donation=donation, released_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The rules were run again: %(verdict)s.") % {"verdict": decision.get_verdict_display()}
        )
    return redirect("donations:donation", pk=donation.pk)


@finance_required
def manual_entry(request: HttpRequest, slug: str) -> HttpResponse:
    """Enter one payment by hand; the page shows the donor's status and headroom first ("Check", or live by JS)."""
    require(request, "donations.add_donation")
    election = _election(slug)
    form = ManualEntryForm(request.POST or None)
    status = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        status = selectors.payer_status(election, data["payer_id"].strip())
        if "save" in request.POST:
            try:
                donation = services.record_donation(
                    election=election,
                    incoming=services.Incoming(
                        bank_reference=data["bank_reference"].strip(),
                        received_on=data["received_on"],
                        amount=data["amount"],
                        payer_id=data["payer_id"].strip(),
                        payer_name=data["payer_name"].strip(),
                        payer_kind=data["payer_kind"],
                        payer_citizenship=data["payer_citizenship"].strip().upper(),
                        purpose=data["purpose"].strip(),
                    ),
                    entered_by=request.user,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if donation is None:
                    form.add_error("bank_reference", _("A payment with this bank reference is already in the ledger."))
                else:
                    messages.success(
                        request,
                        _("Recorded: %(verdict)s.") % {"verdict": donation.get_verdict_display()},
                    )
                    return redirect("donations:donation", pk=donation.pk)
    return render(request, "donations/entry.html", {"election": election, "form": form, "status": status})


@finance_required
@require_GET
def payer_status(request: HttpRequest, slug: str) -> JsonResponse:
    """The donor's status and the fund's headroom for the manual entry form (JSON, amounts as strings)."""
    election = _election(slug)
    payer_id = request.GET.get("payer_id", "").strip()[:12]
    status = selectors.payer_status(election, payer_id)
    return JsonResponse(
        {
            key: str(value) if value is not None and key.startswith(("headroom", "given")) else value
            for key, value in status.items()
        }
    )


@request_budget(max_bytes=21 * 1024 * 1024)  # StatementUploadForm takes up to 20 MB
@finance_required
def statement_upload(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug)
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require(request, "donations.add_statementimport")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                statement = services.create_statement_import(
                    election=election, file_name=upload.name, content=upload.read(), uploaded_by=request.user
                )
            except FileRefused as exc:
                form.add_error("file", str(exc))
            else:
                # Under Django, Celery's task class is DjangoTask (delay_on_commit); the stub of shared_task says Task.
                tasks.import_statement.delay_on_commit(statement.pk)  # type: ignore[attr-defined]
                messages.success(request, _("The statement was accepted; the import runs now."))
                return redirect("donations:import", pk=statement.pk)
    return render(
        request,
        "donations/import.html",
        {"election": election, "form": form, "page": _page(request, selectors.imports(election))},
    )


@finance_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(StatementImport.objects.select_related("election").defer("content"), pk=pk)
    return render(request, "donations/import_detail.html", {"statement": statement, "election": statement.election})


@finance_required
@require_GET
def statement_progress(request: HttpRequest, pk: int) -> JsonResponse:
    statement = get_object_or_404(StatementImport.objects.defer("content"), pk=pk)
    return JsonResponse(
        {
            "status": statement.status,
            "status_label": statement.get_status_display(),
            "percent": statement.percent,
            "processed": statement.processed_rows,
            "total": statement.total_rows,
            "summary": statement.summary,
        }
    )


# --- Returns, corrections, ledger, alerts -----------------------------------------------------------------------


@finance_required
def refunds(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug)
    refund_filter = RefundFilter(request.GET, queryset=selectors.refunds(election))
    return render(
        request,
        "donations/refunds.html",
        {
            "election": election,
            "filter": refund_filter,
            "page": _page(
                request,
                refund_filter.qs,
                count=selectors.refund_count(election) if _unfiltered(refund_filter) else None,
            ),
            "today": timezone.localdate(),
            "due": selectors.actions_due(election),
        },
    )


@finance_required
def refund_pay(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "donations.change_refund")
    refund = get_object_or_404(Refund.objects.select_related("donation__election"), pk=pk)
    form = RefundPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_refund_payment(refund=refund, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The payment was recorded; the item is closed."))
            return redirect("donations:refunds", slug=refund.donation.election.slug)
    return render(
        request,
        "donations/refund_form.html",
        {"refund": refund, "form": form, "election": refund.donation.election, "today": timezone.localdate()},
    )


@finance_required
def correction(request: HttpRequest, slug: str) -> HttpResponse:
    """Propose a correction; it takes effect when another finance officer approves it."""
    require(request, "donations.add_correction")
    election = _election(slug)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_correction(election=election, proposed_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("The correction was proposed; it takes effect when another finance officer approves it.")
            )
            return redirect("donations:corrections", slug=election.slug)
    return render(request, "donations/correction_form.html", {"election": election, "form": form})


@finance_required
def corrections(request: HttpRequest, slug: str) -> HttpResponse:
    """The corrections: those awaiting a second finance officer first, with approve and reject."""
    election = _election(slug)
    return render(
        request,
        "donations/corrections.html",
        {
            "election": election,
            "page": _page(request, selectors.corrections(election)),
            "can_decide": request.user.has_perm(services.corrections.APPROVE_PERMISSION),
        },
    )


@finance_required
@require_POST
def correction_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Approve or reject a correction another finance officer proposed."""
    require(request, services.corrections.APPROVE_PERMISSION)
    correction = get_object_or_404(Correction.objects.select_related("election"), pk=pk)
    deciders: dict[str, Callable[..., Correction]] = {
        "approve": services.approve_correction,
        "reject": services.reject_correction,
    }
    decide = deciders[decision]
    actor = {"approve": "approved_by", "reject": "rejected_by"}[decision]
    try:
        decide(correction=correction, **{actor: request.user})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if decision == "approve":
            messages.success(request, _("The correction was approved and added to the ledger."))
        else:
            messages.success(request, _("The correction was rejected."))
    return redirect("donations:corrections", slug=correction.election.slug)


@finance_required
def ledger(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(slug)
    return render(
        request,
        "donations/ledger.html",
        {
            "election": election,
            "page": _page(request, selectors.ledger(election), count=selectors.ledger_count(election)),
        },
    )


@staff_required
def alerts_index(request: HttpRequest) -> HttpResponse:
    require(request, "donations.view_coercionalert")
    election = selectors.default_election()
    if election is None:
        raise Http404
    return redirect("donations:alerts", slug=election.slug)


@staff_required
def alerts(request: HttpRequest, slug: str) -> HttpResponse:
    require(request, "donations.view_coercionalert")
    election = _election(slug)
    return render(
        request, "donations/alerts.html", {"election": election, "page": _page(request, selectors.alerts(election))}
    )


@staff_required
@require_POST
def alert_review(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "donations.change_coercionalert")
    alert = get_object_or_404(CoercionAlert.objects.select_related("election"), pk=pk)
    services.mark_alert_reviewed(alert=alert, reviewed_by=request.user)
    messages.success(request, _("The alert was marked as reviewed."))
    return redirect("donations:alerts", slug=alert.election.slug)


# --- Reports (finance officers and auditors) --------------------------------------------------------------------


def report_access(view):
    """Let in whoever may read compliance reports: finance officers, auditors, superusers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        require(request, "donations.view_compliancereport")
        return view(request, *args, **kwargs)

    return wrapper


@report_access
@require_GET
def compliance_report(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in reports.FORMATS:
        raise Http404
    election = _election(slug)
    content = reports.report_bytes(election, fmt)
    response = HttpResponse(content, content_type=reports.CONTENT_TYPES[fmt])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{election.slug}-compliance-{stamp}.{fmt}"'
    return response


@report_access
@require_GET
def filed_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(ComplianceReport.objects.select_related("election"), pk=pk)
    response = HttpResponse(
        bytes(report.content), content_type=reports.CONTENT_TYPES.get(report.format, "application/octet-stream")
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{report.election.slug}-compliance-{report.report_date.isoformat()}.{report.format}"'
    )
    response["X-Content-SHA256"] = report.sha256
    return response


@report_access
@require_GET
def auditor_pack(request: HttpRequest, slug: str, day: str) -> HttpResponse:
    """The reports filed on one day, zipped with a manifest of their SHA-256."""
    election = _election(slug)
    try:
        report_date = date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    content = reports.auditor_pack(election, report_date)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{election.slug}-audit-pack-{report_date.isoformat()}.zip"'
    return response
