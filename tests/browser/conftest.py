"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server on 127.0.0.1."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_URL = settings.STATIC_URL + "vendor/axe-core-4.14.1/axe.min.js"  # served by the app itself: the CSP allows it
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser(django_db_setup, django_db_blocker):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make test installs Debian's package when run as root)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API switches the context Django's connection handler keys on, so the tests after it get a
    # new connection object without the snapshot that serialized rollback restores after a transactional test:
    # hand it over, or the reference data (regions, roles) would be missing after the first flush.
    snapshot = getattr(connections["default"], "_test_serialized_contents", None)
    with sync_playwright() as playwright:
        if snapshot is not None:
            connections["default"]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    """The live server speaks plain http; production's Secure cookies would never come back from the browser."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = False


@pytest.fixture
def page(browser, live_server):
    # Reduced motion turns Bootstrap's transitions off, so axe never measures a colour halfway through one.
    context = browser.new_context(base_url=live_server.url, locale="ru-RU", reduced_motion="reduce")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log ``username`` in through the real login form."""

    def do(username: str, password: str = "correct-horse-battery"):  # noqa: S107 - the factories' test password
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        if "/accounts/two-factor/" in page.url:  # superusers, finance, integrity, auditors: a code, as a phone shows
            second_factor(page, username)

    return do


def second_factor(page, username: str) -> None:
    """Enrol (reading the secret shown on the page) or verify with the current TOTP code of the user's device."""
    import base64

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    secret = page.locator("[data-testid=otp-secret]")
    if secret.count():
        key = base64.b32decode(secret.inner_text().replace(" ", ""))
    else:
        key = TOTPDevice.objects.get(user__username=username, confirmed=True).bin_key
    page.fill("#id_code", f"{totp(key):06d}")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/accounts/two-factor/" not in page.url, page.url


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page; return the violations of the given impacts (with their targets)."""
    page.mouse.move(0, 0)  # no hover state left over from the last click
    page.add_script_tag(url="/" + AXE_URL.lstrip("/"))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page):
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)
