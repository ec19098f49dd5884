"""Mounted at /api/v1/ by the root URLconf.

The operations are public to LoginRequiredMiddleware (the device token in the Authorization header is their key;
the API answers 401 itself), and each declares its request budget for RequestBudgetMiddleware, which refuses a body
over it (413) before anything reads it. The schema and the docs stay behind the staff login.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from coalition.middleware import RequestBudget
from electionday.api.v1 import api
from electionday.services.attachments import MAX_PHOTO_BYTES, MAX_VIDEO_BYTES

_MB = 1024 * 1024
# The phone shrinks photos to a few hundred kB; these are ceilings, not expectations.
BUDGETS = {
    "submissions": 4 * MAX_PHOTO_BYTES + _MB,
    "incidents": MAX_VIDEO_BYTES + 2 * MAX_PHOTO_BYTES + _MB,
    "protocols": MAX_PHOTO_BYTES + _MB,
}
_OPERATIONS = {"me", "checklists", "incident_categories", "severities", *BUDGETS}


def _patterns() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name in _OPERATIONS:
            view = pattern.callback
            view.login_required = False  # type: ignore[attr-defined]  # what @login_not_required sets
            if pattern.name in BUDGETS:
                view.request_budget = RequestBudget(max_bytes=BUDGETS[pattern.name])  # type: ignore[attr-defined]
    return patterns, app_name, namespace


urlpatterns, _app, _namespace = _patterns()
app_name = _namespace  # "api-v1": the namespace NinjaAPI reverses its schema and docs URLs in
