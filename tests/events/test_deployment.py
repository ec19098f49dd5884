"""Assignments gated by certification and the legal limits, coverage numbers.

The polling stations import is tested in test_station_import.py.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from events import selectors, services
from events.models import Assignment, Course, Policy
from tests.events.factories import StationFactory, admitted_organization, certified
from tests.factories import OrganizationFactory, region

pytestmark = pytest.mark.django_db


def test_only_certified_people_of_the_right_course_are_assigned(staff_user):
    station = StationFactory()
    org = admitted_organization()
    proxy_cert = certified(kind=Course.Kind.PROXY)
    with pytest.raises(ValidationError, match="no valid certificate"):
        services.assign(station=station, person=proxy_cert.person, role="observer", organization=org, by=staff_user)
    revoked = certified(kind=Course.Kind.OBSERVER, revoked_at=timezone.now())
    with pytest.raises(ValidationError):
        services.assign(station=station, person=revoked.person, role="observer", organization=org, by=staff_user)
    expired = certified(kind=Course.Kind.OBSERVER, valid_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError):
        services.assign(station=station, person=expired.person, role="observer", organization=org, by=staff_user)
    assert not Assignment.objects.exists()


def test_model_layer_refuses_a_certificate_of_another_course():
    cert = certified(kind=Course.Kind.PROXY)
    assignment = Assignment(
        station=StationFactory(),
        person=cert.person,
        role="observer",
        certificate=cert,
        organization=admitted_organization(),
    )
    with pytest.raises(ValidationError, match="another course"):
        assignment.full_clean()


def test_one_observer_per_organization_per_station(staff_user):
    station = StationFactory()
    org = admitted_organization()
    first, second = certified(), certified()
    services.assign(station=station, person=first.person, role="observer", organization=org, by=staff_user)
    with pytest.raises(ValidationError, match="already has an observer"):
        services.assign(station=station, person=second.person, role="observer", organization=org, by=staff_user)
    services.assign(
        station=station, person=second.person, role="observer", organization=admitted_organization(), by=staff_user
    )
    # The database refuses it too, whatever code path writes.
    with pytest.raises(IntegrityError):
        Assignment.objects.create(
            station=station, person=certified().person, role="observer", certificate=certified(), organization=org
        )


def test_observer_needs_an_admitted_nominating_organization(staff_user):
    cert = certified()
    with pytest.raises(ValidationError):
        services.assign(station=StationFactory(), person=cert.person, role="observer", by=staff_user)
    with pytest.raises(ValidationError, match="admitted"):
        services.assign(
            station=StationFactory(),
            person=cert.person,
            role="observer",
            organization=OrganizationFactory(status="applied"),
            by=staff_user,
        )


def test_at_most_three_proxies_per_precinct_and_the_limit_is_a_setting(staff_user):
    station = StationFactory()
    for n in range(3):
        services.assign(
            station=station,
            person=certified(kind="proxy").person,
            role="proxy",
            registration_number=f"ДЛ-{n}",
            registration_date=date(2026, 12, 1),
            by=staff_user,
        )
    with pytest.raises(ValidationError, match="already has 3"):
        services.assign(
            station=station,
            person=certified(kind="proxy").person,
            role="proxy",
            registration_number="ДЛ-4",
            registration_date=date(2026, 12, 1),
            by=staff_user,
        )
    # The policy may allow fewer than the law's 3 (never more: tests/events/test_rules_by_construction.py).
    Policy.objects.update(proxies_per_station=2)
    other = StationFactory()
    for n in range(2):
        services.assign(
            station=other,
            person=certified(kind="proxy").person,
            role="proxy",
            registration_number=f"ДЛ-{n}",
            registration_date=date(2026, 12, 1),
            by=staff_user,
        )
    with pytest.raises(ValidationError, match="already has 2"):
        services.assign(
            station=other,
            person=certified(kind="proxy").person,
            role="proxy",
            registration_number="ДЛ-3",
            registration_date=date(2026, 12, 1),
            by=staff_user,
        )


def test_proxy_needs_the_commission_registration(staff_user):
    cert = certified(kind="proxy")
    with pytest.raises(ValidationError):
        services.assign(station=StationFactory(), person=cert.person, role="proxy", by=staff_user)


def test_coordinator_assigns_only_in_own_region(coordinator):
    cert = certified()
    with pytest.raises(PermissionDenied):
        services.assign(
            station=StationFactory(region=region("KZ-79")),
            person=cert.person,
            role="observer",
            organization=admitted_organization(),
            by=coordinator,
        )


def test_coverage_numbers_on_a_known_data_set(staff_user):
    """Karaganda: 4 stations with 0, 1, 2 and 3 certified people; Astana: 1 station with one revoked person."""
    org_a, org_b = admitted_organization(), admitted_organization()
    k0, k1, k2, k3 = (StationFactory(region=region("KZ-35")) for _ in range(4))
    astana = StationFactory(region=region("KZ-71"))

    def observer(station, org):
        return services.assign(
            station=station, person=certified().person, role="observer", organization=org, by=staff_user
        )

    observer(k1, org_a)
    observer(k2, org_a)
    observer(k2, org_b)
    observer(k3, org_a)
    observer(k3, org_b)
    services.assign(
        station=k3,
        person=certified(kind="proxy").person,
        role="proxy",
        registration_number="1",
        registration_date=date(2026, 12, 1),
        by=staff_user,
    )
    ended = observer(k0, org_a)
    services.end_assignment(assignment=ended, by=staff_user)
    lapsed = observer(astana, org_a)
    services.revoke_certificate(certificate=lapsed.certificate, by=staff_user, reason="test")

    rows = {row["region__code"]: row for row in selectors.coverage_by_region(staff_user)}
    assert {k: rows["KZ-35"][k] for k in ("stations", "none", "one", "two_plus")} == {
        "stations": 4,
        "none": 1,
        "one": 1,
        "two_plus": 2,
    }
    assert {k: rows["KZ-71"][k] for k in ("stations", "none", "one", "two_plus")} == {
        "stations": 1,
        "none": 1,
        "one": 0,
        "two_plus": 0,
    }
    assert list(selectors.uncertified_assignments(staff_user)) == [lapsed]


def test_coverage_is_scoped_for_coordinators(coordinator, staff_user):
    StationFactory(region=region("KZ-35"))
    StationFactory(region=region("KZ-71"))
    assert [r["region__code"] for r in selectors.coverage_by_region(coordinator)] == ["KZ-35"]
    assert len(selectors.coverage_by_region(staff_user)) == 2
