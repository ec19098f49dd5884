"""The three faces in a real browser: dashboard login, the public page's languages, the auditors' site."""

import pytest

from tests.browser.conftest import assert_accessible, second_factor

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_logs_in_and_sees_dashboard(page, login, staff_user):
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert_accessible(page)
    login("aigerim")
    assert page.url.endswith("/")
    assert page.locator("[data-testid=admitted-total]").is_visible()
    assert_accessible(page)
    with page.expect_navigation():
        page.click("form[action='/accounts/logout/'] button")
    assert "/accounts/login/" in page.url


def test_language_switcher_turns_public_page_kazakh_english_and_back(page):
    page.goto("/join/")
    assert page.locator("html").get_attribute("lang") == "ru"
    for code in ("kk", "en", "ru"):
        with page.expect_navigation():
            page.select_option("#language-select", code)
        assert page.locator("html").get_attribute("lang") == code
        assert page.url.endswith("/join/")
        assert_accessible(page)


def test_language_switcher_works_with_keyboard_only(page):
    page.goto("/join/")
    page.focus("#language-select")
    with page.expect_navigation():
        page.keyboard.press("ArrowDown")  # ru -> kk; the change submits the form
    assert page.locator("html").get_attribute("lang") == "kk"


def test_auditor_sees_read_only_audit_site(page, auditor):
    page.goto("/audit/")
    page.fill("#id_username", "marat")
    page.fill("#id_password", "correct-horse-battery")
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    second_factor(page, "marat")  # auditors enrol a TOTP authenticator at their first login
    assert page.locator("#content").is_visible()
    assert page.locator("a.addlink").count() == 0
    page.goto("/audit/coalition/region/")
    assert page.locator("#result_list tbody tr").count() == 20
    assert page.locator("a.addlink").count() == 0
