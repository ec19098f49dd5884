"""Every events list: who may open it and its export, search/filters/pagination, a coordinator's region also in the
files, and exports that parse back (csv module, openpyxl) with formula-like cells neutralised."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events import services
from events.models import Certificate
from tests.events.factories import (
    EnrolmentFactory,
    EventFactory,
    PersonFactory,
    SessionFactory,
    StationFactory,
    accredit,
    admitted_organization,
    certified,
)
from tests.factories import region

pytestmark = pytest.mark.django_db

ROLES = ["staff_user", "coordinator", "trainer", "finance_officer", "integrity_officer", "nobody", "auditor"]

LISTS = {
    "events:list": {"staff_user", "coordinator", "trainer", "finance_officer", "integrity_officer"},
    "events:sessions": {"staff_user", "coordinator", "trainer"},
    "events:certificates": {"staff_user", "coordinator", "trainer"},
    "events:stations": {"staff_user", "coordinator"},
    "events:assignments": {"staff_user", "coordinator"},
    "events:coverage": {"staff_user", "coordinator"},
    "events:accreditations": {"staff_user", "coordinator"},
}


def _rows_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _rows_xlsx(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return [list(row) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["", "csv", "xlsx"])
@pytest.mark.parametrize("name", sorted(LISTS))
@pytest.mark.parametrize("role", ROLES)
def test_lists_and_their_exports_by_role(client_for, request, name, role, fmt):
    client = client_for(request.getfixturevalue(role))
    response = client.get(reverse(name), {"export": fmt} if fmt else {})
    if role == "auditor":
        assert response.status_code == 302  # auditors read through /audit/
    elif role in LISTS[name]:
        assert response.status_code == 200
        if fmt:
            assert "attachment" in response["Content-Disposition"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("name", sorted(LISTS))
def test_anonymous_export_goes_to_login(client, name):
    response = client.get(reverse(name), {"export": "csv"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _certificate_in(session, full_name: str) -> Certificate:
    enrolment = EnrolmentFactory(session=session, person=PersonFactory(full_name=full_name), attended=True, score=90)
    return Certificate.objects.create(
        number=f"OBS-{enrolment.pk}",
        enrolment=enrolment,
        person=enrolment.person,
        course=enrolment.session.course,
        issued_on=timezone.localdate(),
    )


@pytest.fixture
def two_regions(staff_user):
    """One of everything in Karaganda (KZ-35, the coordinator's) and in Shymkent (KZ-79)."""
    made = {}
    for code, city in (("KZ-35", "Караганда"), ("KZ-79", "Шымкент")):
        session = SessionFactory(region=region(code), place=f"{city}, учебный центр")
        cert = _certificate_in(session, f"Наблюдатель {city}")
        station = StationFactory(region=region(code), address=f"{city}, школа № 1")
        org = admitted_organization(region=region(code), short_name=f"ОО {city}", name_ru=f"ОО {city}")
        services.assign(station=station, person=cert.person, role="observer", organization=org, by=staff_user)
        made[code] = city
    return made


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("events:sessions", 4),  # place
        ("events:certificates", 1),  # person
        ("events:stations", 2),  # address
        ("events:assignments", 3),  # person
        ("events:coverage", 1),  # region name
        ("events:accreditations", 0),  # organization
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_coordinator_exports_only_own_region(client_for, coordinator, staff_user, two_regions, name, column, fmt):
    parse = _rows_csv if fmt == "csv" else _rows_xlsx
    mine = parse(client_for(coordinator).get(reverse(name), {"export": fmt}))
    everything = parse(client_for(staff_user).get(reverse(name), {"export": fmt}))
    values = " ".join(str(row[column]) for row in mine[1:])
    assert len(mine) == 2, mine  # header and Karaganda's row
    if name != "events:coverage":
        assert "Караганда" in values and "Шымкент" not in values
    assert len(everything) == 3
    # Even a region filter for another region does not widen a coordinator's file.
    other = parse(client_for(coordinator).get(reverse(name), {"export": fmt, "region": region("KZ-79").pk}))
    assert "Шымкент" not in " ".join(str(cell) for row in other for cell in row)


def test_coordinator_pages_show_only_own_region(client_for, coordinator, two_regions):
    client = client_for(coordinator)
    for name in ("events:sessions", "events:certificates", "events:stations", "events:assignments"):
        page = client.get(reverse(name)).content.decode()
        assert "Шымкент" not in page, name
    page = client.get(reverse("events:accreditations")).content.decode()
    assert "ОО Караганда" in page and "ОО Шымкент" not in page


FORMULA = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_neutralise_formulas(client_for, staff_user, fmt):
    parse = _rows_csv if fmt == "csv" else _rows_xlsx
    session = SessionFactory(place="+cmd|' /C calc'!A0")
    person = PersonFactory(full_name=FORMULA)
    enrolment = EnrolmentFactory(session=session, person=person, attended=True, score=95)
    cert = Certificate.objects.create(
        number="@SUM(1)", enrolment=enrolment, person=person, course=session.course, issued_on=timezone.localdate()
    )
    station = StationFactory(address="-2+3")
    org = admitted_organization(accredited=False, short_name="=1+1")
    accredit(org, number="=NB-1", issuing_body="@ЦИК")
    services.assign(station=station, person=person, role="observer", organization=org, by=staff_user)
    client = client_for(staff_user)

    def cells(name, *args, **params):
        rows = parse(client.get(reverse(name, args=args), {"export": fmt, **params}))
        return [cell for row in rows[1:] for cell in row]

    assert "'+cmd|' /C calc'!A0" in cells("events:sessions")
    enrolled = cells("events:session_enrolments", session.pk)
    assert "'" + FORMULA in enrolled and "'@SUM(1)" in enrolled
    assert "'" + FORMULA in cells("events:certificates") and cert.number not in cells("events:certificates")
    assert "'-2+3" in cells("events:stations")
    assigned = cells("events:assignments")
    assert "'" + FORMULA in assigned and "'-2+3" in assigned
    accredited = cells("events:accreditations")
    assert "'=NB-1" in accredited and "'@ЦИК" in accredited
    # Nothing in any file starts a formula.
    for name, args in [
        ("events:sessions", ()),
        ("events:session_enrolments", (session.pk,)),
        ("events:certificates", ()),
        ("events:stations", ()),
        ("events:assignments", ()),
        ("events:coverage", ()),
        ("events:accreditations", ()),
    ]:
        for cell in cells(name, *args):
            assert not (isinstance(cell, str) and cell.startswith(("=", "+", "-", "@"))), (name, cell)


def test_xlsx_keeps_numbers_and_dates_typed(client_for, staff_user):
    cert = certified(valid_until=date(2027, 12, 31))
    rows = _rows_xlsx(client_for(staff_user).get(reverse("events:certificates"), {"export": "xlsx"}))
    header, row = rows[0], rows[1]
    assert header[0] == "Number" and row[0] == cert.number
    assert row[header.index("Valid until")].date() == date(2027, 12, 31)
    rows = _rows_csv(client_for(staff_user).get(reverse("events:certificates"), {"export": "csv"}))
    assert rows[1][rows[0].index("Valid until")] == "31.12.2027"
    StationFactory()
    rows = _rows_xlsx(client_for(staff_user).get(reverse("events:stations"), {"export": "xlsx"}))
    assert rows[1][3] == 0  # certified people assigned: a number, not text


def test_export_follows_the_filters(client_for, staff_user):
    SessionFactory(place="Караганда, учебный центр")
    SessionFactory(place="Темиртау, дом культуры")
    rows = _rows_csv(client_for(staff_user).get(reverse("events:sessions"), {"export": "csv", "q": "Темиртау"}))
    assert [row[4] for row in rows[1:]] == ["Темиртау, дом культуры"]


# --- Search, filters and pagination of the lists that lacked them ---------------------------------------------


def test_session_list_search_filters_and_pagination(client_for, staff_user):
    past = SessionFactory(
        place="Темиртау, прошлый курс",
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    SessionFactory(place="Караганда, будущий курс")
    SessionFactory(place="Караганда, отменён", cancelled_at=timezone.now())
    client = client_for(staff_user)
    page = client.get(reverse("events:sessions"), {"when": "past"}).content.decode()
    assert past.place in page and "будущий" not in page and "отменён" not in page
    page = client.get(reverse("events:sessions"), {"when": "cancelled"}).content.decode()
    assert "отменён" in page and "будущий" not in page
    page = client.get(reverse("events:sessions"), {"q": "будущий"}).content.decode()
    assert "будущий" in page and "Темиртау" not in page
    SessionFactory.create_batch(26)
    page = client.get(reverse("events:sessions"), {"q": "учебный"}).content.decode()
    assert "page=2" in page and "q=" in page  # the page links keep the search


def test_enrolment_list_filters_by_result_and_region_scope(client_for, staff_user, coordinator, other_coordinator):
    session = SessionFactory()
    EnrolmentFactory(session=session, person=PersonFactory(full_name="Сдал Экзамен"), attended=True, score=90)
    EnrolmentFactory(session=session, person=PersonFactory(full_name="Не Сдал"), attended=True, score=40)
    EnrolmentFactory(session=session, person=PersonFactory(full_name="Не Пришёл"), attended=False)
    url = reverse("events:session_enrolments", args=[session.pk])
    client = client_for(staff_user)
    page = client.get(url, {"result": "passed"}).content.decode()
    assert "Сдал Экзамен" in page and "Не Сдал" not in page and "Не Пришёл" not in page
    page = client.get(url, {"result": "absent"}).content.decode()
    assert "Не Пришёл" in page and "Сдал Экзамен" not in page
    page = client.get(url, {"q": "не сдал"}).content.decode()
    assert "Не Сдал" in page and "Сдал Экзамен" not in page
    rows = _rows_csv(client.get(url, {"export": "csv", "result": "failed"}))
    assert [row[0] for row in rows[1:]] == ["Не Сдал"]
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(other_coordinator).get(url).status_code == 403
    assert client_for(other_coordinator).get(url, {"export": "csv"}).status_code == 403


def test_certificate_list_filters_by_status_and_course(client_for, staff_user):
    valid = certified(person=PersonFactory(full_name="Действующий Сертификат"))
    certified(person=PersonFactory(full_name="Отозванный Сертификат"), revoked_at=timezone.now(), revoke_reason="x")
    certified(
        person=PersonFactory(full_name="Истёкший Сертификат"), valid_until=timezone.localdate() - timedelta(days=1)
    )
    proxy = certified(person=PersonFactory(full_name="Доверенное Лицо"), kind="proxy")
    client = client_for(staff_user)
    page = client.get(reverse("events:certificates"), {"status": "valid"}).content.decode()
    assert "Действующий" in page and "Доверенное" in page and "Отозванный" not in page and "Истёкший" not in page
    page = client.get(reverse("events:certificates"), {"status": "revoked"}).content.decode()
    assert "Отозванный" in page and "Действующий" not in page
    page = client.get(reverse("events:certificates"), {"status": "expired"}).content.decode()
    assert "Истёкший" in page and "Отозванный" not in page
    page = client.get(reverse("events:certificates"), {"course": proxy.course.pk}).content.decode()
    assert "Доверенное" in page and "Действующий" not in page
    page = client.get(reverse("events:certificates"), {"q": valid.verification_code}).content.decode()
    assert "Действующий" in page and "Доверенное" not in page


def test_assignment_list_shows_active_by_default_and_filters(client_for, staff_user):
    org = admitted_organization()
    station = StationFactory(number="0917")
    active = services.assign(
        station=station,
        person=certified(person=PersonFactory(full_name="Активный Наблюдатель")).person,
        role="observer",
        organization=org,
        by=staff_user,
    )
    ended = services.assign(
        station=StationFactory(),
        person=certified(person=PersonFactory(full_name="Бывший Наблюдатель")).person,
        role="observer",
        organization=org,
        by=staff_user,
    )
    services.end_assignment(assignment=ended, by=staff_user)
    services.assign(
        station=station,
        person=certified(person=PersonFactory(full_name="Доверенный Представитель"), kind="proxy").person,
        role="proxy",
        registration_number="ДЛ-77",
        registration_date=date(2026, 12, 1),
        by=staff_user,
    )
    client = client_for(staff_user)
    page = client.get(reverse("events:assignments")).content.decode()
    assert "Активный" in page and "Доверенный" in page and "Бывший" not in page
    page = client.get(reverse("events:assignments"), {"state": "ended"}).content.decode()
    assert "Бывший" in page and "Активный" not in page
    page = client.get(reverse("events:assignments"), {"state": "", "role": "observer"}).content.decode()
    assert "Бывший" in page and "Активный" in page and "Доверенный" not in page
    page = client.get(reverse("events:assignments"), {"q": "ДЛ-77"}).content.decode()
    assert "Доверенный" in page and "Активный" not in page
    services.revoke_certificate(certificate=active.certificate, by=staff_user, reason="test")
    page = client.get(reverse("events:assignments"), {"certificate": "lapsed"}).content.decode()
    assert "Активный" in page and "Доверенный" not in page


def test_station_list_pagination_keeps_the_search_and_exports_the_filtered_stations(client_for, staff_user):
    for n in range(30):
        StationFactory(address=f"Караганда, ул. Мира, {n}")
    StationFactory(address="Темиртау, ул. Ленина, 1")
    client = client_for(staff_user)
    page = client.get(reverse("events:stations"), {"q": "Мира"}).content.decode()
    assert "q=%D0%9C%D0%B8%D1%80%D0%B0&amp;page=2" in page
    rows = _rows_csv(client.get(reverse("events:stations"), {"export": "csv", "q": "Мира"}))
    assert len(rows) == 31 and all("Мира" in row[2] for row in rows[1:])


def test_list_pages_link_their_exports(client_for, staff_user):
    client = client_for(staff_user)
    session = SessionFactory()
    EventFactory()
    for url in [
        reverse("events:sessions"),
        reverse("events:session_enrolments", args=[session.pk]),
        reverse("events:certificates"),
        reverse("events:stations"),
        reverse("events:assignments"),
        reverse("events:coverage"),
        reverse("events:accreditations"),
    ]:
        page = client.get(url).content.decode()
        assert "export=csv" in page and "export=xlsx" in page, url


@pytest.mark.parametrize(
    "name", ["events:sessions", "events:certificates", "events:assignments", "events:accreditations", "events:stations"]
)
def test_list_query_count_does_not_grow_with_rows(client_for, staff_user, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_rows(n):
        for _ in range(n):
            org = admitted_organization()
            cert = certified()
            services.assign(
                station=StationFactory(), person=cert.person, role="observer", organization=org, by=staff_user
            )

    client = client_for(staff_user)
    add_rows(1)
    client.get(reverse(name))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(name))
    add_rows(5)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse(name))
    assert len(many) == len(few), name
