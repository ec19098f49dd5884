"""Security headers on every kind of page: CSP with a per-response nonce and no 'unsafe-inline', frames denied,
referrer policy same-origin (no-referrer on the hotline intake, tests/security/test_hotline_privacy.py)."""

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1] if " " in part.strip() else ""
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


@pytest.mark.parametrize("path", ["/join/", "/donate/", "/accounts/login/", "/", "/hotline/"])
def test_pages_carry_csp_with_a_nonce_that_their_scripts_use(client, client_for, staff_user, integrity_officer, path):
    user = integrity_officer if path == "/hotline/" else staff_user
    response = (client if path == "/accounts/login/" else client_for(user)).get(path)
    assert response.status_code == 200
    policy = _csp(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert not re.search(r"<script\b(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r"<style\b|\sstyle=\"", html), "inline style (style-src has no 'unsafe-inline')"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_nonce_changes_with_every_response(client):
    first, second = client.get("/join/"), client.get("/join/")
    assert _csp(first)["script-src"] != _csp(second)["script-src"]


def test_frames_and_referrers_are_set_site_wide():
    # HSTS and Secure cookies: tests/coalition/test_quality.py runs check --deploy with production settings.
    assert settings.X_FRAME_OPTIONS == "DENY" and settings.SECURE_REFERRER_POLICY == "same-origin"
