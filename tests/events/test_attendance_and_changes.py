"""#22: "I'm coming" from the personal link (counted on the event and check-in pages), and the change notice every
registrant gets once when an event's time or place changes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from coalition.models import AuditEntry, OutboundMessage
from coalition.outbox import links
from events import rules, services
from events.models import Event, EventApproval, Registration
from members.models import Person
from tests.events.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _registration(event, n=1, language="ru", **extra):
    person = Person.objects.create(full_name=f"Асель Нурланова {n}", email=f"asel{n}@example.kz", language=language)
    return RegistrationFactory(event=event, person=person, **extra)


def _changes(event):
    return OutboundMessage.objects.filter(key__startswith=f"changed:event:{event.pk}:").order_by("key")


# --- rules ----------------------------------------------------------------------------------------------------


def test_schedule_changed_only_for_time_or_place():
    assert rules.schedule_changed({"starts_at"}) and rules.schedule_changed({"place", "title"})
    assert rules.schedule_changed({"ends_at"})
    assert not rules.schedule_changed({"title", "capacity", "description"})


def test_attendance_confirmation_refusal():
    assert rules.attendance_confirmation_refusal(registration_status="confirmed", event_open=True) is None
    assert rules.attendance_confirmation_refusal(registration_status="waitlisted", event_open=True)
    assert rules.attendance_confirmation_refusal(registration_status="cancelled", event_open=True)
    assert rules.attendance_confirmation_refusal(registration_status="confirmed", event_open=False)


# --- "I'm coming" -------------------------------------------------------------------------------------------


def test_confirm_attendance_records_the_time_once_with_an_audit_entry():
    registration = _registration(EventFactory())
    services.confirm_attendance(registration=registration)
    first = Registration.objects.get(pk=registration.pk).confirmed_at
    assert first is not None
    services.confirm_attendance(registration=registration)  # twice: nothing more happens
    assert Registration.objects.get(pk=registration.pk).confirmed_at == first
    assert AuditEntry.objects.filter(action="events.attendance_confirmed", object_id=str(registration.pk)).count() == 1


def test_confirm_attendance_refused_on_the_waiting_list_cancelled_or_closed_event():
    event = EventFactory()
    for status in (Registration.Status.WAITLISTED, Registration.Status.CANCELLED):
        registration = _registration(event, n=len(status), status=status)
        with pytest.raises(ValidationError):
            services.confirm_attendance(registration=registration)
    past = EventFactory(starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.confirm_attendance(registration=_registration(past, n=9))
    assert not Registration.objects.filter(confirmed_at__isnull=False).exists()


def test_personal_page_confirms_and_shows_it(client):
    registration = _registration(EventFactory())
    page = client.get(reverse("events:registration", args=[registration.token]))
    assert reverse("events:registration_confirm", args=[registration.token]) in page.content.decode()
    response = client.post(reverse("events:registration_confirm", args=[registration.token]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("events:registration", args=[registration.token])
    html = response.content.decode()
    assert "we have noted that you are coming" in html and "You confirmed that you are coming" in html
    assert reverse("events:registration_confirm", args=[registration.token]) not in html


def test_confirm_view_reports_a_refusal_and_needs_post(client):
    registration = _registration(EventFactory(), status=Registration.Status.WAITLISTED)
    url = reverse("events:registration_confirm", args=[registration.token])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "Only a registration with a seat can be confirmed" in response.content.decode()
    assert Registration.objects.get(pk=registration.pk).confirmed_at is None
    assert client.post(reverse("events:registration_confirm", args=["x" * 20])).status_code == 404


def test_event_and_checkin_pages_count_who_confirmed(client_for, staff_user):
    event = EventFactory()
    coming = _registration(event, n=1)
    _registration(event, n=2)
    services.confirm_attendance(registration=coming)
    client = client_for(staff_user)
    for name in ("events:detail", "events:checkin"):
        html = client.get(reverse(name, args=[event.pk])).content.decode()
        assert 'Confirmed "I\'m coming": 1.' in html or "Confirmed &quot;I&#x27;m coming&quot;: 1." in html, name


def test_the_reminder_link_now_confirms_or_cancels():
    registration = _registration(EventFactory(starts_at=timezone.now() + timedelta(hours=23)))
    registration.created_at = timezone.now() - timedelta(days=2)
    registration.save()
    services.send_due_reminders()
    message = OutboundMessage.objects.get(key__startswith=f"reminder:event:{registration.event_id}:person:")
    assert registration.token not in message.body
    assert f"/r/{registration.token}/" in links.render(message.body)


# --- the change notice ----------------------------------------------------------------------------------------


def test_a_change_of_time_or_place_tells_every_registrant_once_in_their_language(staff_user):
    event = EventFactory(status=Event.Status.PLANNED)
    ru = _registration(event, n=1, language="ru")
    kk = _registration(event, n=2, language="kk", status=Registration.Status.WAITLISTED)
    gone = _registration(event, n=3, status=Registration.Status.CANCELLED)
    services.confirm_attendance(registration=ru)

    services.update_event(event=event, by=staff_user, data={"title": "Новое название", "capacity": 60})
    assert not _changes(event).exists()  # neither time nor place: nothing to tell

    new_start = event.starts_at + timedelta(days=1)
    services.update_event(
        event=event, by=staff_user, data={"starts_at": new_start, "ends_at": new_start + timedelta(hours=2)}
    )
    services.update_event(  # saved again with the same values: no second notice
        event=event, by=staff_user, data={"starts_at": new_start, "ends_at": new_start + timedelta(hours=2)}
    )
    messages = list(_changes(event))
    assert [m.recipient for m in messages] == ["asel1@example.kz", "asel2@example.kz"]
    assert gone.person.email not in {m.recipient for m in messages}
    assert {m.key for m in messages} == {
        f"changed:event:{event.pk}:v1:person:{ru.person_id}",
        f"changed:event:{event.pk}:v1:person:{kk.person_id}",
    }
    by_language = {m.language: m for m in messages}
    with translation.override("ru"):
        assert timezone.localtime(new_start).strftime("%d.%m.%Y %H:%M") in by_language["ru"].body
    assert event.public_token in by_language["ru"].body and "/event.ics" in by_language["ru"].body
    assert "изменилось" in by_language["ru"].body and "Изменено" in by_language["ru"].subject  # own language
    assert "Сіз тіркелген іс-шараның уақыты немесе орны өзгерді" in by_language["kk"].body
    assert ru.token not in by_language["ru"].body  # the personal link is made only at send time
    assert f"/r/{ru.token}/" in links.render(by_language["ru"].body)
    # The confirmation was for the old time: the person says again whether they are coming.
    assert Registration.objects.get(pk=ru.pk).confirmed_at is None

    services.update_event(event=event, by=staff_user, data={"place": "Караганда, ул. Бухар-Жырау, 1"})
    assert _changes(event).filter(key__contains=":v2:").count() == 2
    # The earlier notice, not sent yet, is superseded by the new one.
    assert set(_changes(event).filter(key__contains=":v1:").values_list("status", flat=True)) == {"cancelled"}
    assert Event.objects.get(pk=event.pk).schedule_version == 2


def test_an_approved_event_changed_is_announced_when_approved_again(staff_user, coordinator):
    event = EventFactory(status=Event.Status.PLANNED, created_by=coordinator)
    EventApproval.objects.create(event=event, decision=EventApproval.Decision.APPROVED, decided_by=staff_user)
    registration = _registration(event)
    services.update_event(event=event, by=coordinator, data={"place": "Караганда, новый зал"})
    event.refresh_from_db()
    # Back in review, the event has no public page or .ics: its registrants hear once it is approved again.
    assert event.status == Event.Status.PROPOSED and not _changes(event).exists()
    services.approve_event(event=event, by=staff_user)
    assert list(_changes(event).values_list("key", flat=True)) == [
        f"changed:event:{event.pk}:v1:person:{registration.person_id}"
    ]
    assert "Караганда, новый зал" in _changes(event).get().body


def test_an_approval_without_a_change_announces_nothing(staff_user, coordinator):
    event = EventFactory(status=Event.Status.PROPOSED, created_by=coordinator)
    services.approve_event(event=event, by=staff_user)
    assert not _changes(event).exists()


def test_editing_through_the_form_sends_the_notice(client_for, staff_user):
    event = EventFactory(status=Event.Status.PLANNED)
    _registration(event)
    client = client_for(staff_user)
    form = client.get(reverse("events:edit", args=[event.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"place": "Караганда, другой зал"})
    for name in ("starts_at", "ends_at"):
        data[name] = timezone.localtime(getattr(event, name)).strftime("%Y-%m-%dT%H:%M")
    data["region"] = event.region.pk
    response = client.post(reverse("events:edit", args=[event.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert _changes(event).count() == 1
