"""Accreditation pages by role: record, list, detail with history, revoke; the organization's page shows the status;
an assignment of an observer from an unaccredited organization is refused with a clear form error."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import rules
from events.models import Accreditation, Assignment
from tests.events.factories import StationFactory, accredit, admitted_organization, certified
from tests.factories import region

pytestmark = pytest.mark.django_db

ROLES = ["staff_user", "coordinator", "trainer", "finance_officer", "integrity_officer", "nobody", "auditor"]


@pytest.mark.parametrize("role", ROLES)
def test_record_page_by_role(client_for, request, role):
    response = client_for(request.getfixturevalue(role)).get(reverse("events:accreditation_create"))
    expected = {"staff_user": 200, "auditor": 302}.get(role, 403)
    assert response.status_code == expected


def _form(org, **extra):
    return {
        "organization": org.pk,
        "issuing_body": "Центральная избирательная комиссия РК",
        "number": "НБ-2026-101",
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        **extra,
    }


def test_staff_records_an_accreditation_with_the_policy_end_and_sees_its_history(client_for, staff_user):
    org = admitted_organization(accredited=False, short_name="ОО Сарапшы")
    client = client_for(staff_user)
    page = client.get(reverse("events:accreditation_create"), {"organization": org.pk})
    assert page.context["form"].initial["organization"] == str(org.pk)
    assert "12 months" in page.content.decode()
    response = client.post(reverse("events:accreditation_create"), _form(org))
    accreditation = Accreditation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "events:accreditation", args=[accreditation.pk]
    )
    assert accreditation.valid_until == rules.add_months(timezone.localdate() - timedelta(days=3), 12)
    detail = client.get(response["Location"]).content.decode()
    assert "НБ-2026-101" in detail and "events.accreditation.record" in detail and "Valid" in detail


def test_bad_input_is_shown_on_the_form(client_for, staff_user):
    org = admitted_organization(accredited=False)
    client = client_for(staff_user)
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(reverse("events:accreditation_create"), _form(org, issued_on=future))
    assert response.status_code == 200 and "issued_on" in response.context["form"].errors
    early = (timezone.localdate() - timedelta(days=10)).isoformat()
    response = client.post(reverse("events:accreditation_create"), _form(org, valid_until=early))
    assert "valid_until" in response.context["form"].errors
    client.post(reverse("events:accreditation_create"), _form(org))
    response = client.post(reverse("events:accreditation_create"), _form(org))
    assert "already recorded" in str(response.context["form"].errors["number"])
    assert Accreditation.objects.count() == 1


def test_coordinator_cannot_record_or_revoke(client_for, coordinator):
    org = admitted_organization(accredited=False, region=region("KZ-35"))
    client = client_for(coordinator)
    assert client.post(reverse("events:accreditation_create"), _form(org)).status_code == 403
    accreditation = accredit(org)
    response = client.post(reverse("events:accreditation_revoke", args=[accreditation.pk]), {"reason": "x"})
    assert response.status_code == 403
    accreditation.refresh_from_db()
    assert accreditation.revoked_at is None and not Accreditation.objects.exclude(pk=accreditation.pk).exists()


def test_coordinator_sees_own_region_accreditations_only(client_for, coordinator):
    mine = accredit(admitted_organization(accredited=False, region=region("KZ-35")))
    theirs = accredit(admitted_organization(accredited=False, region=region("KZ-79")))
    client = client_for(coordinator)
    assert client.get(reverse("events:accreditation", args=[mine.pk])).status_code == 200
    assert client.get(reverse("events:accreditation", args=[theirs.pk])).status_code == 404


def test_trainer_and_others_cannot_open_an_accreditation(client_for, trainer, finance_officer):
    accreditation = accredit(admitted_organization(accredited=False))
    for user in (trainer, finance_officer):
        assert client_for(user).get(reverse("events:accreditation", args=[accreditation.pk])).status_code == 403


def test_staff_revokes_with_a_reason_and_the_list_filters_by_status(client_for, staff_user):
    org = admitted_organization(accredited=False, short_name="ОО Отозванная")
    accreditation = accredit(org, number="НБ-13")
    accredit(admitted_organization(accredited=False, short_name="ОО Действующая"), number="НБ-14")
    client = client_for(staff_user)
    url = reverse("events:accreditation_revoke", args=[accreditation.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Give a reason" in response.content.decode()
    accreditation.refresh_from_db()
    assert accreditation.revoked_at is None
    response = client.post(url, {"reason": "Решение ЦИК № 45 от 20.11.2026"}, follow=True)
    page = response.content.decode()
    assert "was revoked" in page and "events.accreditation.revoke" in page
    accreditation.refresh_from_db()
    assert accreditation.status == Accreditation.Status.REVOKED
    assert "Revoke the accreditation" not in page  # nothing left to revoke
    listed = client.get(reverse("events:accreditations"), {"status": "revoked"}).content.decode()
    assert "ОО Отозванная" in listed and "ОО Действующая" not in listed
    listed = client.get(reverse("events:accreditations"), {"status": "valid"}).content.decode()
    assert "ОО Действующая" in listed and "ОО Отозванная" not in listed
    listed = client.get(reverse("events:accreditations"), {"q": "НБ-14"}).content.decode()
    assert "ОО Действующая" in listed and "ОО Отозванная" not in listed


def test_list_in_force_on_a_day_and_pagination(client_for, staff_user):
    today = timezone.localdate()
    accredit(
        admitted_organization(accredited=False, short_name="ОО Прошлогодняя"),
        issued_on=today - timedelta(days=500),
        valid_until=today - timedelta(days=135),
    )
    for _ in range(26):
        accredit(admitted_organization(accredited=False))
    client = client_for(staff_user)
    day = (today - timedelta(days=200)).isoformat()
    page = client.get(reverse("events:accreditations"), {"in_force_on": day}).content.decode()
    assert "ОО Прошлогодняя" in page and "page=2" not in page
    page = client.get(reverse("events:accreditations"), {"status": "valid"}).content.decode()
    assert "status=valid&amp;page=2" in page


def test_organization_page_shows_the_accreditation_status(client_for, staff_user, trainer):
    org = admitted_organization(accredited=False)
    client = client_for(staff_user)
    url = reverse("members:staff_organization", args=[org.pk])
    page = client.get(url).content.decode()
    assert "Not accredited" in page and f"?organization={org.pk}" in page
    accreditation = accredit(org, number="НБ-55")
    page = client.get(url).content.decode()
    assert "НБ-55" in page and reverse("events:accreditation", args=[accreditation.pk]) in page and "Valid" in page


def test_assigning_an_observer_of_an_unaccredited_organization_shows_a_form_error(client_for, staff_user):
    org = admitted_organization(accredited=False, short_name="ОО Без аккредитации")
    cert = certified()
    station = StationFactory()
    response = client_for(staff_user).post(
        reverse("events:station", args=[station.pk]),
        {"person": cert.person.pk, "role": "observer", "organization": org.pk},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["organization"]
    assert "holds no observer accreditation in force today" in errors[0]
    assert not Assignment.objects.exists()


def test_the_assignment_form_offers_only_accredited_member_organizations(client_for, staff_user):
    accredited = admitted_organization(short_name="ОО Аккредитованная")
    admitted_organization(accredited=False, short_name="ОО Без аккредитации")
    expired = admitted_organization(accredited=False, short_name="ОО Просроченная")
    today = timezone.localdate()
    accredit(expired, issued_on=today - timedelta(days=500), valid_until=today - timedelta(days=1))
    form = client_for(staff_user).get(reverse("events:station", args=[StationFactory().pk])).context["form"]
    assert list(form.fields["organization"].queryset) == [accredited]


def test_coverage_page_names_observers_of_organizations_without_accreditation(client_for, staff_user):
    from events import services

    org = admitted_organization(accredited=False, short_name="ОО Истекла")
    accreditation = accredit(org)
    services.assign(
        station=StationFactory(), person=certified().person, role="observer", organization=org, by=staff_user
    )
    client = client_for(staff_user)
    assert "ОО Истекла" not in client.get(reverse("events:coverage")).content.decode()
    services.revoke_accreditation(accreditation=accreditation, by=staff_user, reason="Решение ЦИК")
    assert "ОО Истекла" in client.get(reverse("events:coverage")).content.decode()
