"""Two people, two browsers, one public form: the second must get in as the first did (issue #15).

The join form's cached rendering once carried the first visitor's CSRF token, so every later browser got 403.
"""

from playwright.sync_api import expect

from tests.factories import bin_number, region


def _fill_join_form(page, n: int) -> str:
    bin_ = bin_number()
    page.goto("/join/")
    page.fill("#id_name_ru", f"ОО «Союз садоводов Караганды {n}»")
    page.fill("#id_bin", bin_)
    page.select_option("#id_kind", "public_association")
    page.select_option("#id_region", str(region("KZ-35").pk))
    page.fill("#id_address", "Караганда, ул. Бухар-Жырау, 10")
    page.fill("#id_phone", "+7 7212 123456")
    page.fill("#id_email", f"sadovody{n}@example.kz")
    page.fill("#id_head_name", "Ахметова Салтанат")
    page.fill("#id_head_title", "Председатель")
    page.fill("#id_representative_name", f"Петрова Анна {n}")
    page.fill("#id_representative_title", "Секретарь")
    page.fill("#id_representative_phone", "8 701 123 45 67")
    page.check("#id_consent")
    return bin_


def test_two_browsers_submit_the_join_form_one_after_the_other(browser, live_server):
    from members.models import Organization

    bins = []
    for n in range(2):  # each in its own browser context: its own cookies, as two people on two computers
        context = browser.new_context(base_url=live_server.url, locale="ru-RU")
        context.set_default_timeout(15_000)
        page = context.new_page()
        bins.append(_fill_join_form(page, n))
        with page.expect_navigation():
            page.locator("#join-form [type=submit]").first.click()
        expect(page.locator("body")).not_to_contain_text("CSRF")
        assert page.url.endswith("/join/done/"), (n, page.content()[:500])
        context.close()
    assert set(Organization.objects.filter(bin__in=bins).values_list("bin", flat=True)) == set(bins)
