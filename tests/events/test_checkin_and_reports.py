"""At the door (check-in, walk-ins) and after the event (the report, reminded daily until filed)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from coalition.models import OutboundMessage
from events import services, tasks
from events.models import Event, Registration
from members.models import Consent
from tests.events.factories import EventFactory, RegistrationFactory, admitted_organization
from tests.factories import region

pytestmark = pytest.mark.django_db


def test_check_in_once_and_walk_in_records_paper_consent(coordinator):
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    with time_machine.travel(event.starts_at, tick=False):
        services.check_in(registration=registration, by=coordinator)
        first = Registration.objects.get(pk=registration.pk).checked_in_at
        services.check_in(registration=registration, by=coordinator)
        assert Registration.objects.get(pk=registration.pk).checked_in_at == first
        walk_in = services.add_walk_in(event=event, by=coordinator, full_name="Бауыржан Омаров", phone="+77051234567")
    assert walk_in.walk_in and walk_in.checked_in_at is not None
    assert Consent.objects.get(person=walk_in.person).text_version.endswith("-paper")


@pytest.mark.parametrize(
    ("offset", "allowed"),
    [
        (timedelta(days=-16), False),  # the walk-through's case: 16 days before the event
        (timedelta(hours=-12, seconds=-1), False),
        (timedelta(hours=-12), True),  # the door opens 12 hours before the start
        (timedelta(hours=1), True),
        (timedelta(hours=2 + 6), True),  # ... and closes 6 hours after the end (a 2-hour event)
        (timedelta(hours=2 + 6, seconds=1), False),
        (timedelta(days=3), False),
    ],
)
def test_check_in_only_from_12_hours_before_until_6_hours_after_the_event(coordinator, offset, allowed):
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    with time_machine.travel(event.starts_at + offset, tick=False):
        if allowed:
            assert services.check_in_once(registration=registration, by=coordinator)[1]
            assert services.add_walk_in(event=event, by=coordinator, full_name="Бауыржан Омаров").checked_in_at
        else:
            with pytest.raises(ValidationError, match="Check-in"):
                services.check_in(registration=registration, by=coordinator)
            with pytest.raises(ValidationError, match="Check-in"):
                services.add_walk_in(event=event, by=coordinator, full_name="Бауыржан Омаров")
            assert Registration.objects.get(pk=registration.pk).checked_in_at is None
            assert not Registration.objects.filter(walk_in=True).exists()


def test_no_check_in_for_cancelled_registrations_or_events_or_other_regions(coordinator, other_coordinator):
    registration = RegistrationFactory(status=Registration.Status.CANCELLED)
    with pytest.raises(ValidationError):
        services.check_in(registration=registration, by=coordinator)
    with pytest.raises(PermissionDenied):
        services.check_in(registration=RegistrationFactory(), by=other_coordinator)
    with pytest.raises(ValidationError):
        services.add_walk_in(event=EventFactory(status=Event.Status.CANCELLED), by=coordinator, full_name="X")


def test_report_only_after_the_event_is_held(staff_user):
    event = EventFactory()
    with pytest.raises(ValidationError):
        services.file_report(event=event, by=staff_user, turnout=10, organizations=[])
    Event.objects.filter(pk=event.pk).update(status=Event.Status.HELD)
    org = admitted_organization()
    report = services.file_report(event=event, by=staff_user, turnout=42, organizations=[org], notes="Хорошо")
    assert report.turnout == 42 and list(report.organizations.all()) == [org]
    services.file_report(event=event, by=staff_user, turnout=45, organizations=[])
    event.report.refresh_from_db()
    assert event.report.turnout == 45 and not event.report.organizations.exists()


def test_report_reminder_daily_until_filed(staff_user):
    start = timezone.now() - timedelta(days=1)
    event = EventFactory(
        starts_at=start, ends_at=start + timedelta(hours=2), responsible=staff_user, status=Event.Status.HELD
    )
    assert tasks.send_report_reminders() == 1
    assert tasks.send_report_reminders() == 0
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert tasks.send_report_reminders() == 1
        services.file_report(event=event, by=staff_user, turnout=5, organizations=[])
        assert tasks.send_report_reminders() == 0
    assert OutboundMessage.objects.filter(key__startswith="report-due:").count() == 2


def test_checkin_page_search_check_in_and_walk_in(client_for, coordinator, other_coordinator, trainer):
    event = EventFactory()
    alpha = RegistrationFactory(event=event, person__full_name="Алия Бекова")
    RegistrationFactory(event=event, person__full_name="Нурлан Ахметов")
    url = reverse("events:checkin", args=[event.pk])
    with time_machine.travel(event.starts_at, tick=False):  # the door is open (a session from today has expired)
        client = client_for(coordinator)
        page = client.get(url, {"q": "Алия"}).content.decode()
        assert "Алия Бекова" in page and "Нурлан" not in page
        client.post(url, {"action": "check_in", "registration": alpha.pk})
        alpha.refresh_from_db()
        assert alpha.checked_in_at is not None
        response = client.post(url, {"action": "walk_in", "full_name": "Гость"})
        assert response.status_code == 200 and "paper_consent" in response.context["walk_in_form"].errors
        client.post(url, {"action": "walk_in", "full_name": "Гость", "paper_consent": "on"})
        assert event.registrations.filter(walk_in=True).count() == 1
    assert client_for(other_coordinator).get(url).status_code == 403
    assert client_for(trainer).get(url).status_code == 403


def test_checkin_page_refuses_a_check_in_days_before_the_event(client_for, coordinator):
    event = EventFactory()  # in 10 days
    registration = RegistrationFactory(event=event)
    url = reverse("events:checkin", args=[event.pk])
    client = client_for(coordinator)
    response = client.post(url, {"action": "check_in", "registration": registration.pk}, follow=True)
    assert "Check-in opens at" in response.content.decode()
    response = client.post(url, {"action": "walk_in", "full_name": "Гость", "paper_consent": "on"}, follow=True)
    assert "Check-in opens at" in response.content.decode()
    registration.refresh_from_db()
    assert registration.checked_in_at is None and not event.registrations.filter(walk_in=True).exists()


def test_report_page(client_for, coordinator, trainer):
    event = EventFactory(status=Event.Status.HELD, region=region("KZ-35"))
    url = reverse("events:report", args=[event.pk])
    client = client_for(coordinator)
    assert client.get(url).status_code == 200
    response = client.post(url, {"turnout": -1})
    assert "turnout" in response.context["form"].errors
    client.post(url, {"turnout": 30, "notes": "Прошло спокойно"})
    assert event.__class__.objects.get(pk=event.pk).report.turnout == 30
    assert "Прошло спокойно" in client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert client_for(trainer).get(url).status_code == 403


def test_check_in_keeps_the_search_as_an_encoded_query_only(client_for, coordinator):
    """The search sent back after a check-in is percent-encoded: it cannot add parameters or leave the page."""
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    url = reverse("events:checkin", args=[event.pk])
    with time_machine.travel(event.starts_at, tick=False):  # the door is open
        response = client_for(coordinator).post(
            url, {"action": "check_in", "registration": registration.pk, "q": "Ал&next=//evil.example/\r\nX: 1"}
        )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?q=%D0%90%D0%BB%26next%3D%2F%2Fevil.example%2F%0D%0AX%3A+1"


@pytest.mark.parametrize("registration", ["http://www.example/\r\nX: 1", "", "١٢", "9" * 30])
def test_check_in_of_a_tampered_registration_id_is_not_found(client_for, coordinator, registration):
    """wapiti's CRLF module posted text as the registration id: int() of it was a 500."""
    event = EventFactory()
    url = reverse("events:checkin", args=[event.pk])
    response = client_for(coordinator).post(url, {"action": "check_in", "registration": registration})
    assert response.status_code == 404
