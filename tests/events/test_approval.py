"""Proposals (member portal, regional coordinators) approved against the checklist by the right person."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from coalition.models import AuditEntry, OutboundMessage
from coalition.roles import Role
from events import rules, selectors, services, tasks
from events.models import Event, EventApproval, Registration
from members.models import Affiliation
from tests.conftest import _user_with_role
from tests.events.factories import EventFactory, PersonFactory, RegistrationFactory, admitted_organization
from tests.factories import ElectionFactory, UserFactory, region

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


def _data(**overrides):
    starts = datetime(2026, 12, 18, 11, 0, tzinfo=TZ)
    data = {
        "title": "Пикет за честные выборы",
        "kind": Event.Kind.PICKET,
        "region": region("KZ-35"),
        "place": "Караганда, площадь Гагарина",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "capacity": 40,
    }
    return {**data, **overrides}


@pytest.fixture
def member_rep():
    """A member organization in KZ-35 and its representative's portal account."""
    org = admitted_organization(region=region("KZ-35"))
    user = UserFactory(username="rep", email="rep@example.kz")
    person = PersonFactory(full_name="Представитель Организации", user=user)
    Affiliation.objects.create(person=person, organization=org, role=Affiliation.Role.REPRESENTATIVE)
    return org, user


@pytest.fixture
def second_coordinator(db):
    return _user_with_role("kanat.coord", Role.REGIONAL_COORDINATOR, "KZ-35")


# --- The pure checklist ---------------------------------------------------------------------------------------


def _items(**kw):
    args = {
        "place": "Караганда, площадь Гагарина",
        "notice_required": True,
        "notice_deadline": date(2026, 12, 10),
        "notice_sent_on": None,
        "today": date(2026, 12, 1),
        "campaign_warnings": [],
    }
    return {item.key: item.result for item in rules.approval_checklist(**{**args, **kw})}


def test_checklist_rules():
    assert _items(notice_sent_on=date(2026, 12, 1)) == {"venue": "pass", "notice": "pass", "campaign": "pass"}
    assert _items(place="  ")["venue"] == "fail"
    # Not sent yet: a warning, never a green tick (#22), until the deadline passes (then a failure).
    assert _items() == {"venue": "pass", "notice": "warn", "campaign": "pass"}
    assert _items(today=date(2026, 12, 10))["notice"] == "warn"  # the deadline day itself is still in time
    assert _items(today=date(2026, 12, 10), notice_sent_on=date(2026, 12, 10))["notice"] == "pass"
    assert _items(today=date(2026, 12, 11))["notice"] == "fail"
    assert _items(today=date(2026, 12, 11), notice_sent_on=date(2026, 12, 9))["notice"] == "pass"
    assert _items(notice_sent_on=date(2026, 12, 11), today=date(2026, 12, 12))["notice"] == "fail"  # sent late
    assert _items(notice_required=False, notice_deadline=None, today=date(2027, 1, 1))["notice"] == "pass"
    assert _items(campaign_warnings=["outside"])["campaign"] == "warn"


# --- Who proposes ---------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_coordinator_proposes_hq_staff_plans(coordinator, staff_user):
    proposed = services.create_event(by=coordinator, data=_data())
    assert proposed.status == Event.Status.PROPOSED
    assert proposed.notice_deadline == date(2026, 12, 10)  # holiday calendar: 16 December skipped
    assert AuditEntry.objects.get(action="events.create", object_id=str(proposed.pk)).data["status"] == "proposed"
    planned = services.create_event(by=staff_user, data=_data())
    assert planned.status == Event.Status.PLANNED


@time_machine.travel(NOW, tick=False)
def test_member_organization_proposes_from_the_portal_service(member_rep):
    org, user = member_rep
    event = services.propose_event(organization=org, by=user, data=_data(region=region("KZ-79")))
    assert event.status == Event.Status.PROPOSED and event.organization == org and event.created_by == user
    assert event.region.code == "KZ-79" and event.notice_deadline is not None
    org.status = "suspended"
    org.save()
    with pytest.raises(PermissionDenied):
        services.propose_event(organization=org, by=user, data=_data())
    with pytest.raises(ValidationError):
        services.propose_event(
            organization=admitted_organization(), by=user, data=_data(starts_at=NOW - timedelta(days=1))
        )


@time_machine.travel(NOW, tick=False)
def test_approvers_are_emailed_once_when_a_proposal_arrives(
    member_rep, coordinator, second_coordinator, other_coordinator, staff_user
):
    def told(event):
        rows = OutboundMessage.objects.filter(key__startswith=f"proposal:event:{event.pk}:waiting:")
        return sorted(rows.values_list("recipient", flat=True))

    org, user = member_rep
    karaganda = services.propose_event(organization=org, by=user, data=_data())
    assert told(karaganda) == sorted([coordinator.email, second_coordinator.email])  # the region's coordinators
    message = OutboundMessage.objects.get(recipient=coordinator.email, key__contains=f":{karaganda.pk}:waiting:")
    assert karaganda.title in message.subject and f"/events/{karaganda.pk}/review/" in message.body
    # A coordinator's own proposal goes to the other coordinator of the region, not to its author.
    own = services.create_event(by=coordinator, data=_data())
    assert told(own) == [second_coordinator.email]
    shymkent = services.propose_event(organization=org, by=user, data=_data(region=region("KZ-79")))
    assert told(shymkent) == [other_coordinator.email]
    # A region with no coordinator: HQ decides, HQ is told.
    elsewhere = services.propose_event(organization=org, by=user, data=_data(region=region("KZ-75")))
    assert told(elsewhere) == [staff_user.email]
    assert services.notify_approvers(karaganda) == 0  # once per approver and proposal


# --- Who approves ---------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_who_may_decide(
    member_rep, coordinator, second_coordinator, other_coordinator, staff_user, superuser, trainer, finance_officer
):
    org, rep = member_rep
    regional = services.propose_event(organization=org, by=rep, data=_data())
    own = services.create_event(by=coordinator, data=_data())
    national = services.create_event(by=coordinator, data=_data(is_national=True))
    may = selectors.approval_refusal
    assert may(coordinator, regional) is None and may(staff_user, regional) is None and may(superuser, regional) is None
    assert may(other_coordinator, regional)  # another region
    assert may(trainer, regional) and may(finance_officer, regional) and may(rep, regional)  # no permission
    assert may(coordinator, own)  # own proposal
    assert may(second_coordinator, own) is None and may(staff_user, own) is None
    assert may(second_coordinator, national)  # national: HQ only
    assert may(staff_user, national) is None
    for user, event in [(coordinator, own), (other_coordinator, regional), (second_coordinator, national)]:
        with pytest.raises(PermissionDenied):
            services.approve_event(event=event, by=user)
        with pytest.raises(PermissionDenied):
            services.reject_event(event=event, by=user, reason="no")
    assert Event.objects.filter(status=Event.Status.PROPOSED).count() == 3

    assert list(selectors.proposals_for(second_coordinator)) == [regional, own]
    assert list(selectors.proposals_for(other_coordinator)) == []
    assert set(selectors.proposals_for(staff_user)) == {regional, own, national}


@time_machine.travel(NOW, tick=False)
def test_approval_records_checklist_and_tells_the_proposer(member_rep, coordinator):
    org, rep = member_rep
    event = services.propose_event(organization=org, by=rep, data=_data())
    event = services.approve_event(event=event, by=coordinator, comment="Согласовано")
    assert event.status == Event.Status.PLANNED
    approval = EventApproval.objects.get(event=event)
    assert approval.decision == "approved" and approval.decided_by == coordinator and approval.decided_at == NOW
    assert {item["key"]: item["result"] for item in approval.checklist} == {
        "venue": "pass",
        "notice": "warn",  # not sent yet, deadline ahead: approved with the warning on record
        "campaign": "pass",
    }
    assert approval.comment == "Согласовано"
    message = OutboundMessage.objects.get(key=f"proposal:event:{event.pk}:approved")
    assert message.recipient == "rep@example.kz" and "Согласовано" in message.body
    assert f"/portal/{org.pk}/" in message.body
    with pytest.raises(ValidationError):  # decided once
        services.reject_event(event=event, by=coordinator, reason="Передумали")
    entry = AuditEntry.objects.get(action="events.approved", object_id=str(event.pk))
    assert entry.data["checklist"]["notice"] == "warn"


@time_machine.travel(NOW, tick=False)
def test_rejection_needs_a_reason(member_rep, coordinator):
    org, rep = member_rep
    event = services.propose_event(organization=org, by=rep, data=_data())
    with pytest.raises(ValidationError):
        services.reject_event(event=event, by=coordinator, reason="  ")
    event = services.reject_event(event=event, by=coordinator, reason="Площадь занята в этот день")
    assert event.status == Event.Status.REJECTED
    assert event.approval.comment == "Площадь занята в этот день"
    assert "Площадь занята" in OutboundMessage.objects.get(key=f"proposal:event:{event.pk}:rejected").body
    with pytest.raises(ValidationError):
        services.update_event(event=event, by=coordinator, data={"capacity": 10})


def test_a_late_notice_blocks_the_approval_and_campaign_only_warns(member_rep, coordinator):
    org, rep = member_rep
    with time_machine.travel(NOW, tick=False):
        event = services.propose_event(organization=org, by=rep, data=_data())
        ElectionFactory(slug="vybory", agitation_starts_on=date(2026, 12, 20), election_day=date(2027, 1, 10))
    with time_machine.travel(datetime(2026, 12, 11, 9, 0, tzinfo=TZ), tick=False):  # deadline 10.12 passed
        checklist = {item.key: item.result for item in selectors.approval_checklist(event)}
        assert checklist == {"venue": "pass", "notice": "fail", "campaign": "warn"}
        with pytest.raises(ValidationError):
            services.approve_event(event=event, by=coordinator)
        assert Event.objects.get(pk=event.pk).status == Event.Status.PROPOSED
    with time_machine.travel(datetime(2026, 12, 9, 9, 0, tzinfo=TZ), tick=False):
        # The notice recorded on the proposal keeps it a proposal; approval then makes it notified.
        services.record_notice(event=event, by=coordinator, sent_on=date(2026, 12, 9), number="12/34")
        assert Event.objects.get(pk=event.pk).status == Event.Status.PROPOSED
    with time_machine.travel(datetime(2026, 12, 11, 9, 0, tzinfo=TZ), tick=False):
        event = services.approve_event(event=event, by=coordinator)
        assert event.status == Event.Status.NOTIFIED
        assert {i["key"]: i["result"] for i in event.approval.checklist}["campaign"] == "warn"


# --- Only approved events get registrations and reminders ----------------------------------------------------


def test_proposed_event_has_no_public_page_registrations_or_reminders(client, coordinator, staff_user):
    event = EventFactory(status=Event.Status.PROPOSED, created_by=coordinator, responsible=coordinator)
    assert client.get(reverse("events:event_public", args=[event.public_token])).status_code == 404
    assert client.get(reverse("events:event_ics", args=[event.public_token])).status_code == 404
    with pytest.raises(ValidationError):
        services.register(event=event, applicant=services.Applicant("Тест Тестов", "t@example.kz"))
    RegistrationFactory(event=event, created_at=timezone.now() - timedelta(days=30))  # e.g. made by hand
    with time_machine.travel(event.starts_at - timedelta(hours=23)):
        assert tasks.send_due_reminders.apply().get() == 0
    services.approve_event(event=event, by=staff_user)
    assert client.get(reverse("events:event_public", args=[event.public_token])).status_code == 200
    with time_machine.travel(event.starts_at - timedelta(hours=23)):
        assert tasks.send_due_reminders.apply().get() == 2  # the participant and the responsible coordinator


# --- Views by role --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,expected",
    [
        ("staff_user", 200),
        ("coordinator", 200),
        ("other_coordinator", 403),
        ("trainer", 403),
        ("finance_officer", 403),
        ("integrity_officer", 403),
        ("nobody", 403),
        ("auditor", 302),
    ],
)
def test_review_page_by_role(client_for, request, member_rep, role, expected):
    org, rep = member_rep
    event = EventFactory(status=Event.Status.PROPOSED, organization=org, created_by=rep)
    user = request.getfixturevalue(role)
    assert client_for(user).get(reverse("events:review", args=[event.pk])).status_code == expected


def test_review_page_refuses_own_proposal_and_anonymous(client_for, client, coordinator):
    event = EventFactory(status=Event.Status.PROPOSED, created_by=coordinator)
    url = reverse("events:review", args=[event.pk])
    assert client_for(coordinator).get(url).status_code == 403
    assert client_for(coordinator).post(url, {"action": "approve"}).status_code == 403
    assert Event.objects.get(pk=event.pk).status == Event.Status.PROPOSED
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(reverse("events:proposals"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_queue_review_approve_and_reject_views(client_for, member_rep, coordinator, other_coordinator, staff_user):
    org, rep = member_rep
    first = EventFactory(status=Event.Status.PROPOSED, organization=org, created_by=rep, title="Первое")
    second = EventFactory(status=Event.Status.PROPOSED, organization=org, created_by=rep, title="Второе")
    national = EventFactory(status=Event.Status.PROPOSED, created_by=coordinator, is_national=True, title="Нац")
    EventFactory(status=Event.Status.PROPOSED, region=region("KZ-79"), title="Шымкент")
    client = client_for(coordinator)
    page = client.get(reverse("events:proposals")).content.decode()
    assert "Первое" in page and "Второе" in page and "Шымкент" not in page and "Нац" not in page
    staff_page = client_for(staff_user).get(reverse("events:proposals")).content.decode()
    assert "Нац" in staff_page and "Шымкент" in staff_page
    assert "Шымкент" in client_for(other_coordinator).get(reverse("events:proposals")).content.decode()

    review = client.get(reverse("events:review", args=[first.pk]))
    assert [item.key for item in review.context["checklist"]] == ["venue", "notice", "campaign"]
    response = client.post(reverse("events:review", args=[first.pk]), {"action": "approve", "comment": "Ок"})
    assert response.status_code == 302 and response["Location"] == reverse("events:detail", args=[first.pk])
    first.refresh_from_db()
    assert first.status == Event.Status.PLANNED and first.approval.decided_by == coordinator
    detail = client.get(reverse("events:detail", args=[first.pk])).content.decode()
    assert 'id="approval"' in detail and "events.approved" in detail  # the record and the history

    response = client.post(reverse("events:review", args=[second.pk]), {"action": "reject", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["reject_form"].errors
    response = client.post(reverse("events:review", args=[second.pk]), {"action": "reject", "reason": "Нет места"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Event.Status.REJECTED and second.approval.comment == "Нет места"
    assert client.get(reverse("events:review", args=[national.pk])).status_code == 403


def test_coordinator_creating_an_event_sees_it_proposed(client_for, coordinator):
    starts = (timezone.localtime() + timedelta(days=20)).replace(hour=11, minute=0, second=0, microsecond=0)
    data = {
        "title": "Встреча",
        "kind": "indoor",
        "region": region("KZ-35").pk,
        "place": "Караганда, ДК",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 40,
    }
    response = client_for(coordinator).post(reverse("events:create"), data, follow=True)
    event = Event.objects.get()
    assert event.status == Event.Status.PROPOSED
    assert "waits for approval" in response.content.decode()


# --- Portal ---------------------------------------------------------------------------------------------------


def test_portal_propose_and_see_registrations_of_our_people(client_for, member_rep, staff_user, nobody):
    org, rep = member_rep
    url = reverse("portal:propose_event", args=[org.pk])
    client = client_for(rep)
    assert client.get(url).status_code == 200
    starts = (timezone.localtime() + timedelta(days=20)).replace(hour=11, minute=0, second=0, microsecond=0)
    data = {
        "title": "Пикет организации",
        "kind": "picket",
        "region": region("KZ-35").pk,
        "place": "Караганда, сквер",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 30,
    }
    bad = client.post(url, {**data, "ends_at": data["starts_at"]})
    assert bad.status_code == 200 and "ends_at" in bad.context["form"].errors
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("portal:organization", args=[org.pk])
    event = Event.objects.get(title="Пикет организации")
    assert event.status == Event.Status.PROPOSED and event.organization == org and event.created_by == rep

    # Someone from the organization registered for an upcoming approved event elsewhere.
    volunteer = PersonFactory(full_name="Волонтёр Организации")
    Affiliation.objects.create(person=volunteer, organization=org, role=Affiliation.Role.VOLUNTEER)
    other = EventFactory(title="Чужая встреча", status=Event.Status.PLANNED)
    RegistrationFactory(event=other, person=volunteer)
    RegistrationFactory(event=EventFactory(title="Прошедшая", starts_at=timezone.now() - timedelta(days=3)))
    RegistrationFactory(event=EventFactory(title="Отменённая регистрация"), person=volunteer, status="cancelled")
    page = client.get(reverse("portal:organization", args=[org.pk])).content.decode()
    assert "Пикет организации" in page and "Proposed" in page
    assert "Чужая встреча" in page and "Волонтёр Организации" in page
    assert "Прошедшая" not in page and "Отменённая регистрация" not in page

    # Other users: staff are not representatives of this organization; anonymous goes to login.
    assert client_for(staff_user).get(url).status_code == 404
    assert client_for(nobody).get(url).status_code == 404
    assert Event.objects.filter(organization=org).count() == 1


def test_portal_propose_anonymous_goes_to_login(client, member_rep):
    org, _rep = member_rep
    response = client.get(reverse("portal:propose_event", args=[org.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_registration_count_unaffected_by_decision(staff_user):
    event = EventFactory(status=Event.Status.PROPOSED)
    services.approve_event(event=event, by=staff_user)
    registration = services.register(event=event, applicant=services.Applicant("Тест", "t2@example.kz"))
    assert registration.status == Registration.Status.CONFIRMED
