"""TOTP second factor: required for superusers, finance and integrity officers and auditors, optional for other staff,
with real codes; and judged on every request, so authority granted mid-session is held at once (issue #16, class 7).
"""

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    """The code an authenticator app shows now, or ``offset`` time steps ago."""
    value = totp(device.bin_key, step=device.step, t0=device.t0 + offset * device.step, digits=device.digits)
    return f"{value:0{device.digits}d}"


def password_login(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.mark.parametrize("role", ["finance_officer", "integrity_officer"])
def test_required_roles_without_a_device_are_sent_to_enrolment_everywhere(request, role):
    user = request.getfixturevalue(role)
    client = password_login(user)
    for path in ["/", "/donations/", "/hotline/", "/events/"]:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(reverse("otp_setup")), (path, response)
    assert client.get("/join/").status_code == 200  # public pages stay open


def test_enrolment_shows_qr_and_secret_and_a_real_code_confirms_it(finance_officer):
    client = password_login(finance_officer)
    page = client.get(reverse("otp_setup") + "?next=/donations/")
    html = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml;base64,' in html
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(user=finance_officer, confirmed=False)
    assert base64.b32decode(secret) == device.bin_key  # what the reporter types equals what the QR code holds
    wrong = client.post(reverse("otp_setup"), {"code": "000000", "next": "/donations/"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(confirmed=True).exists()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a second (django-otp throttling)
    ok = client.post(reverse("otp_setup"), {"code": code_for(device), "next": "/donations/"})
    assert ok.status_code == 302 and ok.url == "/donations/"
    assert TOTPDevice.objects.get(user=finance_officer).confirmed
    assert client.get("/").status_code == 200


def test_with_a_device_the_next_login_asks_for_a_code(integrity_officer, settings):
    settings.LANGUAGE_CODE = "en"  # the refusal asserted below is read in English (no browser language sent)
    device = TOTPDevice.objects.create(user=integrity_officer, name="phone", confirmed=True)
    client = password_login(integrity_officer)
    response = client.get("/hotline/")
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    assert client.get(reverse("otp_setup")).url.startswith(reverse("otp_verify"))  # no second enrolment
    wrong = client.post(reverse("otp_verify"), {"code": "123456", "next": "/hotline/"})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(reverse("otp_verify"), {"code": code_for(device), "next": "/hotline/"})
    assert ok.status_code == 302 and ok.url == "/hotline/"
    assert client.get("/hotline/").status_code == 200


def test_a_code_cannot_be_used_twice_and_an_old_code_is_refused(integrity_officer):
    device = TOTPDevice.objects.create(user=integrity_officer, name="phone", confirmed=True)
    old = code_for(device, offset=10)  # five minutes ago
    client = password_login(integrity_officer)
    assert client.post(reverse("otp_verify"), {"code": old}).status_code == 200
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    code = code_for(device)
    assert client.post(reverse("otp_verify"), {"code": code}).status_code == 302
    second = password_login(integrity_officer)
    replay = second.post(reverse("otp_verify"), {"code": code})
    assert replay.status_code == 200  # the same code again is refused (django-otp remembers the last time step)


def test_repeated_wrong_codes_are_throttled(finance_officer):
    device = TOTPDevice.objects.create(user=finance_officer, name="phone", confirmed=True)
    client = password_login(finance_officer)
    for _ in range(3):
        client.post(reverse("otp_verify"), {"code": "000000"})
    refused = client.post(reverse("otp_verify"), {"code": code_for(device)})
    assert refused.status_code == 200  # throttled: even the right code waits
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1 and not device.verify_is_allowed()[0]  # waits grow exponentially


def test_second_factor_is_optional_for_other_staff_but_enforced_once_enrolled(staff_user):
    client = password_login(staff_user)
    assert client.get("/").status_code == 200  # no device, not required
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=staff_user)
    assert client.post(reverse("otp_setup"), {"code": code_for(device)}).status_code == 302
    later = password_login(staff_user)
    assert later.get("/").url.startswith(reverse("otp_verify"))


def test_required_roles_are_a_setting(settings, trainer):
    settings.OTP_REQUIRED_ROLES = ["trainer"]
    client = password_login(trainer)
    assert client.get("/").url.startswith(reverse("otp_setup"))


def test_anonymous_users_are_not_held_and_auditors_are(auditor, client):
    assert client.get(reverse("otp_verify")).url.startswith(reverse("login"))
    audit = password_login(auditor)  # auditors read all personal data: a second factor like finance and integrity
    assert audit.get("/audit/").url.startswith(reverse("otp_setup"))


# --- Class 7 of issue #16: authority is re-checked when it changes --------------------------------------------


def _grant(user, authority: str) -> None:
    """Give ``user`` the authority named: "superuser" or a role group."""
    from django.contrib.auth.models import Group

    if authority == "superuser":
        user.is_superuser = True
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    else:
        user.groups.add(Group.objects.get(name=authority))


def _revoke(user, authority: str) -> None:
    from django.contrib.auth.models import Group

    if authority == "superuser":
        user.is_superuser = False
        user.save(update_fields=["is_superuser"])
    else:
        user.groups.remove(Group.objects.get(name=authority))


def _authorities_needing_a_second_factor() -> list[str]:
    from django.conf import settings

    return sorted({*settings.OTP_REQUIRED_ROLES, "auditor", "superuser"})


def test_superusers_and_auditors_need_a_second_factor(settings):
    from coalition.twofactor import second_factor_required
    from tests.factories import UserFactory

    assert "auditor" in settings.OTP_REQUIRED_ROLES
    assert second_factor_required(UserFactory(is_superuser=True))


@pytest.mark.parametrize("authority", _authorities_needing_a_second_factor())
def test_authority_granted_mid_session_is_held_for_the_second_factor_on_the_next_request(staff_user, authority):
    """A session that owed nothing at login owes the second factor the moment a role needing one is granted."""
    client = password_login(staff_user)  # committee staff: no second factor owed at login
    assert client.get("/").status_code == 200
    _grant(staff_user, authority)
    for path in ["/", "/events/", "/audit/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(reverse("otp_setup")), (authority, path)
    # with a device enrolled elsewhere (another browser), the same session is asked for its code instead
    TOTPDevice.objects.create(user=staff_user, name="phone", confirmed=True)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))


@pytest.mark.parametrize("authority", _authorities_needing_a_second_factor())
def test_authority_revoked_mid_session_is_gone_on_the_next_request(staff_user, authority):
    """A verified session keeps no authority that was taken away: the next request is judged on today's roles."""
    from tests.factories import force_login

    pages = {
        "finance_officer": "/donations/elections/",
        "integrity_officer": "/hotline/",
        "auditor": "/audit/",
        "superuser": "/admin/auth/user/",
    }
    path = pages[authority]
    _grant(staff_user, authority)
    staff_user.refresh_from_db()
    vars(staff_user).pop("_coalition_roles", None)  # roles are cached on the user object for one request
    client = force_login(Client(), staff_user)  # password and second factor done
    assert client.get(path).status_code == 200, authority
    _revoke(staff_user, authority)
    response = client.get(path)
    assert response.status_code in (302, 403) and not (
        response.status_code == 302 and response.url.startswith(reverse("otp_setup"))
    ), (authority, response.status_code)
