"""The main paths end to end in a real Chromium, the way each role goes through them, with axe on every page.

Each path saves screenshots of its key steps (``make screenshots`` writes them to docs/screenshots/).
The page is in Russian (the browser's locale), so the tests find things by ids, names and links, not by wording.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.browser.conftest import axe_violations, second_factor

pytestmark = pytest.mark.django_db(transaction=True)

# `make screenshots` refreshes the user guide's pictures in docs/screenshots; a plain run keeps them under var/.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")
VIEWPORT = {"width": 1280, "height": 800}
MAX_SCREENSHOT_BYTES = 150_000


# Violations found on pages this file visits, reported to the lead (who owns the templates). A known one turns the
# test into an expected failure at its end, with the exact rule and element in the reason, after the whole path ran;
# any other violation fails at once. Remove an entry when its template is fixed.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {
    # (path pattern, axe rule id): "template: what is wrong" — e.g. the three found by these tests and fixed in
    # c69d7ce: /donate/ color-contrast (link in .alert-warning), /donations/<slug>/refunds/ color-contrast (links in
    # overdue rows), /donations/<slug>/import/ scrollable-region-focusable (the CSV sample <pre>).
}


class Axe:
    """axe-core on each page visited: zero serious or critical violations except the known ones above."""

    def __init__(self, page):
        self.page = page
        self.known: list[str] = []

    def check(self) -> None:
        path = urlparse(self.page.url).path
        language = self.page.locator("html").get_attribute("lang")
        unknown = []
        for violation in axe_violations(self.page):
            note = next(
                (
                    n
                    for (pattern, rule), n in KNOWN_VIOLATIONS.items()
                    if rule == violation["id"] and re.match(pattern, path)
                ),
                None,
            )
            if note is None:
                unknown.append(violation)
            else:
                self.known.append(f"{path} [{language}] {violation['id']} on {violation['targets']}: {note}")
        assert not unknown, f"{path} [{language}] " + json.dumps(unknown, ensure_ascii=False, indent=1)

    def finish(self) -> None:
        if self.known:
            pytest.xfail(
                "known axe violations (the lead fixes the templates): " + " | ".join(dict.fromkeys(self.known))
            )


@pytest.fixture
def axe(page):
    return Axe(page)


@pytest.fixture(autouse=True)
def _patient(page):
    """The machines that run these tests are often loaded: give pages a minute rather than 15 s."""
    page.set_default_timeout(60_000)


# --- helpers -------------------------------------------------------------------------------------------------------


def shot(page, name: str) -> Path:
    """Save the visible viewport as ``SCREENSHOTS/<name>.png``, reduced to a palette so it stays small."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.mouse.move(0, 0)
    page.screenshot(path=str(path))
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is installed with WeasyPrint
        return path
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)
    if path.stat().st_size > MAX_SCREENSHOT_BYTES:  # a busy page: fewer colours
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=32).save(path, optimize=True)
    return path


def answered(navigation) -> None:
    """The page a form was sent to must not be an error (a 403 from the CSRF check, a 500…)."""
    response = navigation.value
    assert response is not None and response.status < 400, (
        f"{response.request.method} {response.url} -> {response.status}: {response.text()[:300]}"
    )


def submit(page, form: str) -> None:
    """Press the submit button of ``form`` (a selector) and wait for the page that answers."""
    with page.expect_navigation() as navigation:
        page.locator(form).locator("[type=submit]").first.click()
    answered(navigation)


def logout(page) -> None:
    with page.expect_navigation():
        page.click("form[action='/accounts/logout/'] button")


def wide(page):
    page.set_viewport_size(VIEWPORT)
    return page


def messages_text(page) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


# --- 1. membership -------------------------------------------------------------------------------------------------


def test_organization_joins_and_is_admitted_at_a_committee_meeting(page, axe, login, staff_user):
    from members.models import Organization
    from tests.factories import bin_number, region
    from tests.members.factories import CommitteeMemberFactory

    wide(page)
    CommitteeMemberFactory.create_batch(3)
    karaganda = region("KZ-35")
    bin_ = bin_number()

    # The applicant fills /join/.
    page.goto("/join/")
    axe.check()
    shot(page, "members-1-join-form")
    page.fill("#id_name_ru", "ОО «Союз садоводов Караганды»")
    page.fill("#id_bin", bin_)
    page.select_option("#id_kind", "public_association")
    page.select_option("#id_region", str(karaganda.pk))
    page.fill("#id_address", "Караганда, ул. Бухар-Жырау, 10")
    page.fill("#id_phone", "+7 7212 123456")
    page.fill("#id_email", "sadovody@example.kz")
    page.fill("#id_head_name", "Ахметова Салтанат")
    page.fill("#id_head_title", "Председатель")
    page.fill("#id_representative_name", "Петрова Анна")
    page.fill("#id_representative_title", "Секретарь")
    page.fill("#id_representative_phone", "8 701 123 45 67")
    page.check("#id_consent")
    submit(page, "#join-form")
    assert page.url.endswith("/join/done/"), messages_text(page)
    axe.check()
    shot(page, "members-2-application-received")
    organization = Organization.objects.get(bin=bin_)
    assert organization.status == Organization.Status.APPLIED

    # Not a member yet.
    page.goto("/members/")
    assert page.get_by_text("Союз садоводов Караганды").count() == 0

    # Committee staff see the application in the queue, record the meeting and the admission.
    login(staff_user.username)
    axe.check()
    shot(page, "dashboard-committee-staff")
    page.goto("/staff/members/queue/")
    assert page.locator(f"a[href='/staff/members/{organization.pk}/']").count() >= 1
    axe.check()
    shot(page, "members-3-review-queue")

    page.goto("/staff/members/meetings/new/")
    axe.check()
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.fill("#id_place", "Астана, штаб коалиции")
    page.fill("#id_agenda", "О приёме новых организаций")
    for box in page.locator("input[name=attendees]").all():
        box.check()
    shot(page, "members-4-meeting-form")
    submit(page, "main form:has(#id_place)")
    assert "/staff/members/meetings/" in page.url and page.url.rstrip("/").split("/")[-1].isdigit()
    axe.check()

    with page.expect_navigation():
        page.click("a[href$='/decisions/new/']")
    page.select_option("#id_kind", "admission")
    page.fill("#id_text", "Принять организацию в члены коалиции")
    page.check(f"input[name=organizations][value='{organization.pk}']")
    page.fill("#id_votes_for", "3")
    page.fill("#id_votes_against", "0")
    page.fill("#id_votes_abstained", "0")
    axe.check()
    shot(page, "members-5-admission-decision")
    submit(page, "main form:has(#id_votes_for)")
    axe.check()
    shot(page, "members-6-meeting-with-decision")
    # The minutes in English (#22), from the meeting page, with the decision in them.
    with page.expect_navigation():
        page.click("a[href$='/minutes/?lang=en']")
    minutes = page.locator("article[lang=en]")
    assert "Minutes of the meeting of the organizing committee" in minutes.inner_text()
    assert "Союз садоводов Караганды" in minutes.inner_text() and "The decision is adopted." in minutes.inner_text()
    axe.check()
    shot(page, "members-6b-minutes-english")
    organization.refresh_from_db()
    assert organization.status == Organization.Status.ADMITTED
    assert organization.joined_on == timezone.localdate()

    # The public list now shows it.
    logout(page)
    page.goto("/members/")
    assert page.get_by_text("Союз садоводов Караганды").first.is_visible()
    axe.check()
    shot(page, "members-7-public-list")
    axe.finish()


# --- 2. events -----------------------------------------------------------------------------------------------------


def test_coordinator_plans_event_participant_registers_and_gets_reminder(page, axe, login, coordinator, staff_user):
    from coalition.outbox.services import deliver_pending
    from events import services, tasks
    from events.models import Event, Registration

    wide(page)
    starts = (timezone.localtime() + timedelta(days=4)).replace(hour=15, minute=0, second=0, microsecond=0)
    ends = starts + timedelta(hours=2)

    login(coordinator.username)
    page.goto("/events/new/")
    axe.check()
    page.fill("#id_title", "Встреча с избирателями в Темиртау")
    page.select_option("#id_kind", "indoor")
    page.fill("#id_place", "Темиртау, Дом культуры металлургов")
    page.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", ends.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_capacity", "40")
    shot(page, "events-1-plan-event")
    submit(page, "main form:has(#id_title)")
    event = Event.objects.get(title="Встреча с избирателями в Темиртау")
    assert page.url.endswith(f"/events/{event.pk}/"), messages_text(page)
    assert event.region.code == "KZ-35" and event.starts_at == starts
    axe.check()
    shot(page, "events-2-event-page")
    page.goto("/events/")
    axe.check()

    # A coordinator's event is a proposal: HQ staff approve it against the checklist, then registration opens.
    assert event.status == Event.Status.PROPOSED
    logout(page)
    login(staff_user.username)
    page.goto("/events/proposals/")
    axe.check()
    with page.expect_navigation():
        page.click(f"main a[href='/events/{event.pk}/review/']")
    assert page.locator("[data-checklist=notice][data-result=pass]").count() == 1
    axe.check()
    shot(page, "events-2b-approval-checklist")
    page.fill("#id_comment", "Площадка проверена")
    submit(page, "#approve-form")
    event.refresh_from_db()
    assert event.status == Event.Status.PLANNED and event.approval.decided_by == staff_user
    assert page.locator("#approval").is_visible()
    axe.check()
    link = page.locator(f"main a[href='/e/{event.public_token}/']").first.get_attribute("href")

    # A participant opens the public link and registers.
    logout(page)
    page.goto(link)
    axe.check()
    page.fill("#id_full_name", "Серикова Айгуль")
    page.fill("#id_email", "aigul@example.kz")
    page.fill("#id_phone", "+7 701 555 12 34")
    page.check("#id_consent")
    shot(page, "events-3-public-registration")
    submit(page, "main form:has(#id_full_name)")
    registration = Registration.objects.get(event=event, person__email="aigul@example.kz")
    assert page.url.endswith(f"/r/{registration.token}/")
    assert registration.status == Registration.Status.CONFIRMED
    axe.check()
    shot(page, "events-4-registered")

    # The confirmation is delivered at once; the reminder only when due (the beat job runs, time moved).
    mail.outbox.clear()
    deliver_pending()
    assert [m for m in mail.outbox if m.to == ["aigul@example.kz"]]
    mail.outbox.clear()
    with time_machine.travel(starts - timedelta(hours=30), tick=False):
        tasks.send_due_reminders()
        deliver_pending()
    assert not [m for m in mail.outbox if m.to == ["aigul@example.kz"]]
    with time_machine.travel(starts - timedelta(hours=24) + timedelta(minutes=2), tick=False):
        tasks.send_due_reminders()
        deliver_pending()
        tasks.send_due_reminders()  # beat fires again: nothing new
        deliver_pending()
    reminders = [m for m in mail.outbox if m.to == ["aigul@example.kz"]]
    assert len(reminders) == 1
    assert f"/r/{registration.token}/" in reminders[0].body
    assert reminders[0].extra_headers["X-Coalition-Key"].endswith(":24h:" + starts.strftime("%Y%m%d%H%M"))

    # The reminder's personal link: "I'm coming" is recorded and shown (and counted at the door, below).
    page.goto(f"/r/{registration.token}/")
    submit(page, f"main form[action='/r/{registration.token}/confirm/']")
    assert page.locator("#attendance-confirmed").is_visible()
    assert page.locator(f"main form[action='/r/{registration.token}/confirm/']").count() == 0
    registration.refresh_from_db()
    assert registration.confirmed_at is not None
    axe.check()

    # At the door: the participant's page shows the QR code; the scanned URL opens the staff check-in page with
    # the registration on top, one click checks in, a second scan says when.
    page.goto(f"/r/{registration.token}/")
    assert page.locator("#checkin-qr svg").is_visible()
    assert registration.checkin_code in page.locator("#checkin-qr").inner_text()
    scanned = urlparse(services.checkin_url(registration))
    login(coordinator.username)
    page.goto(f"{scanned.path}?{scanned.query}")
    submit(page, "#scanned form")  # four days early: the door is not open yet (#22)
    assert "Check-in opens at" in messages_text(page) or "Отметка о прибытии откроется" in messages_text(page)
    registration.refresh_from_db()
    assert registration.checked_in_at is None
    with time_machine.travel(starts - timedelta(minutes=30), tick=True):  # the door is open
        login(coordinator.username)  # a session from four days before has expired
        page.goto(f"{scanned.path}?{scanned.query}")
        assert page.locator("#scanned").get_attribute("data-registration") == str(registration.pk)
        assert "1" in page.locator("#coming-count").inner_text()
        axe.check()
        shot(page, "events-5-checkin-scanned")
        submit(page, "#scanned form")
        registration.refresh_from_db()
        assert registration.checked_in_at is not None
        page.goto(f"{scanned.path}?{scanned.query}")
        checked_at = timezone.localtime(registration.checked_in_at).strftime("%H:%M")
        assert checked_at in page.locator("#scanned").inner_text() and page.locator("#scanned form").count() == 0
    axe.finish()


# --- 3. training and deployment ------------------------------------------------------------------------------------


def _coverage_row(page, code: str) -> list[str]:
    row = page.locator("main table").first.locator("tbody tr", has_text=code)
    return [cell.strip() for cell in row.locator("td").all_inner_texts()] if row.count() else []


def test_trainer_certifies_person_who_is_verified_and_deployed(page, axe, login, trainer, coordinator):
    from events.models import Assignment, Certificate, Enrolment
    from tests.events.factories import (
        CourseFactory,
        EnrolmentFactory,
        PersonFactory,
        SessionFactory,
        StationFactory,
        admitted_organization,
    )
    from tests.factories import region

    wide(page)
    course = CourseFactory(kind="observer", pass_mark=70)
    now = timezone.localtime()
    session = SessionFactory(
        course=course, starts_at=now - timedelta(days=1, hours=4), ends_at=now - timedelta(days=1), trainer=trainer
    )
    person = PersonFactory(full_name="Жанибеков Арман")
    enrolment = EnrolmentFactory(session=session, person=person)
    failing = EnrolmentFactory(session=session, person=PersonFactory(full_name="Ким Ольга"))
    station = StationFactory(number="0917")
    organization = admitted_organization(name_ru="ОО «Наблюдатели Караганды»", region=region("KZ-35"))

    # The trainer records attendance and scores, then issues the certificates.
    login(trainer.username)
    page.goto(f"/events/training/{session.pk}/")
    axe.check()
    rows = {
        int(v): i
        for i, v in enumerate(page.locator("input[name$='-enrolment']").evaluate_all("els => els.map(e => e.value)"))
    }
    page.check(f"#id_form-{rows[enrolment.pk]}-attended")
    page.fill(f"#id_form-{rows[enrolment.pk]}-score", "86")
    page.check(f"#id_form-{rows[failing.pk]}-attended")
    page.fill(f"#id_form-{rows[failing.pk]}-score", "40")
    shot(page, "training-1-attendance-and-scores")
    submit(page, "main form:has([name$='-score'])")
    enrolment.refresh_from_db()
    assert enrolment.attended and enrolment.score == 86
    submit(page, "main form[action$='/certify/']")
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert not Certificate.objects.filter(enrolment=failing).exists()
    assert Enrolment.objects.get(pk=failing.pk).score == 40
    axe.check()
    shot(page, "training-2-certificate-issued")

    # Anyone verifies it by its code.
    logout(page)
    page.goto("/certificates/verify/")
    axe.check()
    page.fill("#id_code", certificate.verification_code.lower())
    submit(page, "main form:has(#id_code)")
    assert page.url.endswith(f"/certificates/{certificate.verification_code}/")
    assert page.get_by_text("Жанибеков Арман").first.is_visible()
    assert page.locator(f"a[href='/certificates/{certificate.verification_code}/pdf/']").count() == 1
    axe.check()
    shot(page, "training-3-certificate-verified")

    # The coordinator of the region deploys the person; the coverage page changes.
    login(coordinator.username)
    page.goto("/events/coverage/")
    axe.check()
    before = _coverage_row(page, "KZ-35")
    assert before[:4] == ["1", "1", "0", "0"], before  # stations, none, one, two+
    page.goto(f"/events/stations/{station.pk}/")
    axe.check()
    page.select_option("#id_person", str(person.pk))
    page.select_option("#id_role", "observer")
    page.select_option("#id_organization", str(organization.pk))
    shot(page, "training-4-assign-to-station")
    submit(page, "main form:has(#id_person)")
    assert Assignment.objects.filter(station=station, person=person, ended_at__isnull=True).exists(), messages_text(
        page
    )
    page.goto("/events/coverage/")
    after = _coverage_row(page, "KZ-35")
    assert after[:4] == ["1", "0", "1", "0"], after
    axe.check()
    shot(page, "training-5-coverage")
    axe.finish()


# --- 4. election fund ----------------------------------------------------------------------------------------------


def _statement(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "date",
            "bank_reference",
            "amount",
            "currency",
            "payer_name",
            "payer_id",
            "payer_kind",
            "payer_citizenship",
            "purpose",
        ]
    )
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_finance_imports_statement_flags_returns_and_auditor_downloads_report(
    page, axe, login, finance_officer, auditor
):
    from donations import services
    from donations.models import Donation, Refund, StatementImport
    from tests.donations import factories as f

    wide(page)
    election = f.election(per_donor_cap_mzp=Decimal("10"))  # 10 × 85 000 ₸ per donor: 850 000 ₸
    content = _statement(
        [
            ["2026-05-04", "KZB-000101", "150000.00", "KZT", "Иванов Иван", f.iin(), "individual", "KZ", "Взнос"],
            ["2026-05-05", "KZB-000102", "200000.00", "KZT", "Smith John", f.iin(), "individual", "US", "Donation"],
            ["2026-05-06", "KZB-000103", "1000000.00", "KZT", "Сергеев Пётр", f.iin(), "individual", "KZ", "Взнос"],
        ]
    )

    login(finance_officer.username)
    page.goto(f"/donations/{election.slug}/")
    axe.check()
    page.goto(f"/donations/{election.slug}/import/")
    axe.check()
    page.set_input_files("input[type=file]", {"name": "statement.csv", "mimeType": "text/csv", "buffer": content})
    shot(page, "fund-1-upload-statement")
    submit(page, "main form:has(input[type=file])")
    statement = StatementImport.objects.get(election=election)
    assert page.url.endswith(f"/donations/imports/{statement.pk}/")
    services.run_statement_import(statement_id=statement.pk)  # what the queued Celery task does
    page.reload()
    axe.check()
    shot(page, "fund-2-import-result")

    verdicts = dict(Donation.objects.filter(election=election).values_list("bank_reference", "verdict"))
    assert verdicts == {"KZB-000101": "accepted", "KZB-000102": "returned", "KZB-000103": "partially_accepted"}
    page.goto(f"/donations/{election.slug}/payments/")
    assert page.get_by_text("KZB-000102").first.is_visible() and page.get_by_text("KZB-000103").first.is_visible()
    axe.check()
    shot(page, "fund-3-payments-flagged")

    prohibited = Donation.objects.get(bank_reference="KZB-000102")
    with page.expect_navigation():
        page.click(f"a[href='/donations/payments/{prohibited.pk}/']")
    axe.check()
    shot(page, "fund-4-prohibited-donation")

    refund = Refund.objects.get(donation=prohibited)
    assert refund.amount == Decimal("200000.00")
    over = Refund.objects.get(donation__bank_reference="KZB-000103")
    assert over.amount == Decimal("150000.00")  # 1 000 000 − 850 000
    page.goto(f"/donations/{election.slug}/refunds/")
    axe.check()
    with page.expect_navigation():
        page.click(f"a[href='/donations/refunds/{refund.pk}/pay/']")
    page.fill("#id_paid_on", timezone.localdate().isoformat())
    page.fill("#id_bank_reference", "RET-2026-0001")
    axe.check()
    shot(page, "fund-5-record-return")
    submit(page, "main form:has(#id_bank_reference)")
    refund.refresh_from_db()
    assert refund.bank_reference == "RET-2026-0001" and refund.completed_on == timezone.localdate()
    shot(page, "fund-6-returns")
    logout(page)

    # The auditor downloads the compliance report from the audit site.
    page.goto("/audit/")
    page.fill("#id_username", auditor.username)
    page.fill("#id_password", "correct-horse-battery")
    submit(page, "#login-form")
    second_factor(page, auditor.username)  # auditors read personal data: a TOTP code too
    page.goto("/audit/coalition/election/")
    axe.check()
    shot(page, "fund-7-audit-site-elections")
    with page.expect_download() as download_info:
        page.click(f"a[href='/donations/{election.slug}/reports/compliance.csv']")
    download = download_info.value
    assert download.suggested_filename.startswith(f"{election.slug}-compliance-")
    report = Path(download.path()).read_text(encoding="utf-8-sig")
    for reference in ("KZB-000101", "KZB-000102", "KZB-000103"):
        assert reference in report
    with page.expect_download() as pdf_info:
        page.click(f"a[href='/donations/{election.slug}/reports/compliance.pdf']")
    assert Path(pdf_info.value.path()).read_bytes().startswith(b"%PDF")
    axe.finish()


# --- 5. hotline ----------------------------------------------------------------------------------------------------


def test_anonymous_report_forwarded_and_reporter_sees_status(page, axe, login, integrity_officer):
    from hotline.models import Forwarding, Report

    wide(page)
    page.goto("/report/")
    axe.check()
    category = page.locator("#id_category option").evaluate_all("options => options.map(o => o.value).filter(Boolean)")[
        0
    ]
    page.select_option("#id_category", category)
    page.fill(
        "#id_description",
        "Руководство потребовало от сотрудников перечислить по 20 000 тенге в фонд кандидата под угрозой увольнения.",
    )
    page.fill("#id_locality", "Темиртау")
    page.fill("#id_involved", "ТОО «Металлург-Сервис»")
    shot(page, "hotline-1-report-form")
    submit(page, "main form:has(#id_description)")
    code = page.locator("[data-testid=tracking-code]").inner_text().strip()
    secret = page.locator("[data-testid=secret]").inner_text().strip()
    assert code and secret
    axe.check()
    shot(page, "hotline-2-receipt")
    report = Report.objects.get(tracking_code=code)

    # The integrity officer forwards it to an agency.
    login(integrity_officer.username)
    page.goto("/hotline/")
    axe.check()
    with page.expect_navigation():
        page.click(f"a[href='/hotline/{code}/']")
    axe.check()
    forward = "main form[action$='/forward/']"
    agency = page.locator(f"{forward} select[name=agency] option").evaluate_all(
        "options => options.map(o => o.value).filter(Boolean)"
    )[0]
    page.select_option(f"{forward} select[name=agency]", agency)
    page.fill(f"{forward} [name=sent_on]", timezone.localdate().isoformat())
    page.fill(f"{forward} [name=outgoing_number]", "ШТ-2026/117")
    shot(page, "hotline-3-forward")
    with page.expect_navigation(timeout=120_000) as navigation:  # WeasyPrint renders the letter: slow when loaded
        page.locator(forward).locator("[type=submit]").first.click()
    answered(navigation)
    assert Forwarding.objects.filter(report=report, outgoing_number="ШТ-2026/117").exists(), messages_text(page)
    axe.check()
    shot(page, "hotline-4-case-forwarded")
    logout(page)

    # The reporter checks the status with the receipt.
    page.goto("/report/status/")
    axe.check()
    page.fill("#id_code", code)
    page.fill("#id_secret", secret)
    submit(page, "main form:has(#id_secret)")
    assert page.url.endswith("/report/status/")
    report.refresh_from_db()
    assert page.locator("[data-testid=status]").inner_text().strip() == report.get_status_display()
    assert page.get_by_text("ШТ-2026/117").count() == 0  # the letter number is internal
    axe.check()
    shot(page, "hotline-5-status")
    axe.finish()


# --- 6. languages on every public page -----------------------------------------------------------------------------


@pytest.fixture
def public_pages(db):
    from tests.donations import factories as f
    from tests.events.factories import EventFactory, RegistrationFactory, certified

    f.election()
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    certificate = certified()
    return {
        "members": "/members/",
        "donate": "/donate/",
        "fund": "/fund/",
        "report": "/report/",
        "report-status": "/report/status/",
        "event-registration": f"/e/{event.public_token}/",
        "registration": f"/r/{registration.token}/",
        "certificate-verify": "/certificates/verify/",
        "certificate": f"/certificates/{certificate.verification_code}/",
    }


def test_language_switcher_on_every_public_page(page, axe, public_pages):
    for name, url in public_pages.items():
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "ru", name
        for code in ("kk", "en", "ru"):
            with page.expect_navigation() as navigation:
                page.select_option("#language-select", code)
            answered(navigation)
            assert page.locator("html").get_attribute("lang") == code, (name, code)
            assert page.url.endswith(url), (name, page.url)
            axe.check()
    axe.finish()


# --- keyboard only -------------------------------------------------------------------------------------------------


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus; every element reached on the way must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        if page.evaluate("([el, sel]) => el.matches(sel)", [focused, selector]):
            return
        assert page.evaluate(
            "el => el === document.body || !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)",
            focused,
        ), "the focus went to a hidden element"
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_hotline_report_and_event_registration_work_with_keyboard_only(page, axe):
    from events.models import Registration
    from hotline.models import Report
    from tests.events.factories import EventFactory

    page.goto("/report/")
    _tab_to(page, "#id_category")
    page.keyboard.press("ArrowDown")  # the first category
    _tab_to(page, "#id_description")
    page.keyboard.type("Нас заставляют жертвовать в фонд.")
    _tab_to(page, "main form [type=submit]")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    answered(navigation)
    code = page.locator("[data-testid=tracking-code]").inner_text().strip()
    assert Report.objects.filter(tracking_code=code).exists()

    event = EventFactory()
    page.goto(f"/e/{event.public_token}/")
    _tab_to(page, "#id_full_name")
    page.keyboard.type("Омарова Динара")
    _tab_to(page, "#id_email")
    page.keyboard.type("dinara.o@example.kz")
    _tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    _tab_to(page, "main form [type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Registration.objects.filter(event=event, person__email="dinara.o@example.kz").exists()
    axe.check()
    axe.finish()
