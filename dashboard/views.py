"""The staff dashboard, where login lands."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from coalition.access import scoped_region, staff_required
from coalition.roles import is_staff_member
from dashboard import panels


def home(request: HttpRequest) -> HttpResponse:
    """Where login lands: the dashboard for staff, the member portal for an organization's representative."""
    user = request.user
    if user.is_authenticated and not is_staff_member(user) and getattr(user, "person", None) is not None:
        return redirect("portal:home")
    return dashboard(request)


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The HQ at a glance: the panels the user's permissions allow, for the period and region in the URL."""
    context = panels.build(request, scope=scoped_region(request.user))
    for warning in context["warnings"]:
        messages.warning(request, warning)
    return render(request, "dashboard/dashboard.html", context)
