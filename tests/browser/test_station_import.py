"""The polling stations import in Chromium: upload -> preview (every line's outcome) -> confirm, as a coordinator."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def _upload(page, content: bytes) -> None:
    page.goto("/events/stations/")
    page.click("main details summary")
    page.set_input_files("main input[type=file]", {"name": "stations.csv", "mimeType": "text/csv", "buffer": content})
    with page.expect_navigation() as navigation:
        page.locator("main form:has(input[type=file]) [type=submit]").click()
    assert navigation.value is not None and navigation.value.status < 400


def _outcomes(page) -> list[list[str]]:
    rows = page.locator("main table tbody tr")
    return [[cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


def test_coordinator_previews_then_confirms_a_stations_file(page, login, coordinator):
    from events.models import PollingStation
    from tests.events.factories import StationFactory
    from tests.factories import region

    page.set_viewport_size({"width": 1280, "height": 800})
    StationFactory(region=region("KZ-35"), number="15", address="Караганда, ул. Ерубаева, 1")
    login(coordinator.username)

    # A line of another region is refused in the preview, and a file with a refused line cannot be confirmed.
    _upload(page, "number,region,address\n16,KZ-35,Караганда\n301,KZ-71,Астана\n".encode())
    assert "/events/stations/import/" in page.url
    outcomes = _outcomes(page)
    assert [row[0] for row in outcomes] == ["2", "3"]
    assert outcomes[1][2] == "KZ-71" and "table-danger" in (
        page.locator("main tbody tr").nth(1).get_attribute("class") or ""
    )
    assert page.locator("main form input[name=digest]").count() == 0
    assert_accessible(page)
    assert not PollingStation.objects.filter(number="16").exists()

    # The corrected file: one new station, one address change (from -> to), then confirmed.
    _upload(page, 'number,region,address\n16,KZ-35,Караганда\n15,KZ-35,"Караганда, ул. Ерубаева, 3"\n'.encode())
    outcomes = _outcomes(page)
    assert [row[0] for row in outcomes] == ["2", "3"]
    assert page.locator("main tbody tr").nth(1).locator("del").inner_text() == "Караганда, ул. Ерубаева, 1"
    assert_accessible(page)
    assert PollingStation.objects.get(number="15").address == "Караганда, ул. Ерубаева, 1"  # a dry run
    preview = page.url
    with page.expect_navigation() as navigation:
        page.locator("main form:has(input[name=digest]) [type=submit]").click()
    assert navigation.value is not None and navigation.value.status < 400
    assert page.url.endswith("/events/stations/")
    assert PollingStation.objects.get(number="15").address == "Караганда, ул. Ерубаева, 3"
    assert PollingStation.objects.get(number="16").region.code == "KZ-35"
    assert page.locator("main table tbody tr", has_text="Караганда, ул. Ерубаева, 3").count() == 1

    # Coming back to the preview: it says the file was imported and offers no second confirmation.
    page.goto(preview)
    assert page.locator("main .alert-success").count() == 1
    assert page.locator("main form input[name=digest]").count() == 0
