"""Public pages of the hotline: file a report, get a receipt, check the status and add information.

No account is needed and no IP address, user agent or session is stored with a report: the rate limits keep only
short-lived counters in the cache, keyed by an HMAC of the address under SECRET_KEY (django-ratelimit,
coalition.proxy). These pages set no cookie at all; their POSTs carry signed tokens instead of Django's CSRF cookie
(see hotline.intake).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from coalition.middleware import request_budget
from coalition.views import ratelimited
from hotline import intake, selectors, services
from hotline.forms import AddInformationForm, ReceiptForm, ReportForm
from hotline.models import HotlinePolicy, Report


def public_rate(group: str, request: HttpRequest) -> str:
    """The rate limit of the public hotline forms (``HOTLINE_RATE`` in settings; 10 posts an hour by default)."""
    return getattr(settings, "HOTLINE_RATE", "10/h")


def evidence_budget() -> int:
    """The largest body a public hotline POST may have: every evidence file the policy allows, plus 1 MB of text."""
    policy = HotlinePolicy.current()
    return (policy.max_files * policy.max_file_mb + 1) * 1024 * 1024


def rate_limited(group: str, *, max_bytes=None):
    """Limit POSTs per client address (429) and their size (413), both checked before the body is read.

    coalition.middleware.RequestBudgetMiddleware enforces the declared budget ahead of every middleware that reads
    request.POST; the wrapper counts only when that middleware did not run (a view called on its own).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not hasattr(request, "limited"):
                # django_ratelimit's convention: the verdict rides on the request, which HttpRequest does not declare.
                request.limited = is_ratelimited(  # type: ignore[attr-defined]
                    request, group=group, key="ip", rate=public_rate, method="POST", increment=True
                )
            if getattr(request, "limited", False):
                return ratelimited(request)
            return view(request, *args, **kwargs)

        return request_budget(max_bytes=max_bytes, rate=public_rate, group=group)(wrapper)

    return decorator


def _refused(request: HttpRequest, back: str) -> HttpResponse:
    """A POST without a valid form token: nothing is stored, and the reporter is told why and what to do."""
    return render(
        request,
        "hotline/token_refused.html",
        {
            "message": _(
                "This form has expired or did not come from this site, so nothing was saved. "
                "Please open the form again and send it once more."
            ),
            "back": back,
        },
        status=400,
    )


@login_not_required
@intake.private_intake
@rate_limited("hotline:report", max_bytes=evidence_budget)
def report(request: HttpRequest) -> HttpResponse:
    """The report form; on success the receipt is shown in the response itself, once, and stored nowhere."""
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not intake.form_token_valid(request.POST.get(intake.FORM_FIELD)):
            return _refused(request, "hotline:report")
        if form.is_bot:
            return render(request, "hotline/rejected.html", status=400)
        if form.is_valid():
            receipt = services.submit_report(
                **form.report_fields(), files=form.cleaned_data["files"], identity=form.identity()
            )
            return render(request, "hotline/receipt.html", {"receipt": receipt, "public": True})
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "hotline/report_form.html",
        {"form": form, "policy": HotlinePolicy.current(), "intake_token": intake.issue_form_token()},
    )


def _status_form(request: HttpRequest, form: ReceiptForm, status: int = 200) -> HttpResponse:
    return render(
        request, "hotline/status_form.html", {"form": form, "intake_token": intake.issue_form_token()}, status=status
    )


def _status_page(request: HttpRequest, case: Report, form: AddInformationForm | None = None) -> HttpResponse:
    return render(
        request,
        "hotline/status.html",
        {
            "case": case,
            "forwardings": selectors.public_timeline(case),
            "updates": list(case.updates.all()),
            "form": form or AddInformationForm(),
            "case_token": intake.issue_case_token(case),
        },
    )


@login_not_required
@intake.private_intake
@rate_limited("hotline:status")
def status(request: HttpRequest) -> HttpResponse:
    """Check a report with its receipt; a wrong code and a wrong secret get the same answer.

    The status is shown in the answer to the POST itself: no session remembers the report.
    """
    if request.method != "POST":
        return _status_form(request, ReceiptForm())
    if not intake.form_token_valid(request.POST.get(intake.FORM_FIELD)):
        return _refused(request, "hotline:status")
    form = ReceiptForm(request.POST)
    if form.is_valid():
        found = selectors.report_for_receipt(code=form.cleaned_data["code"], secret=form.cleaned_data["secret"])
        if found is not None:
            return _status_page(request, Report.objects.select_related("region").get(pk=found.pk))
        form.add_error(None, _("No report matches this tracking code and secret."))
    return _status_form(request, form)


@login_not_required
@require_POST
@intake.private_intake
@rate_limited("hotline:add", max_bytes=evidence_budget)
def status_add(request: HttpRequest) -> HttpResponse:
    """Append information (and files) to the report opened with the receipt (named by the signed case token)."""
    pk = intake.case_pk(request.POST.get(intake.CASE_FIELD))
    case = Report.objects.select_related("region").filter(pk=pk).first() if pk else None
    if case is None:
        messages.error(request, _("This page has expired, so nothing was added. Enter your receipt again."))
        return _status_form(request, ReceiptForm(), status=400)
    form = AddInformationForm(request.POST, request.FILES)
    if form.is_valid():
        services.add_information(report=case, text=form.cleaned_data["text"], files=form.cleaned_data["files"])
        messages.success(request, _("Thank you. Your information was added to the report."))
        return _status_page(request, case)
    messages.error(request, _("Please correct the errors below."))
    return _status_page(request, case, form)


@login_not_required
@require_POST
@intake.private_intake
def status_leave(request: HttpRequest) -> HttpResponse:
    """Leave the status page (nothing is kept on the server or in the browser to forget)."""
    messages.info(request, _("You have closed the report. Keep your receipt to check it again."))
    return _status_form(request, ReceiptForm())
