"""Coalition-wide pages: the page shown when a rate limit refuses a request."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "429.html",
        {"message": _("Too many requests from your address. Please wait a few minutes and try again.")},
        status=429,
    )
