"""A QR code per registration that opens the staff check-in page on that registration; check-in once."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from coalition.models import OutboundMessage
from coalition.site import absolute_url
from events import qr, services
from events.models import Event, Registration
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Almaty")


def test_qr_svg_is_an_svg_image_and_depends_on_the_data():
    image = qr.svg("http://localhost:8000/events/1/checkin/?code=ABCDEFGHJK")
    root = ET.fromstring(image)  # noqa: S314 - our own generated SVG
    assert root.tag.endswith("svg") and root.find("{http://www.w3.org/2000/svg}path") is not None
    assert image != qr.svg("http://localhost:8000/events/1/checkin/?code=ABCDEFGHJL")


def test_registration_page_and_confirmation_email_carry_the_checkin_qr(client):
    event = EventFactory()
    registration = services.register(event=event, applicant=services.Applicant("Алия Бекова", "aliya@example.kz"))
    assert len(registration.checkin_code) == 10
    url = services.checkin_url(registration)
    assert url == absolute_url(f"/events/{event.pk}/checkin/?code={registration.checkin_code}")
    response = client.get(reverse("events:registration", args=[registration.token]))
    page = response.content.decode()
    assert response.context["qr_svg"] == qr.svg(url)  # the QR encodes exactly the staff check-in URL
    assert "<svg" in page and registration.checkin_code in page
    message = OutboundMessage.objects.get(key=f"registered:registration:{registration.pk}")
    assert registration.checkin_code in message.body
    assert qr.svg(url) in message.html_body
    # A cancelled registration shows no code.
    services.cancel_registration(registration=registration)
    assert client.get(reverse("events:registration", args=[registration.token])).context["qr_svg"] == ""


def test_codes_are_unique():
    event = EventFactory()
    codes = {RegistrationFactory(event=event).checkin_code for _ in range(20)}
    assert len(codes) == 20


def test_scanned_code_highlights_and_checks_in_once(client_for, coordinator):
    starts = datetime(2026, 12, 11, 11, 0, tzinfo=TZ)
    event = EventFactory(starts_at=starts, ends_at=starts + timedelta(hours=2))
    registration = RegistrationFactory(event=event, person__full_name="Алия Бекова")
    RegistrationFactory(event=event, person__full_name="Нурлан Ахметов")
    client = client_for(coordinator)
    url = reverse("events:checkin", args=[event.pk])
    page = client.get(url, {"code": registration.checkin_code.lower()})
    assert page.status_code == 200 and page.context["scanned"] == registration
    assert 'id="scanned"' in page.content.decode()
    with time_machine.travel(datetime(2026, 12, 11, 10, 5, tzinfo=TZ), tick=False):
        client = client_for(coordinator)  # on the day of the event: a session from today would have expired
        response = client.post(url, {"action": "check_in", "registration": registration.pk}, follow=True)
    assert "Алия Бекова is checked in." in response.content.decode()
    registration.refresh_from_db()
    assert timezone_hhmm(registration.checked_in_at) == "10:05"
    with time_machine.travel(datetime(2026, 12, 11, 10, 9, tzinfo=TZ), tick=False):
        response = client.post(url, {"action": "check_in", "registration": registration.pk}, follow=True)
    assert "Алия Бекова is already checked in at 10:05." in response.content.decode()
    registration.refresh_from_db()
    assert timezone_hhmm(registration.checked_in_at) == "10:05"
    again = client.get(url, {"code": registration.checkin_code}).content.decode()
    assert "Already checked in at 10:05." in again


def timezone_hhmm(moment):
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%H:%M")


def test_check_in_once_service_reports_the_second_scan(coordinator):
    registration = RegistrationFactory()
    with time_machine.travel(registration.event.starts_at, tick=False):  # the door is open
        first, newly = services.check_in_once(registration=registration, by=coordinator)
        assert newly
        second, newly_again = services.check_in_once(registration=registration, by=coordinator)
    assert not newly_again and second.checked_in_at == first.checked_in_at


def test_unknown_or_other_events_code_and_search_by_code(client_for, coordinator):
    event = EventFactory()
    mine = RegistrationFactory(event=event, person__full_name="Алия Бекова")
    elsewhere = RegistrationFactory(event=EventFactory())
    client = client_for(coordinator)
    url = reverse("events:checkin", args=[event.pk])
    page = client.get(url, {"code": elsewhere.checkin_code})
    assert page.context["scanned"] is None and "No registration of this event has the code" in page.content.decode()
    found = client.get(url, {"q": mine.checkin_code})
    assert list(found.context["registrations"]) == [mine]
    assert list(client.get(url, {"q": elsewhere.checkin_code}).context["registrations"]) == []


def test_no_shows_and_walk_ins_counted(client_for, staff_user):
    start = datetime.now(TZ) - timedelta(hours=3)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), status=Event.Status.HELD)
    came = RegistrationFactory(event=event, person__full_name="Пришла Вовремя")
    RegistrationFactory(event=event, person__full_name="Не Пришёл")
    RegistrationFactory(event=event, person__full_name="Ждёт Место", status=Registration.Status.WAITLISTED)
    services.check_in(registration=came, by=staff_user)
    services.add_walk_in(event=event, by=staff_user, full_name="Без Регистрации")
    client = client_for(staff_user)
    page = client.get(reverse("events:checkin", args=[event.pk]), {"show": "absent"})
    names = [r.person.full_name for r in page.context["registrations"]]
    assert names == ["Не Пришёл"]
    assert page.context["counts"] == {"present": 2, "expected": 3, "absent": 1, "walk_ins": 1, "coming": 0}


@pytest.mark.parametrize(
    "role,expected",
    [
        ("staff_user", 200),
        ("coordinator", 200),
        ("other_coordinator", 403),
        ("trainer", 403),
        ("finance_officer", 403),
        ("integrity_officer", 403),
        ("nobody", 403),
        ("auditor", 302),
    ],
)
def test_scanned_checkin_url_by_role(client_for, request, role, expected):
    registration = RegistrationFactory()
    url = f"{reverse('events:checkin', args=[registration.event_id])}?code={registration.checkin_code}"
    response = client_for(request.getfixturevalue(role)).get(url)
    assert response.status_code == expected
    with time_machine.travel(registration.event.starts_at, tick=False):  # the door is open
        post = client_for(request.getfixturevalue(role)).post(
            reverse("events:checkin", args=[registration.event_id]),
            {"action": "check_in", "registration": registration.pk},
        )
    registration.refresh_from_db()
    assert (registration.checked_in_at is not None) == (expected == 200)
    assert post.status_code in ((302,) if expected == 200 else (403, 302))


def test_scanned_checkin_url_sends_anonymous_to_login_keeping_the_code(client):
    registration = RegistrationFactory()
    url = f"{reverse('events:checkin', args=[registration.event_id])}?code={registration.checkin_code}"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert registration.checkin_code in response["Location"]  # after login the scan lands on the registration
