"""The dashboard in a real Chromium: its charts draw, its map renders, and a number's link opens its list."""

from __future__ import annotations

import pytest

from tests.browser.test_paths import shot

pytestmark = pytest.mark.django_db(transaction=True)

# Whether Chart.js drew into a canvas: it registered a chart there and the canvas has non-blank pixels.
DRAWN = """canvas => {
    const chart = window.Chart && window.Chart.getChart(canvas);
    if (!chart || !canvas.width || !canvas.height) return false;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
    return false;
}"""


@pytest.mark.parametrize(
    ("who", "charts", "linked_regions"),
    [("superuser", {"chart-funnel", "chart-fund", "chart-hotline"}, 20), ("coordinator", {"chart-funnel"}, 1)],
)
def test_dashboard_draws_its_charts_and_map(page, login, request, who, charts, linked_regions):
    from donations import services as fund_services
    from tests.dashboard.test_dashboard import build_world
    from tests.donations import factories as fund_factories

    election = fund_factories.election()
    build_world()  # its stations' election is the newest: the one the dashboard and the station list show
    fund_services.record_donation(election=election, incoming=fund_factories.incoming(amount="50000"))
    user = request.getfixturevalue(who)
    login(user.username)
    page.goto("/")
    # Wait for Chart.js to take every canvas (not for "network idle", which a loaded machine may not reach soon).
    page.wait_for_function(
        "() => window.Chart && [...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))",
        timeout=60_000,
    )

    canvases = page.locator("canvas[data-chart]")
    assert {canvases.nth(i).get_attribute("data-chart") for i in range(canvases.count())} == charts
    for i in range(canvases.count()):
        assert canvases.nth(i).evaluate(DRAWN), canvases.nth(i).get_attribute("data-chart")

    svg = page.locator("svg.kz-map")
    box = svg.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    assert svg.locator("path.region").count() == 20
    assert svg.locator("a.region-link").count() == linked_regions
    shot(page, f"dashboard-charts-{who}")

    # The Karaganda region on the map opens its station list with the number of stations the table shows.
    stations = page.locator('[data-testid=coverage-table] tr[data-region="KZ-35"] td').first.inner_text()
    page.locator("svg.kz-map a.region-link:has(path#KZ-35)").click()
    page.wait_for_url("**/events/stations/**")
    assert page.locator("table tbody tr").count() == int(stations)
