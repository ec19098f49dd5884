"""Deny by default: LoginRequiredMiddleware sends anonymous users to login everywhere except the listed public views.

A view marked @login_not_required that is not in PUBLIC fails here, and so does any URL that answers an anonymous
user with anything but a redirect to the login page (GET and POST). Adding a public page means adding it to PUBLIC
(and to docs/security.md) on purpose.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.security.urlmap import routes

pytestmark = pytest.mark.django_db

PUBLIC = {
    # Django's own: the login form, and the language switcher shown on every public page.
    "login",
    "set_language",
    # Members: the application form, its thank-you page, the public list.
    "members:join",
    "members:join_done",
    "members:public_list",
    # Member portal: an emailed invitation to open an account.
    "portal:accept",
    # Election fund: the pledge form, its thank-you page, the public disclosure of donations (page, CSV, JSON).
    "donations:donate",
    "donations:pledged",
    "donations:disclosure",
    "donations:disclosure_json",
    "donations:fund",
    "donations:fund_election",
    # Events: the public event page, its calendar file, a participant's registration, a training's page,
    # certificate verification and the certificate PDF.
    "events:event_public",
    "events:event_ics",
    "events:registration",
    "events:registration_cancel",
    "events:registration_confirm",
    "events:session_public",
    "events:verify",
    "events:verify_code",
    "events:certificate_pdf",
    # Hotline intake: the report form and the reporter's status pages (receipt code + secret).
    "hotline:report",
    "hotline:status",
    "hotline:status_add",
    "hotline:status_leave",
    # Election day: an observer's one-time sign-in link (rate-limited; binding is a POST with the page's CSRF
    # token), and the API's operations, whose key is the device token (they answer 401 themselves; staff read with
    # their session). The API's schema and docs need the staff login.
    "electionday:signin",
    "api-v1:me",
    "api-v1:checklists",
    "api-v1:incident_categories",
    "api-v1:severities",
    "api-v1:submissions",
    "api-v1:incidents",
    "api-v1:protocols",
    # The observer's offline app: the same shell, service worker and manifest for everyone (no personal data).
    "electionday:observer",
    "electionday:observer_sw",
    "electionday:observer_manifest",
}
# The admin sites' login pages are public by Django's design; the rest of each site needs a login.
ADMIN_PUBLIC = ["/admin/login/", "/audit/login/"]
ADMIN_PRIVATE = ["/admin/", "/admin/auth/user/", "/audit/", "/audit/members/organization/"]


def _is_login_redirect(response) -> bool:
    """A redirect to the staff login, or to an admin site's own login page (its index does that itself)."""
    logins = [reverse(settings.LOGIN_URL), *ADMIN_PUBLIC]
    return response.status_code == 302 and any(response.url.startswith(login + "?next=") for login in logins)


def test_public_views_are_exactly_the_listed_ones():
    marked = {route.name for route in routes() if route.is_public}
    assert marked - PUBLIC == set(), "Views marked @login_not_required but not listed in PUBLIC (add them on purpose)"
    assert PUBLIC - marked == set(), "Listed in PUBLIC but not marked @login_not_required"


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_other_url_sends_anonymous_users_to_login(client, method):
    leaks = []
    for route in routes():
        if route.name in PUBLIC:
            continue
        response = getattr(client, method)(route.url())
        if not _is_login_redirect(response):
            leaks.append(f"{method.upper()} {route.url()} ({route.name}) -> {response.status_code}")
    for path in ADMIN_PRIVATE:
        response = getattr(client, method)(path)
        if not _is_login_redirect(response):
            leaks.append(f"{method.upper()} {path} -> {response.status_code}")
    assert leaks == [], "URLs that answer an anonymous user without a login:\n" + "\n".join(leaks)


def test_public_pages_answer_anonymous_users_without_a_login():
    for name in ["login", "members:join", "members:public_list", "donations:donate", "events:verify"]:
        assert client_get_ok(name), name
    for path in ADMIN_PUBLIC:
        from django.test import Client

        assert Client().get(path).status_code == 200, path


def client_get_ok(name: str) -> bool:
    from django.test import Client

    return Client().get(reverse(name)).status_code == 200


def test_hotline_report_form_is_public(client):
    assert client.get(reverse("hotline:report")).status_code == 200
    assert client.get(reverse("hotline:status")).status_code == 200


def test_language_switch_works_anonymously(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/join/"})
    assert response.status_code == 302 and response.url == "/join/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
