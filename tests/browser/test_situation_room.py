"""The situation room in a real Chromium: it updates itself while reports arrive, without a reload, without taking
the keyboard focus, announcing the change politely; axe finds nothing serious."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible
from tests.browser.test_paths import shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_situation_room_updates_itself_while_reports_arrive(page, login, staff_user, settings):
    from coalition.models import Election
    from electionday.models import Incident, Severity
    from tests.electionday.situation_helpers import (
        complete,
        election_on,
        observer,
        protocol,
        standard_checklists,
        station,
        submit,
    )

    settings.ELECTIONDAY_SITUATION_REFRESH_SECONDS = 2
    election = election_on(day=timezone.localdate() - timedelta(days=1))  # everything is due: the evening after
    assert isinstance(election, Election)
    versions = standard_checklists(election, staff_user)
    first, second, third = (station(election, number) for number in ("101", "102", "103"))
    far = station(election, "701", region_code="KZ-79")
    for one in (first, second, far):
        observer(one)
    observer(third, device=False)
    complete(first, versions, staff_user)
    submit(second, versions["opening"], staff_user)
    Incident.objects.create(
        station=second, category="carousel", severity=Severity.CRITICAL, occurred_at=timezone.now(), text="Карусель"
    )

    login(staff_user.username)
    page.goto(f"/election-day/{election.slug}/situation/")
    complete_count = page.locator('[data-status-count="complete"]')
    assert complete_count.inner_text() == "1"
    assert page.locator('[data-status-count="no_signal"]').inner_text() == "1"
    assert page.locator("svg.kz-map path.region").count() == 20
    assert page.locator('[data-testid="chase-list"] tbody tr').count() == 3
    assert_accessible(page)
    shot(page, "election-day-6-situation-room")

    # Keyboard focus rests on the region filter (outside the part that refreshes): it must stay there.
    page.focus("#situation-region")
    page.evaluate("() => { window.__notReloaded = true; }")

    # Reports arrive while the page is open: the second station completes, the far one sends its protocol.
    for version in versions.values():
        if version.checklist.code != "opening":
            submit(second, version, staff_user)
    protocol(second)
    protocol(far)

    page.wait_for_function(
        "() => document.querySelector('[data-status-count=\"complete\"]').textContent.trim() === '2'", timeout=25_000
    )
    assert page.evaluate("() => window.__notReloaded === true")  # swapped in place, not reloaded
    assert page.evaluate("() => document.activeElement && document.activeElement.id") == "situation-region"
    announcer = page.locator('[data-testid="situation-announcer"]')
    assert announcer.get_attribute("aria-live") == "polite"
    page.wait_for_function("() => document.getElementById('situation-announcer').textContent.length > 0")
    assert page.locator('[data-testid="chase-list"] tbody tr').count() == 2
    assert_accessible(page)

    # One click queues the reminder to the silent station's observer; the row then says it was sent.
    page.locator(f"#chase-{third.pk}-protocol").click()
    page.wait_for_url("**/situation/**")
    assert page.locator('[role="status"], [role="alert"]').filter(has_text="103").count() >= 1
    page.locator("#chase").scroll_into_view_if_needed()
    shot(page, "election-day-7-chase-list")
