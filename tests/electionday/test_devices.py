"""Sign-in without passwords: one-time links through the outbox (no token stored anywhere), binding a phone,
and a device stopped at once by revoking it, ending its assignment or revoking its certificate; the staff pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from coalition.models import AuditEntry, OutboundMessage
from coalition.outbox import deliver
from electionday.models import Device, SignInLink
from electionday.services import devices
from events.models import Certificate
from tests.electionday.device_helpers import (
    bound_device,
    end,
    link_token,
    observer_at,
    signin_token,
    station_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# --- The service ------------------------------------------------------------------------------------------------


def test_a_link_binds_one_device_and_a_second_use_is_refused(staff_user):
    assignment = observer_at()
    token = signin_token(assignment, staff_user)
    device, device_token = devices.bind(token, "Phone A")
    assert device.assignment == assignment and device.label == "Phone A"
    assert devices.authenticate(device_token) == device
    assert SignInLink.objects.get(assignment=assignment).used_at is not None
    with pytest.raises(devices.SignInRefused) as refused:
        devices.bind(token, "Phone B")
    assert refused.value.code == "used"
    assert Device.objects.count() == 1


def test_an_expired_link_is_refused(staff_user):
    assignment = observer_at()
    link = devices.send_signin_link(assignment=assignment, channel="sms", actor=staff_user)
    token = link_token(link)
    SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert devices.link_state(token) == "expired"
    with pytest.raises(devices.SignInRefused) as refused:
        devices.bind(token, "Phone")
    assert refused.value.code == "expired"
    assert not Device.objects.exists()


def test_an_unknown_or_empty_token_binds_nothing(staff_user):
    signin_token(observer_at(), staff_user)
    for token in ["", "not-a-token"]:
        with pytest.raises(devices.SignInRefused) as refused:
            devices.bind(token, "Phone")
        assert refused.value.code == "unknown"
    assert devices.authenticate("") is None
    assert devices.authenticate("not-a-token") is None


def test_a_link_made_before_the_assignment_ended_no_longer_binds(staff_user):
    assignment = observer_at()
    token = signin_token(assignment, staff_user)
    end(assignment)
    with pytest.raises(devices.SignInRefused) as refused:
        devices.bind(token, "Phone")
    assert refused.value.code == "ended"


def test_no_link_for_an_ended_assignment_or_an_invalid_certificate(staff_user):
    ended = observer_at()
    end(ended)
    revoked = observer_at()
    Certificate.objects.filter(pk=revoked.certificate_id).update(revoked_at=timezone.now(), revoke_reason="test")
    expired = observer_at()
    Certificate.objects.filter(pk=expired.certificate_id).update(valid_until=timezone.localdate() - timedelta(days=1))
    for assignment, message in [(ended, "ended"), (revoked, "revoked or expired"), (expired, "revoked or expired")]:
        with pytest.raises(ValidationError, match=message):
            devices.send_signin_link(assignment=assignment, channel="sms", actor=staff_user)
    assert not SignInLink.objects.exists()
    assert not OutboundMessage.objects.filter(key__startswith="electionday:signin:").exists()


def test_no_link_without_the_phone_or_email_it_goes_to(staff_user):
    assignment = observer_at(phone="", email="")
    with pytest.raises(ValidationError, match="no phone number"):
        devices.send_signin_link(assignment=assignment, channel="sms", actor=staff_user)
    with pytest.raises(ValidationError, match="no email"):
        devices.send_signin_link(assignment=assignment, channel="email", actor=staff_user)
    with pytest.raises(ValidationError):
        devices.send_signin_link(assignment=assignment, channel="fax", actor=staff_user)


@pytest.mark.parametrize("stop", ["revoke", "end", "certificate", "expired"])
def test_a_device_stops_at_once(stop, staff_user):
    assignment = observer_at()
    device, device_token = bound_device(assignment, staff_user)
    assert devices.authenticate(device_token) == device
    if stop == "revoke":
        devices.revoke(device, staff_user)
    elif stop == "end":
        end(assignment)
    elif stop == "certificate":
        Certificate.objects.filter(pk=assignment.certificate_id).update(revoked_at=timezone.now(), revoke_reason="x")
    else:
        Certificate.objects.filter(pk=assignment.certificate_id).update(
            valid_until=timezone.localdate() - timedelta(days=1)
        )
    assert devices.authenticate(device_token) is None


def test_revoking_is_audited_once(staff_user):
    device, _token = bound_device(observer_at(), staff_user)
    devices.revoke(device, staff_user)
    devices.revoke(device, staff_user)
    device.refresh_from_db()
    assert device.revoked_by == staff_user and device.revoked_at is not None
    assert AuditEntry.objects.filter(action="electionday.device_revoked", object_id=str(device.pk)).count() == 1


def test_a_new_link_leaves_the_bound_devices_working(staff_user):
    assignment = observer_at()
    first, first_token = bound_device(assignment, staff_user)
    second, second_token = bound_device(assignment, staff_user)
    assert first != second
    assert devices.authenticate(first_token) == first
    assert devices.authenticate(second_token) == second


def test_last_seen_is_written_at_most_once_a_minute(staff_user):
    device, device_token = bound_device(observer_at(), staff_user)
    devices.authenticate(device_token)
    device.refresh_from_db()
    first = device.last_seen_at
    assert first is not None
    devices.authenticate(device_token)
    device.refresh_from_db()
    assert device.last_seen_at == first
    Device.objects.filter(pk=device.pk).update(last_seen_at=first - timedelta(minutes=2))
    devices.authenticate(device_token)
    device.refresh_from_db()
    assert device.last_seen_at > first - timedelta(minutes=1)


def test_coordinator_sends_and_revokes_only_in_own_region(coordinator, other_coordinator):
    assignment = observer_at(station_in("KZ-35"))
    with pytest.raises(PermissionDenied):
        devices.send_signin_link(assignment=assignment, channel="sms", actor=other_coordinator)
    device, _token = bound_device(assignment, coordinator)
    with pytest.raises(PermissionDenied):
        devices.revoke(device, other_coordinator)
    device.refresh_from_db()
    assert device.revoked_at is None


# --- Through the outbox: the token lives only in the message handed to the gateway ---------------------------------


def _no_token_stored(*tokens: str) -> bool:
    """Search every stored message body, the audit log and the token columns for the tokens."""
    for token in tokens:
        in_messages = OutboundMessage.objects.filter(
            Q(body__contains=token) | Q(html_body__contains=token) | Q(subject__contains=token)
        )
        if in_messages.exists() or AuditEntry.objects.filter(data__icontains=token).exists():
            return False
        if SignInLink.objects.filter(token_hash=token).exists() or Device.objects.filter(token_hash=token).exists():
            return False
    return True


def test_the_emailed_link_signs_the_phone_in_and_no_token_is_stored(client, staff_user):
    assignment = observer_at(email="aigul@example.kz", language="kk")
    link = devices.send_signin_link(assignment=assignment, channel="email", actor=staff_user)
    message = OutboundMessage.objects.get(key=f"electionday:signin:{link.pk}")
    assert message.recipient == "aigul@example.kz" and message.language == "kk"
    assert "[[capability:electionday.signin:" in message.body and "/observer/signin/" not in message.body
    assert deliver(message.pk)
    sent = mail.outbox[-1].body
    url = next(word for word in sent.split() if "/observer/signin/" in word)
    token = url.rstrip("/").rsplit("/", 1)[1]
    path = reverse("electionday:signin", args=[token])

    response = client.post(path)
    assert response.status_code == 200
    device_token = response.context["device_token"]
    assert devices.authenticate(device_token).assignment == assignment
    assert _no_token_stored(token, device_token)


def test_the_sms_goes_to_the_phone_in_the_persons_language(staff_user):
    assignment = observer_at(language="kk")
    link = devices.send_signin_link(assignment=assignment, channel="sms", actor=staff_user)
    message = OutboundMessage.objects.get(key=f"electionday:signin:{link.pk}")
    assert message.channel == "sms" and message.recipient == "+77011234567" and message.language == "kk"
    assert "[[capability:electionday.signin:" in message.body
    assert AuditEntry.objects.filter(action="electionday.signin_link_sent", object_id=str(link.pk)).exists()


# --- The public sign-in page -------------------------------------------------------------------------------------


def test_opening_the_link_shows_a_button_and_binds_nothing(client, staff_user):
    token = signin_token(observer_at(), staff_user)
    response = client.get(reverse("electionday:signin", args=[token]))
    assert response.status_code == 200
    assert "Open the observer app on this phone" in response.content.decode()
    assert "data-token" not in response.content.decode()
    # A link-preview bot fetching it again changes nothing: the link still binds.
    client.get(reverse("electionday:signin", args=[token]))
    assert not Device.objects.exists()
    assert devices.link_state(token) == "ok"


def test_binding_needs_the_pages_csrf_token(staff_user):
    token = signin_token(observer_at(), staff_user)
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert strict.post(reverse("electionday:signin", args=[token])).status_code == 403
    assert not Device.objects.exists()
    page = strict.get(reverse("electionday:signin", args=[token]))
    csrf = page.context["csrf_token"]
    response = strict.post(reverse("electionday:signin", args=[token]), {"csrfmiddlewaretoken": str(csrf)})
    assert response.status_code == 200
    assert Device.objects.count() == 1


def test_the_bound_page_hands_the_token_to_a_script_from_this_site(client, staff_user):
    token = signin_token(observer_at(), staff_user)
    response = client.post(reverse("electionday:signin", args=[token]), HTTP_USER_AGENT="Mozilla/5.0 Android")
    html = response.content.decode()
    device_token = response.context["device_token"]
    assert f'data-token="{device_token}"' in html
    assert 'data-next="/observer/"' in html
    assert "electionday/signin.js" in html
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "strict-origin"  # the origin only: the path holds the token
    assert Device.objects.get().label == "Mozilla/5.0 Android"


@pytest.mark.parametrize("state,status", [("used", 410), ("expired", 410), ("unknown", 404), ("ended", 410)])
def test_a_bad_link_says_so_and_shows_no_token(client, staff_user, state, status):
    assignment = observer_at()
    link = devices.send_signin_link(assignment=assignment, channel="sms", actor=staff_user)
    token = link_token(link)
    if state == "used":
        devices.bind(token, "Phone")
    elif state == "expired":
        SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif state == "unknown":
        token = "x" * 43
    else:
        end(assignment)
    before = Device.objects.count()
    for method in (client.get, client.post):
        response = method(reverse("electionday:signin", args=[token]))
        assert response.status_code == status
        assert "data-token" not in response.content.decode()
        assert "cannot be used" in response.content.decode()
    assert Device.objects.count() == before


# --- The staff pages --------------------------------------------------------------------------------------------


def _send(client, assignment, channel="sms"):
    return client.post(reverse("electionday:send_signin_link", args=[assignment.pk]), {"channel": channel})


def test_staff_and_own_region_coordinator_send_a_link(client_for, staff_user, coordinator):
    assignment = observer_at(station_in("KZ-35"))
    for user in (staff_user, coordinator):
        response = _send(client_for(user), assignment)
        assert response.status_code == 302
    assert SignInLink.objects.filter(assignment=assignment).count() == 2


@pytest.mark.parametrize("role", ["other_coordinator", "trainer", "finance_officer", "integrity_officer", "nobody"])
def test_other_roles_cannot_send_a_link(client_for, request, role):
    assignment = observer_at(station_in("KZ-35"))
    response = _send(client_for(request.getfixturevalue(role)), assignment)
    assert response.status_code == 403
    assert not SignInLink.objects.exists()


def test_an_auditor_cannot_send_a_link_or_revoke(client_for, auditor, staff_user):
    assignment = observer_at()
    device, _token = bound_device(assignment, staff_user)
    before = SignInLink.objects.count()
    client = client_for(auditor)
    assert _send(client, assignment).url == reverse("audit:index")
    assert client.post(reverse("electionday:revoke_device", args=[device.pk])).url == reverse("audit:index")
    assert SignInLink.objects.count() == before
    device.refresh_from_db()
    assert device.revoked_at is None


def test_anonymous_users_are_sent_to_login(client):
    assignment = observer_at()
    response = _send(client, assignment)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not SignInLink.objects.exists()


def test_a_refused_link_is_shown_as_a_message(client_for, staff_user):
    assignment = observer_at(phone="")
    response = _send(client_for(staff_user), assignment)
    assert response.status_code == 302
    page = client_for(staff_user).get(response.url)
    assert page.status_code == 200
    assert not SignInLink.objects.exists()


def test_the_devices_page_lists_devices_in_the_coordinators_region_only(client_for, coordinator, other_coordinator):
    assignment = observer_at(station_in("KZ-35"))
    device, _token = bound_device(assignment, coordinator)
    url = reverse("electionday:assignment_access", args=[assignment.pk])
    page = client_for(coordinator).get(url)
    assert page.status_code == 200
    assert list(page.context["devices"]) == [device]
    assert "Mozilla/5.0 (Linux; Android 14) Test" in page.content.decode()
    assert reverse("electionday:revoke_device", args=[device.pk]) in page.content.decode()
    assert client_for(other_coordinator).get(url).status_code == 403


def test_roles_without_device_permission_do_not_see_the_page(client_for, trainer, integrity_officer):
    assignment = observer_at()
    url = reverse("electionday:assignment_access", args=[assignment.pk])
    for user in (trainer, integrity_officer):
        assert client_for(user).get(url).status_code == 403


def test_revoking_from_the_page(client_for, staff_user, other_coordinator):
    assignment = observer_at(station_in("KZ-35"))
    device, device_token = bound_device(assignment, staff_user)
    url = reverse("electionday:revoke_device", args=[device.pk])
    assert client_for(other_coordinator).post(url).status_code == 403
    assert devices.authenticate(device_token) == device
    assert client_for(staff_user).post(url).status_code == 302
    assert devices.authenticate(device_token) is None


def test_the_assignment_list_and_station_page_offer_the_link(client_for, staff_user):
    assignment = observer_at()
    send_url = reverse("electionday:send_signin_link", args=[assignment.pk])
    client = client_for(staff_user)
    assert send_url in client.get(reverse("events:assignments")).content.decode()
    assert send_url in client.get(reverse("events:station", args=[assignment.station_id])).content.decode()
