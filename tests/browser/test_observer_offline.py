"""Issue #18's "Done when": an observer opens their link on a 375 px phone, goes offline, fills the opening checklist,
two turnout checkpoints, an incident with a photo and the protocol with its photo, closes the page, comes back
online — every report arrives exactly once, and the incident is on HQ's incident list."""

from __future__ import annotations

import io
from datetime import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coalition.models import Candidate
from events.models import Assignment, Course
from tests.browser.conftest import assert_accessible
from tests.browser.test_mobile import PHONE, assert_fits_phone, phone_shot
from tests.browser.test_paths import shot
from tests.events.factories import PersonFactory, StationFactory, admitted_organization, certified
from tests.factories import ElectionFactory, iin_number

pytestmark = pytest.mark.django_db(transaction=True)

PHOTO_LONGEST_SIDE = 1600  # static/electionday/observer.js shrinks every photo to this before queueing it
WAIT_MS = 60_000  # loaded test machines: a minute rather than 15 s


def jpeg(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), colour)
    ImageDraw.Draw(image).rectangle([width // 4, height // 4, width // 2, height // 2], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def label(text: str) -> dict[str, str]:
    return {"ru": text, "kk": text, "en": text}


def question(name: str, kind: str, text: str, *, required: bool = True, choices=()) -> dict:
    return {
        "name": name,
        "type": kind,
        "label": label(text),
        "required": required,
        "choices": [{"value": value, "label": label(value)} for value in choices],
    }


TITLES = {"opening": "Прибытие и открытие участка", "turnout-10": "Явка к 10:00", "turnout-12": "Явка к 12:00"}


def publish(election, code: str, kind: str, position: int, questions: list[dict], due_at: time | None = None):
    from electionday.models import Checklist, ChecklistVersion

    checklist = Checklist.objects.create(election=election, code=code, kind=kind, due_at=due_at, position=position)
    return ChecklistVersion.objects.create(
        checklist=checklist, number=1, title=label(TITLES[code]), questions=questions, published_at=timezone.now()
    )


@pytest.fixture
def day(staff_user):
    """An election with two candidates, a station, a certified observer assigned to it, three published forms."""
    election = ElectionFactory(
        slug="president-2026-e2e", name="Выборы Президента (e2e)", election_day=timezone.localdate()
    )
    Candidate.objects.create(election=election, code="abenov", name="Абенов Арман", position=1)
    Candidate.objects.create(election=election, code="serikova", name="Серикова Дана", position=2)
    station = StationFactory(election=election, number="512", address="Караганда, ул. Бухар-Жырау, 1, школа №3")
    person = PersonFactory(iin=iin_number(), language="ru", phone="+77011234567")
    assignment = Assignment.objects.create(
        station=station,
        person=person,
        role=Assignment.Role.OBSERVER,
        certificate=certified(person, kind=Course.Kind.OBSERVER),
        organization=admitted_organization(),
    )
    publish(
        election,
        "opening",
        "opening",
        1,
        [
            question("arrived", "time", "Arrival time"),
            question("admitted", "yes_no", "Were you admitted?"),
            question("boxes", "choice", "Were the boxes empty and sealed?", choices=("sealed", "not_sealed")),
            question("box_photo", "photo", "Photo of the sealed box", required=False),
            question("notes", "text", "Notes", required=False),
        ],
        due_at=time(7, 0),
    )
    for position, hour in ((2, 10), (3, 12)):
        publish(
            election,
            f"turnout-{hour}",
            "turnout",
            position,
            [question("voted", "number", f"Voters who voted by {hour}:00")],
            due_at=time(hour, 0),
        )
    from electionday.services import devices

    link = devices.send_signin_link(assignment=assignment, channel="sms", actor=staff_user)
    signin_path = urlsplit(devices.signin_url(link.pk)).path
    return SimpleNamespace(election=election, station=station, assignment=assignment, signin=signin_path)


def sign_in(phone, day) -> None:
    """Open the personal link: a confirmation button (link previews bind nothing), then the app with the token."""
    phone.goto(day.signin)
    phone.click("main button[type=submit]")
    phone.wait_for_url("**/observer/")
    phone.wait_for_selector("[data-testid=checklist-opening]")


def incident_url(election, incident) -> str:
    from django.urls import reverse

    return reverse("electionday:incident", args=[election.slug, incident.pk])


def counts(phone) -> tuple[str, str, str]:
    return tuple(phone.inner_text(f"#count-{status}") for status in ("waiting", "sent", "failed"))  # type: ignore[return-value]


def save(phone, waiting: int) -> None:
    phone.click("form.observer-form button[type=submit]")
    phone.wait_for_selector("[data-testid=home]")
    expect(phone.locator("#count-waiting")).to_have_text(str(waiting))


def test_observer_reports_offline_and_everything_arrives_once(browser, live_server, day, login, page):
    from electionday.models import Attachment, Incident, Protocol, Submission

    context = browser.new_context(
        base_url=live_server.url, locale="ru-RU", reduced_motion="reduce", viewport=PHONE, service_workers="allow"
    )
    context.set_default_timeout(WAIT_MS)
    phone = context.new_page()

    sign_in(phone, day)
    assert phone.evaluate("navigator.serviceWorker.ready.then(registration => registration.scope)").endswith(
        "/observer/"
    )
    assert "512" in phone.inner_text("[data-testid^=assignment-]")
    assert "Бухар-Жырау" in phone.inner_text("[data-testid^=assignment-]")
    assert "07:00" in phone.inner_text("[data-testid^=assignment-]")
    assert_fits_phone(phone)
    assert_accessible(phone)
    phone_shot(phone, "observer-home")

    context.set_offline(True)
    expect(phone.locator("#network")).to_have_class("badge text-bg-warning text-wrap text-start")

    # Arrival and opening: every question type but number (the checkpoints have it), with an optional photo.
    phone.click("[data-testid=checklist-opening]")
    phone.fill("[data-testid=arrived]", "06:45")
    phone.check("[data-testid=admitted] input[value=yes]")
    phone.check("[data-testid=boxes] input[value=sealed]")
    phone.set_input_files(
        "[data-testid=box_photo]",
        files=[{"name": "box.jpg", "mimeType": "image/jpeg", "buffer": jpeg(800, 600, (40, 90, 160))}],
    )
    expect(phone.locator("[data-field=q_box_photo] .form-text")).not_to_be_empty()
    phone.fill("[data-testid=notes]", "Всё спокойно")
    assert_fits_phone(phone)
    assert_accessible(phone)
    save(phone, 1)

    # A required question left empty is refused on the phone, with the message next to it.
    phone.click("[data-testid=checklist-turnout-10]")
    phone.click("form.observer-form button[type=submit]")
    expect(phone.locator("[data-field=q_voted] [data-error]")).not_to_be_empty()
    phone.fill("[data-testid=voted]", "212")
    save(phone, 2)
    phone.click("[data-testid=checklist-turnout-12]")
    phone.fill("[data-testid=voted]", "431")
    save(phone, 3)

    # An incident with a large photo: the phone shrinks it before queueing.
    phone.click("[data-testid=incident]")
    phone.select_option("[data-testid=category]", "carousel")
    phone.check("[data-testid=severity] input[value=high]")
    phone.fill("[data-testid=text]", "Автобус привёз одних и тех же избирателей второй раз")
    phone.set_input_files(
        "[data-testid=photos]",
        files=[{"name": "bus.jpg", "mimeType": "image/jpeg", "buffer": jpeg(3200, 2400, (160, 40, 40))}],
    )
    expect(phone.locator("[data-field=photos] .form-text")).not_to_be_empty()
    assert_accessible(phone)
    phone_shot(phone, "election-day-3-incident")
    save(phone, 4)

    # The protocol: the numbers break boxes_balance; the phone explains it and asks to confirm the paper copy says so.
    phone.click("[data-testid=protocol]")
    numbers = {"voters": 1200, "received": 1200, "issued": 800, "cancelled": 400, "in_boxes": 800, "invalid": 10,
               "against_all": 20, "c_abenov": 500, "c_serikova": 260}  # fmt: skip
    for name, value in numbers.items():
        phone.fill(f"[data-testid={name}]", str(value))
    phone.set_input_files(
        "[data-testid=protocol-photo]",
        files=[{"name": "protocol.jpg", "mimeType": "image/jpeg", "buffer": jpeg(2400, 3200, (230, 230, 230))}],
    )
    expect(phone.locator("[data-field=photo] .form-text")).not_to_be_empty()
    phone.click("form.observer-form button[type=submit]")
    expect(phone.locator("[data-testid=protocol-checks] [data-check]")).to_have_count(1)
    assert phone.get_attribute("[data-testid=protocol-checks] [data-check]", "data-check") == "boxes_balance"
    assert_fits_phone(phone)
    assert_accessible(phone)
    phone_shot(phone, "observer-protocol-check")
    phone.check("[data-testid=confirm-paper]")
    save(phone, 5)
    assert counts(phone) == ("5", "0", "0")
    phone_shot(phone, "election-day-2-observer-offline")
    assert Submission.objects.count() + Incident.objects.count() + Protocol.objects.count() == 0

    # The phone is put away; later the app opens again, still offline (the service worker serves it), then online.
    phone.close()
    phone = context.new_page()
    phone.goto("/observer/")
    phone.wait_for_selector("[data-testid=home]")
    assert counts(phone) == ("5", "0", "0")
    context.set_offline(False)
    expect(phone.locator("#count-sent")).to_have_text("5", timeout=WAIT_MS)
    assert counts(phone) == ("0", "5", "0")

    # Sending again (the button, another load) stores nothing new: each report was stored exactly once.
    phone.click("#send-now")
    phone.reload()
    phone.wait_for_selector("[data-testid=home]")
    assert counts(phone) == ("0", "5", "0")
    assert Submission.objects.filter(assignment=day.assignment).count() == 3
    assert sorted(Submission.objects.values_list("version__checklist__code", flat=True)) == [
        "opening",
        "turnout-10",
        "turnout-12",
    ]
    opening = Submission.objects.get(version__checklist__code="opening")
    assert opening.answers == {"arrived": "06:45", "admitted": True, "boxes": "sealed", "notes": "Всё спокойно"}
    assert Submission.objects.get(version__checklist__code="turnout-12").answers == {"voted": 431}
    incident = Incident.objects.get()
    assert (incident.station, incident.category, incident.severity) == (day.station, "carousel", "high")
    protocol = Protocol.objects.get()
    assert protocol.failed_checks == ["boxes_balance"]
    assert {v.candidate.code: v.votes for v in protocol.votes.all()} == {"abenov": 500, "serikova": 260}
    assert Attachment.objects.count() == 3
    assert Attachment.objects.filter(submission=opening, question="box_photo").count() == 1
    from PIL import Image

    for attachment in Attachment.objects.filter(submission__isnull=True):
        with attachment.file.open("rb") as file, Image.open(file) as image:
            assert max(image.size) == PHOTO_LONGEST_SIDE, attachment  # 3200 px on the phone, shrunk before upload
    context.close()

    # HQ sees the incident on its list.
    login("aigerim")
    page.goto(f"/election-day/{day.election.slug}/incidents/")
    row = page.locator("main tbody tr", has=page.locator(f'a[href="{incident_url(day.election, incident)}"]'))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("№ 512")
    shot(page, "election-day-4-incident-list")
    page.click(f'a[href="{incident_url(day.election, incident)}"]')
    expect(page.locator("main")).to_contain_text("Автобус привёз одних и тех же избирателей")
    shot(page, "election-day-5-incident")

    # The assignment's sign-in page: the link sent, the phone bound, with its revoke button.
    from django.urls import reverse

    page.goto(reverse("electionday:assignment_access", args=[day.assignment.pk]))
    expect(page.locator("main")).to_contain_text("512")
    shot(page, "election-day-1-send-link")


def test_a_revoked_phone_is_told_it_is_signed_out(browser, live_server, day, staff_user):
    from electionday.models import Device, Incident
    from electionday.services import devices

    context = browser.new_context(base_url=live_server.url, locale="ru-RU", reduced_motion="reduce", viewport=PHONE)
    context.set_default_timeout(WAIT_MS)
    phone = context.new_page()
    sign_in(phone, day)
    devices.revoke(Device.objects.get(assignment=day.assignment), staff_user)

    phone.click("[data-testid=incident]")
    phone.select_option("[data-testid=category]", "pressure")
    phone.fill("[data-testid=text]", "Давление на избирателей")
    phone.click("form.observer-form button[type=submit]")
    expect(phone.locator("[data-testid=signed-out]")).to_be_visible()
    assert counts(phone) == ("1", "0", "0")  # kept on the phone, not lost
    assert Incident.objects.count() == 0
    assert_accessible(phone)
    context.close()
