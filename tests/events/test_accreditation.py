"""Accreditation of observer organizations (docs/domain.md §3): the record, its default end, revocation, and the rule
that an observer is assigned only while the nominating organization holds an accreditation in force."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coalition.models import AuditEntry
from events import rules, services
from events.models import Accreditation, Assignment, Policy
from tests.events.factories import StationFactory, accredit, admitted_organization, certified
from tests.factories import OrganizationFactory, region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("issued", "months", "until"),
    [
        (date(2026, 3, 15), 12, date(2027, 3, 15)),  # one year: up to and including the same date
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # a shorter month ends on its last day
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # leap day
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_accreditation_end_counts_calendar_months(issued, months, until):
    assert rules.accreditation_valid_until(issued, months) == until


def test_record_takes_its_default_end_from_the_policy(staff_user):
    org = admitted_organization(accredited=False)
    issued = timezone.localdate() - timedelta(days=10)
    first = services.record_accreditation(
        organization=org, issuing_body="ЦИК РК", number="НБ-1", issued_on=issued, by=staff_user
    )
    assert first.valid_until == rules.add_months(issued, 12) and first.is_valid()
    Policy.objects.update(accreditation_valid_months=6)
    second = services.record_accreditation(
        organization=org, issuing_body="ЦИК РК", number="НБ-2", issued_on=issued, by=staff_user
    )
    assert second.valid_until == rules.add_months(issued, 6)
    explicit = services.record_accreditation(
        organization=org,
        issuing_body="ТИК Карагандинской области",
        number="НБ-2",
        issued_on=issued,
        valid_until=issued + timedelta(days=90),
        by=staff_user,
    )
    assert explicit.valid_until == issued + timedelta(days=90) and explicit.recorded_by == staff_user
    entry = AuditEntry.objects.get(action="events.accreditation.record", object_id=str(first.pk))
    assert entry.actor == staff_user


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issued_on": timezone.localdate() + timedelta(days=1)}, "issued_on"),
        ({"valid_until": timezone.localdate() - timedelta(days=40)}, "valid_until"),
        ({"number": " "}, None),
    ],
)
def test_bad_accreditation_input_gets_a_clear_error_and_nothing_is_saved(staff_user, change, field):
    data = {
        "organization": admitted_organization(accredited=False),
        "issuing_body": "ЦИК РК",
        "number": "НБ-7",
        "issued_on": timezone.localdate() - timedelta(days=30),
        **change,
    }
    with pytest.raises(ValidationError) as exc:
        services.record_accreditation(by=staff_user, **data)
    if field:
        assert field in exc.value.message_dict
    assert not Accreditation.objects.exists()


def test_a_number_is_recorded_once_per_issuing_body(staff_user):
    org = admitted_organization(accredited=False)
    day = timezone.localdate()
    services.record_accreditation(organization=org, issuing_body="ЦИК РК", number="НБ-5", issued_on=day, by=staff_user)
    with pytest.raises(ValidationError, match="already recorded"):
        services.record_accreditation(
            organization=admitted_organization(accredited=False),
            issuing_body="цик рк",
            number="нб-5",
            issued_on=day,
            by=staff_user,
        )
    assert Accreditation.objects.count() == 1


def test_rejected_organization_cannot_be_recorded_as_accredited(staff_user):
    with pytest.raises(ValidationError, match="rejected or withdrawn"):
        services.record_accreditation(
            organization=OrganizationFactory(status="rejected"),
            issuing_body="ЦИК РК",
            number="НБ-9",
            issued_on=timezone.localdate(),
            by=staff_user,
        )


def test_coordinator_cannot_record_for_another_region(coordinator):
    org = admitted_organization(accredited=False, region=region("KZ-79"))
    with pytest.raises(PermissionDenied):
        services.record_accreditation(
            organization=org, issuing_body="ЦИК РК", number="1", issued_on=timezone.localdate(), by=coordinator
        )


def test_revocation_needs_a_reason_and_happens_once(staff_user):
    accreditation = accredit(admitted_organization(accredited=False))
    with pytest.raises(ValidationError, match="reason"):
        services.revoke_accreditation(accreditation=accreditation, by=staff_user, reason="  ")
    services.revoke_accreditation(accreditation=accreditation, by=staff_user, reason="Решение ЦИК № 12")
    accreditation.refresh_from_db()
    assert accreditation.status == Accreditation.Status.REVOKED and accreditation.revoke_reason == "Решение ЦИК № 12"
    with pytest.raises(ValidationError, match="already revoked"):
        services.revoke_accreditation(accreditation=accreditation, by=staff_user, reason="again")
    assert AuditEntry.objects.filter(action="events.accreditation.revoke").count() == 1


def test_status_and_validity_on_a_day():
    today = timezone.localdate()
    org = admitted_organization(accredited=False)
    current = accredit(org, issued_on=today - timedelta(days=5), valid_until=today)
    future = accredit(org, issued_on=today + timedelta(days=1))
    lapsed = accredit(org, issued_on=today - timedelta(days=400), valid_until=today - timedelta(days=1))
    revoked = accredit(org, revoked_at=timezone.now(), revoke_reason="ошибка")
    assert [a.status for a in (current, future, lapsed, revoked)] == ["valid", "pending", "expired", "revoked"]
    assert list(Accreditation.objects.valid_on(today)) == [current]
    # Revocation takes effect from its day: the day before, the accreditation was in force.
    assert revoked in Accreditation.objects.valid_on(today - timedelta(days=1))
    assert revoked.is_valid(today - timedelta(days=1))
    assert list(Accreditation.objects.valid_on(today + timedelta(days=1))) == [future]


# --- The rule: an observer's organization holds an accreditation in force on the assignment date ---------------


@pytest.mark.parametrize("state", ["none", "expired", "revoked", "not yet"])
def test_observer_of_an_organization_without_accreditation_in_force_is_refused(staff_user, state):
    today = timezone.localdate()
    org = admitted_organization(accredited=False, short_name="ОО Сарапшы")
    if state == "expired":
        accredit(org, issued_on=today - timedelta(days=400), valid_until=today - timedelta(days=1))
    elif state == "revoked":
        services.revoke_accreditation(accreditation=accredit(org), by=staff_user, reason="Решение ЦИК")
    elif state == "not yet":
        accredit(org, issued_on=today + timedelta(days=2))
    with pytest.raises(ValidationError) as exc:
        services.assign(
            station=StationFactory(), person=certified().person, role="observer", organization=org, by=staff_user
        )
    assert exc.value.message_dict["organization"] == [
        f"ОО Сарапшы holds no observer accreditation in force on {today:%d.%m.%Y}; record it first."
    ]
    assert not Assignment.objects.exists()


def test_observer_of_an_accredited_organization_is_assigned_and_the_audit_names_the_accreditation(staff_user):
    org = admitted_organization(accredited=False)
    accreditation = accredit(org, issued_on=timezone.localdate(), valid_until=timezone.localdate())
    assignment = services.assign(
        station=StationFactory(), person=certified().person, role="observer", organization=org, by=staff_user
    )
    entry = AuditEntry.objects.get(action="events.assign", object_id=str(assignment.pk))
    assert accreditation.number in entry.data["accreditation"]


def test_model_layer_refuses_an_observer_without_accreditation_whatever_code_path_writes():
    """Assignment.clean() holds the rule too, so a form, the admin or a script that skips the service is refused."""
    cert = certified()
    org = admitted_organization(accredited=False)
    assignment = Assignment(
        station=StationFactory(), person=cert.person, role="observer", certificate=cert, organization=org
    )
    with pytest.raises(ValidationError) as exc:
        assignment.full_clean()
    assert "no observer accreditation" in exc.value.message_dict["organization"][0]
    accredit(org)
    assignment.full_clean()


def test_the_rule_looks_at_the_assignment_date():
    """An assignment made while the accreditation was in force stays valid on record after it lapses."""
    today = timezone.localdate()
    cert = certified()
    org = admitted_organization(accredited=False)
    accredit(org, issued_on=today - timedelta(days=60), valid_until=today - timedelta(days=10))
    assignment = Assignment(
        station=StationFactory(),
        person=cert.person,
        role="observer",
        certificate=cert,
        organization=org,
        assigned_at=timezone.now() - timedelta(days=20),
    )
    assignment.full_clean()
    assignment.assigned_at = timezone.now()
    with pytest.raises(ValidationError):
        assignment.full_clean()


def test_proxies_need_no_accreditation(staff_user):
    assignment = services.assign(
        station=StationFactory(),
        person=certified(kind="proxy").person,
        role="proxy",
        registration_number="ДЛ-1",
        registration_date=date(2026, 12, 1),
        by=staff_user,
    )
    assert assignment.organization is None


def test_one_observer_per_organization_per_station_still_holds_for_accredited_organizations(staff_user):
    station = StationFactory()
    org = admitted_organization()
    services.assign(station=station, person=certified().person, role="observer", organization=org, by=staff_user)
    with pytest.raises(ValidationError, match="already has an observer"):
        services.assign(station=station, person=certified().person, role="observer", organization=org, by=staff_user)


def test_coverage_lists_observers_whose_organization_lost_its_accreditation(staff_user, coordinator):
    from events import selectors

    kept = admitted_organization()
    lapsing = admitted_organization(accredited=False)
    accreditation = accredit(lapsing)
    services.assign(
        station=StationFactory(), person=certified().person, role="observer", organization=kept, by=staff_user
    )
    lost = services.assign(
        station=StationFactory(), person=certified().person, role="observer", organization=lapsing, by=staff_user
    )
    elsewhere = services.assign(
        station=StationFactory(region=region("KZ-79")),
        person=certified().person,
        role="observer",
        organization=lapsing,
        by=staff_user,
    )
    assert not selectors.unaccredited_observers(staff_user).exists()
    services.revoke_accreditation(accreditation=accreditation, by=staff_user, reason="Решение ЦИК")
    assert set(selectors.unaccredited_observers(staff_user)) == {lost, elsewhere}
    assert list(selectors.unaccredited_observers(coordinator)) == [lost]
    later = timezone.localdate() + timedelta(days=400)  # the kept organization's accreditation has ended by then
    assert len(selectors.unaccredited_observers(staff_user, today=later)) == 3
