"""Public pages of the hotline: file a report, get a receipt, check the status and add information.

No account is needed and no IP address is stored with a report: the rate limits keep only short-lived
counters in the cache, keyed by a hash of the address (django-ratelimit).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from coalition.hotline import selectors, services
from coalition.hotline.forms import AddInformationForm, ReceiptForm, ReportForm
from coalition.hotline.models import HotlinePolicy, Report
from coalition.views import ratelimited

SESSION_KEY = "hotline_case"
SESSION_SECONDS = 30 * 60


def public_rate(group: str, request: HttpRequest) -> str:
    """The rate limit of the public hotline forms (``HOTLINE_RATE`` in settings; 10 posts an hour by default)."""
    return getattr(settings, "HOTLINE_RATE", "10/h")


def rate_limited(group: str):
    """Limit POSTs per client address and answer 429 (the counter is a short-lived hashed cache key)."""

    def decorator(view):
        @wraps(view)
        @ratelimit(key="ip", rate=public_rate, method="POST", block=False, group=group)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if getattr(request, "limited", False):
                return ratelimited(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@login_not_required
@never_cache
@rate_limited("hotline:report")
def report(request: HttpRequest) -> HttpResponse:
    """The report form; on success the receipt is shown in the response itself, once, and stored nowhere."""
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_bot:
            return render(request, "hotline/rejected.html", status=400)
        if form.is_valid():
            receipt = services.submit_report(
                **form.report_fields(), files=form.cleaned_data["files"], identity=form.identity()
            )
            return render(request, "hotline/receipt.html", {"receipt": receipt, "public": True})
        messages.error(request, _("Please correct the errors below."))
    return render(request, "hotline/report_form.html", {"form": form, "policy": HotlinePolicy.current()})


def _case_in_session(request: HttpRequest) -> Report | None:
    pk = request.session.get(SESSION_KEY)
    return Report.objects.select_related("region").filter(pk=pk).first() if pk else None


@login_not_required
@never_cache
@rate_limited("hotline:status")
def status(request: HttpRequest) -> HttpResponse:
    """Check a report with its receipt; a wrong code and a wrong secret get the same answer."""
    if request.method == "POST":
        form = ReceiptForm(request.POST)
        if form.is_valid():
            found = selectors.report_for_receipt(code=form.cleaned_data["code"], secret=form.cleaned_data["secret"])
            if found is not None:
                request.session.cycle_key()
                request.session[SESSION_KEY] = found.pk
                request.session.set_expiry(SESSION_SECONDS)
                return redirect("hotline:status")
            form.add_error(None, _("No report matches this tracking code and secret."))
        return render(request, "hotline/status_form.html", {"form": form})
    case = _case_in_session(request)
    if case is None:
        return render(request, "hotline/status_form.html", {"form": ReceiptForm()})
    return render(
        request,
        "hotline/status.html",
        {
            "case": case,
            "forwardings": selectors.public_timeline(case),
            "updates": list(case.updates.all()),
            "form": AddInformationForm(),
        },
    )


@login_not_required
@require_POST
@rate_limited("hotline:add")
def status_add(request: HttpRequest) -> HttpResponse:
    """Append information (and files) to the report opened with the receipt."""
    case = _case_in_session(request)
    if case is None:
        return redirect("hotline:status")
    form = AddInformationForm(request.POST, request.FILES)
    if form.is_valid():
        services.add_information(report=case, text=form.cleaned_data["text"], files=form.cleaned_data["files"])
        messages.success(request, _("Thank you. Your information was added to the report."))
        return redirect("hotline:status")
    messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "hotline/status.html",
        {
            "case": case,
            "forwardings": selectors.public_timeline(case),
            "updates": list(case.updates.all()),
            "form": form,
        },
    )


@login_not_required
@require_POST
def status_leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("You have closed the report. Keep your receipt to check it again."))
    return redirect("hotline:status")
