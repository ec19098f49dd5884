"""Issue #16, class 10: rules that a form can bypass. Each rule holds in the service or the database, so every test
goes around the forms: it calls the service, writes the row, or requests the URL directly."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from icalendar import Calendar

from events import ics, rules, services
from events.models import Assignment, Certificate, Event, EventApproval, Policy
from tests.events.factories import (
    EnrolmentFactory,
    SessionFactory,
    StationFactory,
    certified,
)

# --- The law's maximum of trusted representatives per precinct ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", [4, 10, 32767])
def test_the_proxies_policy_cannot_exceed_the_law_in_the_database(value):
    Policy.objects.get_or_create(pk=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Policy.objects.update(proxies_per_station=value)


@pytest.mark.django_db
def test_the_fourth_proxy_is_refused_whatever_the_policy_row_says(staff_user):
    Policy.objects.get_or_create(pk=1)
    station = StationFactory()

    def add(n):
        services.assign(
            station=station,
            person=certified(kind="proxy").person,
            role="proxy",
            registration_number=f"ДЛ-{n}",
            registration_date=date(2026, 12, 1),
            by=staff_user,
        )

    for n in range(3):
        add(n)
    with pytest.raises(ValidationError, match="already has 3"):
        add(4)
    assert rules.proxies_allowed(1000) == rules.PROXIES_PER_STATION_MAX == 3


# --- One active assignment per person ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_service_refuses_a_second_station_for_the_same_person(staff_user):
    cert = certified(kind="proxy")
    first, second = StationFactory(), StationFactory()
    services.assign(
        station=first, person=cert.person, role="proxy", registration_number="1", registration_date=date(2026, 12, 1),
        by=staff_user,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already assigned"):
        services.assign(
            station=second, person=cert.person, role="proxy", registration_number="2",
            registration_date=date(2026, 12, 1), by=staff_user,
        )  # fmt: skip


@pytest.mark.django_db
def test_the_database_refuses_two_active_assignments_of_one_person(staff_user):
    cert = certified(kind="proxy")
    row = {"person": cert.person, "role": "proxy", "certificate": cert, "registration_number": "1",
           "registration_date": date(2026, 12, 1)}  # fmt: skip
    Assignment.objects.create(station=StationFactory(), **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(station=StationFactory(), **row)
    # Once the first ends, the person may be deployed elsewhere.
    Assignment.objects.filter(person=cert.person).update(ended_at=timezone.now())
    Assignment.objects.create(station=StationFactory(), **row)


# --- Certificates only after the session took place -------------------------------------------------------------


@pytest.mark.django_db
def test_certificates_cannot_be_issued_before_the_session_took_place(staff_user):
    session = SessionFactory()  # starts in five days
    EnrolmentFactory(session=session, attended=True, score=95)  # written around record_results and its form
    with pytest.raises(ValidationError, match="not taken place"):
        services.issue_certificates(session=session, by=staff_user)
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_attendance_cannot_be_recorded_before_the_session_starts(staff_user):
    session = SessionFactory()
    enrolment = EnrolmentFactory(session=session)
    with pytest.raises(ValidationError, match="not taken place"):
        services.record_results(
            session=session, by=staff_user, results=[services.Result(enrolment.pk, attended=True, score=90)]
        )


@pytest.mark.django_db
def test_a_cancelled_session_certifies_nobody(staff_user):
    now = timezone.now()
    session = SessionFactory(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-4))
    EnrolmentFactory(session=session, attended=True, score=95)
    session.cancelled_at = now - timedelta(days=3)
    session.save()
    with pytest.raises(ValidationError, match="cancelled"):
        services.issue_certificates(session=session, by=staff_user)


@pytest.mark.django_db
def test_certificates_are_issued_once_the_session_is_over(staff_user):
    now = timezone.now()
    session = SessionFactory(starts_at=now - timedelta(hours=5), ends_at=now - timedelta(hours=1))
    EnrolmentFactory(session=session, attended=True, score=95)
    assert len(services.issue_certificates(session=session, by=staff_user)) == 1


# --- An approved event whose time or place changes goes back to review ------------------------------------------


def _approved_event(coordinator, staff_user) -> Event:
    event = services.create_event(
        by=coordinator,
        data={
            "title": "Встреча",
            "kind": "indoor",
            "region": coordinator.profile.region,
            "place": "Дом культуры",
            "starts_at": timezone.now() + timedelta(days=30),
            "ends_at": timezone.now() + timedelta(days=30, hours=2),
            "capacity": 50,
        },
    )
    assert event.status == Event.Status.PROPOSED
    return services.approve_event(event=event, by=staff_user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"place": "Стадион"},
        {"starts_at": timezone.now() + timedelta(days=31), "ends_at": timezone.now() + timedelta(days=31, hours=2)},
    ],
    ids=["place", "date"],
)
def test_changing_an_approved_events_time_or_place_sends_it_back_to_review(coordinator, staff_user, change):
    event = _approved_event(coordinator, staff_user)
    assert event.status == Event.Status.PLANNED
    event = services.update_event(event=event, by=coordinator, data=change)
    assert event.status == Event.Status.PROPOSED
    assert not EventApproval.objects.filter(event=event).exists()
    assert services.approve_event(event=event, by=staff_user).status == Event.Status.PLANNED  # reviewed again


@pytest.mark.django_db
def test_other_changes_keep_the_approval(coordinator, staff_user):
    event = _approved_event(coordinator, staff_user)
    event = services.update_event(event=event, by=coordinator, data={"capacity": 60, "description": "Чай"})
    assert event.status == Event.Status.PLANNED


# --- A revoked certificate has no PDF; the PDF is rate-limited --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_an_invalid_certificate_gets_no_pdf(client, state):
    today = timezone.localdate()
    extra = {"revoked_at": timezone.now()} if state == "revoked" else {"valid_until": today - timedelta(days=1)}
    cert = certified(**extra)
    response = client.get(reverse("events:certificate_pdf", args=[cert.verification_code]))
    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_certificate_pdf_is_rate_limited(client):
    from django.core.cache import cache

    cache.clear()
    url = reverse("events:certificate_pdf", args=["NO-SUCH-CODE"])
    statuses = [client.get(url).status_code for _attempt in range(21)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    cache.clear()


# --- .ics text: escaped and folded by RFC 5545 ------------------------------------------------------------------

ICS_TEXT = st.text(
    alphabet=st.one_of(st.sampled_from("\r\n;,\\:\"'ж€😀 \t"), st.characters(codec="utf-8")), max_size=300
)


def _as_text_value(value: str) -> str:
    """What an iCalendar TEXT can carry of ``value``: line breaks as LF, no control characters but TAB and LF."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in value if c in "\t\n" or not (ord(c) < 32 or 127 <= ord(c) < 160))


def _text_property(body: str, name: str) -> str:
    """Read one TEXT property the way RFC 5545 says: unfold (§3.1), then unescape in one pass (§3.3.11).

    The icalendar library's reader unescapes with chained ``str.replace`` calls, so it reads an escaped backslash
    followed by ``N`` (``\\\\N``, the text ``\\N``) as a line break: it is the writer that is under test here.
    """
    unfolded = re.sub(r"\r\n[ \t]", "", body)
    (line,) = [line for line in unfolded.split("\r\n") if line.startswith(name + ":")]
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], line[len(name) + 1 :])


@given(title=ICS_TEXT, place=ICS_TEXT, description=ICS_TEXT)
@example(title="\\N", place="a\\nb", description="\\\\N;\\,")
def test_ics_text_round_trips_and_every_line_fits_75_octets(title, place, description):
    start = timezone.now().replace(microsecond=0)
    body = ics.calendar_file(
        uid="event-1@coalition-hq", title=title, starts_at=start, ends_at=start + timedelta(hours=2),
        place=place, description=description,
    )  # fmt: skip
    raw = body.encode()
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert all(b"\r" not in line and b"\n" not in line for line in lines)  # no bare CR or LF inside a line
    assert _text_property(body, "SUMMARY") == _as_text_value(title)
    assert _text_property(body, "LOCATION") == _as_text_value(place)
    assert _text_property(body, "DESCRIPTION") == _as_text_value(description)
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == start
