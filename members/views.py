"""Public pages of the members app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def join(request: HttpRequest) -> HttpResponse:
    """The public self-registration page for organizations (the form arrives with the members issue)."""
    return render(request, "members/join.html")
