"""The fund's pledge and coercion alerts in a real Chromium (#22): the declaration stored is the one shown, and a
manual entry that takes one payer near the cap raises an alert the integrity officer sees."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings

from donations import rules
from donations.models import CoercionAlert, Pledge
from tests.browser.test_paths import Axe
from tests.donations import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _patient(page):
    page.set_default_timeout(60_000)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_pledger_sees_the_declaration_that_is_stored_with_its_version(page, live_server, language):
    f.election()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page.goto("/donate/")
    assert page.locator("html").get_attribute("lang") == language
    label = page.locator("label[for=id_declaration]")
    shown = re.sub(r"\s*\*$", "", label.inner_text()).strip()  # the required-field asterisk
    version = re.search(r"\((\w+)\)", page.locator("fieldset legend small").inner_text()).group(1)
    assert version == rules.declaration_version(shown)
    axe = Axe(page)
    axe.check()
    page.fill("#id_payer_id", f.iin())
    page.fill("#id_name", "Иванов Иван")
    page.fill("#id_amount", "5000")
    page.check("#id_declaration")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert re.search(r"EF-[A-Z0-9]{8}", page.content())
    pledge = Pledge.objects.get()
    assert (pledge.declaration_text, pledge.declaration_version, pledge.declaration_language) == (
        shown,
        version,
        language,
    )
    axe.finish()


def test_manual_entry_near_the_cap_raises_an_alert_for_the_integrity_officer(
    page, login, finance_officer, integrity_officer
):
    election = f.election()
    payer = f.iin()
    login("bolat")
    page.goto(f"/donations/{election.slug}/rules/new/")
    page.fill("#id_near_cap_share", "0.01")  # 0.01 % of the cap on all donations: 127,500 ₸
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert election.rule_versions.order_by("-number").first().near_cap_share == Decimal("0.01")
    page.goto(f"/donations/{election.slug}/entry/")
    page.fill("#id_bank_reference", "KZB-NEAR-1")
    page.fill("#id_received_on", "2026-05-10")
    page.fill("#id_amount", "127500")
    page.fill("#id_payer_id", payer)
    page.fill("#id_payer_name", "Иванов Иван")
    with page.expect_navigation():
        page.click("main button[name=save]")
    assert CoercionAlert.objects.get().kind == "near_cap"
    page.context.clear_cookies()
    login("gulnar")
    page.goto("/donations/alerts/")
    row = page.locator("tbody tr", has_text=payer)
    assert row.count() == 1 and "127 500" in row.inner_text().replace("\xa0", " ")
    Axe(page).check()
