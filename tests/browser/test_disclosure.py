"""The fund's public disclosure page in a real Chromium: its chart draws, its table holds the figures, axe is clean."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible
from tests.browser.test_dashboard import DRAWN
from tests.browser.test_paths import shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_public_disclosure_draws_its_chart_in_russian_and_kazakh(page):
    from donations import services
    from tests.donations import factories as f

    election = f.election()
    services.record_donation(election=election, incoming=f.incoming(amount="50000", name="Жаксыбекова Айгерим"))
    services.record_donation(election=election, incoming=f.incoming(amount="700", citizenship="RU"))

    page.goto("/donate/")
    with page.expect_navigation():
        page.click("main a[href='/fund/']")  # the pledge form links the disclosure
    assert page.url.endswith("/fund/")
    for code in ("ru", "kk"):
        if page.locator("html").get_attribute("lang") != code:
            with page.expect_navigation():
                page.select_option("#language-select", code)
        assert page.locator("html").get_attribute("lang") == code
        page.wait_for_function(
            "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart=chart-disclosure]'))",
            timeout=60_000,
        )
        assert page.locator("canvas[data-chart=chart-disclosure]").evaluate(DRAWN)
        table = page.locator("[data-testid=disclosure-table]")
        assert table.locator("tbody tr").count() == 1
        assert "50" in page.locator("[data-testid=disclosure-accepted]").inner_text()
        assert "Жаксыбекова" not in page.content()
        assert page.locator(f"a[href='/donations/{election.slug}/disclosure.json']").count() == 1
        assert_accessible(page)
        shot(page, f"fund-disclosure-{code}")
    # The public navigation links the page too.
    assert page.locator("header a[href='/fund/']").count() == 1
