"""The observer's installable offline app (/observer/): the shell, its service worker and its manifest.

All three are public: the page holds no personal data and no per-session token (it is cached on the phone and
served offline), and everything personal comes from the API with the device token kept in IndexedDB.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coalition.middleware import request_budget
from electionday.models import IncidentCategory, Severity

# Bump to make every phone drop its cached copy of the app even when no static file changed.
APP_VERSION = "1"
# Cheap pages, but public: a phone asks for them a few times an hour at most.
RATE = "120/m"

ASSETS = (
    "vendor/bootstrap-5.3.8/css/bootstrap.min.css",
    "vendor/bootstrap-icons-1.13.2/font/bootstrap-icons.min.css",
    "vendor/bootstrap-icons-1.13.2/font/fonts/bootstrap-icons.woff2",
    "vendor/idb-keyval-6.3.0/umd.js",
    "electionday/observer.css",
    "electionday/observer.js",
    "electionday/icons/icon-192.png",
    "electionday/icons/icon-512.png",
)
ICON_SIZES = (192, 512)


def asset_urls() -> list[str]:
    """Return the URLs of the files the app needs offline (hashed names in production)."""
    return [static(path) for path in ASSETS]


def _version() -> str:
    digest = hashlib.sha256(APP_VERSION.encode())
    for path in ASSETS:
        digest.update(static(path).encode())
        found = finders.find(path)
        if isinstance(found, str):
            with open(found, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()[:16]


_cached_version = lru_cache(maxsize=1)(_version)


def app_version() -> str:
    """Return the version the service worker's cache is named by: it changes whenever an asset does."""
    return _version() if settings.DEBUG else _cached_version()


def ui_strings() -> dict[str, str]:
    """Return the app's words in the active language (the JavaScript has none of its own)."""
    return {
        "app_title": _("Observer"),
        "loading": _("Loading…"),
        "online": _("Online"),
        "offline": _("Offline: everything you save is kept on this phone and sent later."),
        "not_signed_in": _(
            "This phone is not signed in. Open the personal link the HQ sent you by SMS or e-mail on this phone."
        ),
        "signed_out": _(
            "This phone is no longer signed in. What you saved stays on the phone; ask your coordinator for a new link."
        ),
        "no_assignment": _("You have no active assignment. Ask your coordinator."),
        "no_data_offline": _("No data yet: connect to the internet once to load your station and forms."),
        "station": _("Polling station No. %(number)s"),
        "election": _("Election"),
        "election_day": _("Election day"),
        "hours": _("Polls open %(opens)s–%(closes)s"),
        "role_observer": _("Observer"),
        "role_proxy": _("Trusted representative"),
        "forms": _("Forms"),
        "due": _("due by %(time)s"),
        "incident": _("Report an incident"),
        "protocol": _("Protocol of the count"),
        "back": _("Back"),
        "save": _("Save and send"),
        "saved": _("Saved. It will be sent as soon as there is a connection."),
        "required": _("Required"),
        "fix_errors": _("Please fill in the marked fields."),
        "yes": _("Yes"),
        "no": _("No"),
        "photo_ready": _("Photo ready (%(size)s KB)"),
        "photos_ready": _("%(count)s file(s) ready (%(size)s KB)"),
        "photo_failed": _("This file could not be read as a photo."),
        "queue": _("Sending"),
        "waiting": _("Waiting"),
        "sent": _("Sent"),
        "failed": _("Failed"),
        "send_now": _("Send now"),
        "last_sent": _("Last sent at %(time)s"),
        "retry": _("Try again"),
        "remove": _("Remove"),
        "remove_confirm": _("Remove this report from the phone? It has not reached the HQ."),
        "status_sent": _("sent"),
        "status_waiting": _("waiting to be sent"),
        "category": _("Category"),
        "severity": _("Severity"),
        "occurred_at": _("Time"),
        "what_happened": _("What happened"),
        "photos": _("Photos or video"),
        "protocol_photo": _("Photo of the signed and sealed copy of the protocol"),
        "line_voters": _("Voters on the lists"),
        "line_received": _("Ballots received"),
        "line_issued": _("Ballots issued"),
        "line_cancelled": _("Ballots cancelled (unused)"),
        "line_in_boxes": _("Ballots found in the boxes"),
        "line_invalid": _("Invalid ballots"),
        "line_against_all": _("Against all"),
        "votes_for": _("Votes per candidate"),
        "whole_number": _("Enter a whole number, 0 or more."),
        "checks_failed": _("The numbers do not add up:"),
        "check_received_balance": _("Ballots received ≠ ballots issued + ballots cancelled."),
        "check_issued_over_list": _("More ballots issued than voters on the lists."),
        "check_boxes_over_issued": _("More ballots found in the boxes than ballots issued."),
        "check_boxes_balance": _(
            "Ballots found in the boxes ≠ invalid ballots + against all + the votes for all candidates."
        ),
        "confirm_paper": _("I have checked: the paper copy of the protocol says exactly this."),
        "confirm_paper_needed": _("Check the numbers against the paper copy and confirm, or correct them."),
        "language": _("Language"),
        "change": _("Change"),
        "server_error": _("The server refused this report: %(message)s"),
    }


@login_not_required
@request_budget(rate=RATE, method="GET")
@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The app shell: the same page for everyone; the phone fills it from its IndexedDB and the API."""
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        config = {
            "lang": language,
            "version": app_version(),
            "api": "/api/v1/",
            "sw": reverse("electionday:observer_sw") + "?v=" + app_version(),
            "scope": reverse("electionday:observer"),
            "strings": ui_strings(),
            "categories": [{"code": code, "label": str(label)} for code, label in IncidentCategory.choices],
            "severities": [{"code": code, "label": str(label)} for code, label in Severity.choices],
        }
        response = render(request, "electionday/observer/app.html", {"config": config, "app_language": language})
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
@request_budget(rate=RATE, method="GET")
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker: caches the shell and its files (named by the app's version), passes the API through."""
    script = render(
        request,
        "electionday/observer/sw.js",
        {
            "sw_config": json.dumps(
                {
                    "version": app_version(),
                    "shell": reverse("electionday:observer"),
                    "assets": asset_urls(),
                    "api": "/api/v1/",
                }
            )
        },
        content_type="application/javascript; charset=utf-8",
    )
    script["Service-Worker-Allowed"] = reverse("electionday:observer")
    script["Cache-Control"] = "no-cache"
    return script


@login_not_required
@request_budget(rate=RATE, method="GET")
@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installable, standalone, scoped to /observer/."""
    scope = reverse("electionday:observer")
    response = JsonResponse(
        {
            "name": _("Observer · %(name)s") % {"name": settings.COALITION_NAME},
            "short_name": _("Observer"),
            "description": _("Reports from the polling station on election day, online or offline."),
            "lang": translation.get_language() or settings.LANGUAGE_CODE,
            "start_url": scope,
            "scope": scope,
            "id": scope,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b3b75",
            "icons": [
                {
                    "src": static(f"electionday/icons/icon-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any maskable",
                }
                for size in ICON_SIZES
            ],
        },
        json_dumps_params={"ensure_ascii": False},
        content_type="application/manifest+json",
    )
    response["Cache-Control"] = "no-cache"
    return response
