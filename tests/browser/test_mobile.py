"""The public forms and the dashboard on a 375 px wide phone: nothing wider than the screen; screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

# `make screenshots` refreshes the user guide's pictures in docs/screenshots; a plain run keeps them under var/.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")
PHONE = {"width": 375, "height": 812}
MAX_SCREENSHOT_BYTES = 150_000


def phone_shot(page, name: str) -> Path:
    """Save the visible phone screen as ``SCREENSHOTS/mobile-<name>.png`` (palette PNG, a few dozen KB)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"mobile-{name}.png"
    page.screenshot(path=str(path))
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with WeasyPrint
        return path
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    assert path.stat().st_size < MAX_SCREENSHOT_BYTES
    return path


def overflowing(page) -> list[str]:
    """The outermost elements that stick out of the screen (not inside a scrolling box), named by test id or class."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth + 1;
            const wide = e => e.getBoundingClientRect().right > width;
            const clipped = e => {  // inside a scrolling box (e.g. .table-responsive): it scrolls, not the page
                for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                    if (getComputedStyle(a).overflowX !== 'visible') return true;
                }
                return false;
            };
            const sticksOut = e => e && e !== document.body && wide(e) && !clipped(e);
            return [...document.querySelectorAll('body *')]
                .filter(e => sticksOut(e) && !sticksOut(e.parentElement))
                .slice(0, 8)
                .map(e => {
                    const named = e.closest('[data-testid]');
                    const caption = e.querySelector(':scope > caption');
                    return e.tagName.toLowerCase() + (typeof e.className === 'string' ? '.' + e.className.trim()
                        .replace(/\\s+/g, '.') : '') + (named ? ' [data-testid=' + named.dataset.testid + ']' : '')
                        + (caption ? ' (caption: ' + caption.textContent.trim() + ')' : '');
                });
        }"""
    )


def too_wide(page) -> str:
    """Empty when the page fits the phone; else how wide it is and what sticks out."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return "" if width <= PHONE["width"] else f"{page.url}: {width}px wide; too wide: {overflowing(page)}"


def assert_fits_phone(page) -> None:
    problem = too_wide(page)
    assert not problem, problem


@pytest.fixture(autouse=True)
def _patient(page):
    """The machines that run these tests are often loaded: give pages a minute rather than 15 s."""
    page.set_default_timeout(60_000)


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def public_forms(db):
    from tests.donations import factories as f
    from tests.events.factories import EventFactory

    f.election()
    event = EventFactory()
    return {
        "join": "/join/",
        "donate": "/donate/",
        "report": "/report/",
        "report-status": "/report/status/",
        "event-registration": f"/e/{event.public_token}/",
        "certificate-verify": "/certificates/verify/",
        "members": "/members/",
    }


def test_public_forms_fit_a_phone(phone, public_forms):
    for name, url in public_forms.items():
        phone.goto(url)
        assert_fits_phone(phone)
        phone_shot(phone, name)


def test_public_form_errors_fit_a_phone(phone):
    """An application with a wrong BIN comes back with the error next to the field, still without sideways scrolling."""
    phone.goto("/join/")
    for field, value in {
        "name_ru": "ОО «Проверка»",
        "bin": "123456789012",
        "address": "Астана",
        "phone": "+7 7172 123456",
        "email": "check@example.kz",
        "head_name": "Иванов Иван",
        "head_title": "Председатель",
        "representative_name": "Петрова Анна",
        "representative_title": "Секретарь",
        "representative_phone": "8 701 123 45 67",
    }.items():
        phone.fill(f"#id_{field}", value)
    phone.select_option("#id_region", index=1)
    phone.check("#id_consent")
    with phone.expect_navigation():
        phone.locator("#join-form [type=submit]").click()
    assert phone.locator("#id_bin.is-invalid").count() == 1
    phone.locator("#id_bin").scroll_into_view_if_needed()
    assert_fits_phone(phone)
    phone_shot(phone, "join-errors")


def test_navigation_menu_opens_on_a_phone(phone, login, staff_user):
    login(staff_user.username)
    phone.goto("/")
    toggler = phone.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    phone.locator(".navbar-collapse.show").wait_for()
    phone_shot(phone, "menu")
    assert_fits_phone(phone)


@pytest.mark.parametrize("who", ["superuser", "coordinator"])
def test_dashboard_fits_a_phone(phone, login, request, who):
    from tests.dashboard.test_dashboard import build_world

    user = request.getfixturevalue(who)
    build_world()
    login(user.username)
    phone.goto("/")
    assert phone.locator("[data-testid=admitted-total]").is_visible()
    phone.wait_for_load_state("networkidle")
    assert_accessible(phone)
    phone_shot(phone, f"dashboard-{who}")
    assert_fits_phone(phone)
