"""Public pages: the application form, its confirmation, and the list of members."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from coalition.views import ratelimited
from members import selectors, services
from members.forms import CONSENT_TEXT, ApplicationForm
from members.models import Organization

SESSION_KEY = "members_application"


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="10/h", method="POST", block=False)
def join(request: HttpRequest) -> HttpResponse:
    """The public application form of an organization that wants to join the coalition."""
    if getattr(request, "limited", False):
        return ratelimited(request)
    language = (get_language() or "ru")[:2]
    form = ApplicationForm(request.POST or None, language=language)
    # A valid form always carries its application (ApplicationForm.clean builds it when nothing is wrong).
    if request.method == "POST" and form.is_valid() and form.application is not None:
        try:
            organization = services.submit_application(application=form.application)
        except ValidationError as exc:  # a race the form could not see: the same BIN a moment earlier
            form.add_error(None, exc)
        else:
            request.session[SESSION_KEY] = organization.pk
            return redirect("members:join_done")
    return render(request, "members/join.html", {"form": form, "consent_text": CONSENT_TEXT})


@login_not_required
def join_done(request: HttpRequest) -> HttpResponse:
    """The confirmation page: the application number (only to the browser that sent the application)."""
    pk = request.session.get(SESSION_KEY)
    organization = Organization.objects.filter(pk=pk).first() if pk else None
    if organization is None:
        return redirect("members:join")
    return render(request, "members/join_done.html", {"organization": organization})


@login_not_required
def member_list(request: HttpRequest) -> HttpResponse:
    """The public list of admitted organizations and the statements of support approved for publication."""
    page = Paginator(selectors.public_members(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "members/public_list.html",
        {"page": page, "statements": selectors.published_statements()[:20]},
    )
