"""The member portal: invitation, account, own organization only, name/BIN changes via staff review."""

import datetime
import re

import pytest
from django.urls import reverse

from coalition.models import AuditEntry, OutboundMessage
from coalition.outbox import links
from members.models import Affiliation, Consent, Invitation, Organization, ProfileChange
from members.services import portal
from tests.factories import OrganizationFactory, UserFactory, bin_number
from tests.members.factories import PersonFactory

pytestmark = pytest.mark.django_db
JOINED = datetime.date(2026, 11, 20)


@pytest.fixture
def member():
    org = OrganizationFactory(status="admitted", joined_on=JOINED, name_ru="Наша организация")
    person = PersonFactory(full_name="Петрова Анна", email="anna@example.kz")
    Affiliation.objects.create(person=person, organization=org, role="representative", title="Секретарь")
    return org


@pytest.fixture
def representative(member):
    user = UserFactory(username="anna")
    person = member.affiliations.get().person
    person.user = user
    person.save()
    return user


def _invite(client_for, staff_user, member):
    response = client_for(staff_user).post(reverse("members:staff_organization_invite", args=[member.pk]))
    assert response.status_code == 302
    message = OutboundMessage.objects.get(key__startswith="members:invitation:")
    assert "/portal/invitation/" not in message.body  # the stored email holds a reference, not the link
    return re.search(r"https?://[^/\s]+(/portal/invitation/[^/\s]+/)", links.render(message.body)).group(1)


def test_staff_invites_and_the_representative_opens_an_account(client_for, staff_user, member, client):
    path = _invite(client_for, staff_user, member)
    assert Invitation.objects.get().email == "anna@example.kz"
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"username": "anna.petrova", "password1": "long-enough-pass-42", "password2": "long-enough-pass-42"}
    )
    assert response.status_code == 302 and response.url == reverse("portal:home")
    person = member.affiliations.get().person
    person.refresh_from_db()
    assert person.user.username == "anna.petrova"
    assert client.get(path).status_code == 404  # single use
    home = client.get(reverse("portal:home"))
    assert home.status_code == 302 and home.url == reverse("portal:organization", args=[member.pk])
    assert "Наша организация" in client.get(home.url).content.decode()


def test_invitation_with_a_bad_token_or_expired_is_refused(client, member, staff_user):
    portal.invite_representatives(organization=member, invited_by=staff_user)
    token = re.search(r"/portal/invitation/([^/\s]+)/", links.render(OutboundMessage.objects.get().body)).group(1)
    assert portal.open_invitation(token) is not None
    assert client.get(reverse("portal:accept", args=["not-a-token"])).status_code == 404
    Invitation.objects.update(expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert client.get(reverse("portal:accept", args=[token])).status_code == 404


def test_only_members_are_invited(staff_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        portal.invite_representatives(organization=OrganizationFactory(), invited_by=staff_user)


def test_coordinator_cannot_invite(client_for, coordinator, member):
    assert (
        client_for(coordinator).post(reverse("members:staff_organization_invite", args=[member.pk])).status_code == 403
    )


def test_representative_sees_nothing_of_other_organizations(client_for, representative, member):
    other = OrganizationFactory(status="admitted", joined_on=JOINED)
    client = client_for(representative)
    for name in ("portal:organization", "portal:profile", "portal:nominate"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
        assert client.get(reverse(name, args=[member.pk])).status_code == 200


def test_portal_needs_login(client, member):
    response = client.get(reverse("portal:organization", args=[member.pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_portal_user_has_no_staff_pages(client_for, representative):
    assert client_for(representative).get(reverse("members:staff_organizations")).status_code == 403


def test_contact_edit_applies_and_name_change_goes_to_review(client_for, representative, member, staff_user):
    client = client_for(representative)
    new_bin = bin_number()
    response = client.post(
        reverse("portal:profile", args=[member.pk]),
        {
            "name_ru": "Новое имя",
            "short_name": member.short_name,
            "bin": new_bin,
            "address": "Астана, ул. Новая, 5",
            "phone": "8 7172 707616",
            "email": "new@example.kz",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.address == "Астана, ул. Новая, 5" and str(member.phone) == "+77172707616"
    assert member.name_ru == "Наша организация" and member.bin != new_bin  # not yet
    change = ProfileChange.objects.get()
    assert change.changes == {"name_ru": "Новое имя", "bin": new_bin}

    staff = client_for(staff_user)
    assert staff.get(reverse("members:staff_profile_changes")).status_code == 200
    staff.post(reverse("members:staff_profile_change_decide", args=[change.pk]), {"approve": "1"})
    member.refresh_from_db()
    assert member.name_ru == "Новое имя" and member.bin == new_bin
    assert AuditEntry.objects.filter(action="members.portal.profile_review").exists()


def test_refusing_a_change_needs_a_reason(client_for, representative, member, staff_user):
    change = portal.update_member_profile(organization=member, data={"name_ru": "Другое"}, changed_by=representative)
    staff = client_for(staff_user)
    staff.post(reverse("members:staff_profile_change_decide", args=[change.pk]), {"approve": "0"})
    change.refresh_from_db()
    assert change.status == "pending"
    staff.post(
        reverse("members:staff_profile_change_decide", args=[change.pk]), {"approve": "0", "reason": "Нет документов"}
    )
    change.refresh_from_db()
    member.refresh_from_db()
    assert change.status == "rejected" and member.name_ru == "Наша организация"


def test_bin_change_to_a_taken_bin_is_refused(representative, member):
    from django.core.exceptions import ValidationError

    other = OrganizationFactory()
    with pytest.raises(ValidationError):
        portal.update_member_profile(organization=member, data={"bin": other.bin}, changed_by=representative)
    assert not ProfileChange.objects.exists()


def test_nominate_a_volunteer_with_consent(client_for, representative, member):
    client = client_for(representative)
    response = client.post(
        reverse("portal:nominate", args=[member.pk]), {"full_name": "Волонтёров Иван", "role": "volunteer"}
    )
    assert response.status_code == 200 and "consent" in response.context["form"].errors
    response = client.post(
        reverse("portal:nominate", args=[member.pk]),
        {"full_name": "Волонтёров Иван", "role": "volunteer", "phone": "+77011112233", "consent": "on"},
    )
    assert response.status_code == 302
    affiliation = Affiliation.objects.get(role="volunteer")
    assert affiliation.organization == member and affiliation.person.full_name == "Волонтёров Иван"
    assert Consent.objects.get(person=affiliation.person).purpose == "events"
    assert "Волонтёров Иван" in client.get(reverse("portal:organization", args=[member.pk])).content.decode()


def test_suspended_member_loses_portal_access(client_for, representative, member):
    Organization.objects.filter(pk=member.pk).update(status="suspended")
    assert client_for(representative).get(reverse("portal:organization", args=[member.pk])).status_code == 404
