"""Pattern alert: a report names a member organization whose people donated to the fund on the same day."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from donations import services as donation_services
from hotline import services
from hotline.models import PatternAlert
from members.models import Affiliation, Organization, Person
from tests.donations import factories as donation_factories
from tests.factories import OrganizationFactory, iin_number
from tests.hotline.factories import file_report

pytestmark = pytest.mark.django_db


def _members(organization, count):
    people = []
    for index in range(count):
        person = Person.objects.create(full_name=f"Работник {index}", iin=iin_number())
        Affiliation.objects.create(person=person, organization=organization, role=Affiliation.Role.MEMBER)
        people.append(person)
    return people


def test_donations_clustered_on_one_day_raise_an_alert(integrity_officer):
    organization = OrganizationFactory(status=Organization.Status.ADMITTED, joined_on=date(2026, 4, 1))
    election = donation_factories.election()
    for person in _members(organization, 3):
        donation_services.record_donation(
            election=election,
            incoming=donation_factories.incoming(amount="10000", payer_id=person.iin, on=date(2026, 5, 10)),
        )
    with time_machine.travel(timezone.make_aware(datetime(2026, 5, 20, 12, 0))):
        report = file_report(organization=organization).report
    assert services.detect_patterns(report=report) == 1
    alert = PatternAlert.objects.get(kind=PatternAlert.Kind.DONATION_CLUSTER)
    assert alert.details == {"day": "2026-05-10", "donations": 3}
    assert list(alert.reports.all()) == [report]
    assert services.detect_patterns(report=report) == 0


def test_two_donations_on_a_day_are_not_a_cluster(integrity_officer):
    organization = OrganizationFactory(status=Organization.Status.ADMITTED, joined_on=date(2026, 4, 1))
    election = donation_factories.election()
    for person in _members(organization, 2):
        donation_services.record_donation(
            election=election,
            incoming=donation_factories.incoming(amount="10000", payer_id=person.iin, on=date(2026, 5, 10)),
        )
    with time_machine.travel(timezone.make_aware(datetime(2026, 5, 20, 12, 0))):
        report = file_report(organization=organization).report
    assert services.detect_patterns(report=report) == 0
