"""Staff pages by role: who may open them, who is refused, and coordinators limited to their region."""

import datetime

import pytest
from django.urls import reverse

from coalition.dates import day_start
from coalition.models import AuditEntry
from members.models import Decision, IneligibleCategory, Organization, StatementOfSupport
from tests.factories import OrganizationFactory, region
from tests.members.factories import MeetingFactory

pytestmark = pytest.mark.django_db

ALL_STAFF = ["staff_user", "coordinator", "trainer", "finance_officer", "integrity_officer", "superuser"]


@pytest.fixture
def org(db):
    return OrganizationFactory(region=region("KZ-35"), email="org@example.kz")


@pytest.fixture
def meeting(db):
    return MeetingFactory(present=4)


def _urls(org, meeting):
    return {
        "list": reverse("members:staff_organizations"),
        "queue": reverse("members:staff_queue"),
        "detail": reverse("members:staff_organization", args=[org.pk]),
        "csv": reverse("members:staff_export", args=["csv"]),
        "meetings": reverse("members:staff_meetings"),
        "meeting": reverse("members:staff_meeting", args=[meeting.pk]),
        "meeting_new": reverse("members:staff_meeting_create"),
        "meeting_edit": reverse("members:staff_meeting_edit", args=[meeting.pk]),
        "decision_new": reverse("members:staff_decision_create", args=[meeting.pk]),
        "minutes": reverse("members:staff_meeting_minutes", args=[meeting.pk]),
        "statements": reverse("members:staff_statements"),
        "statement_new": reverse("members:staff_statement_create"),
        "eligibility": reverse("members:staff_eligibility"),
        "eligibility_new": reverse("members:staff_eligibility_create"),
        "profile_changes": reverse("members:staff_profile_changes"),
        "committee": reverse("members:staff_committee"),
    }


# Which pages each role may open (everything else: 403).
ALLOWED = {
    "staff_user": "all",
    "superuser": "all",
    "coordinator": {"list", "queue", "detail", "csv", "statements"},
    "trainer": {"list", "queue", "detail", "csv"},
    "finance_officer": {"list", "queue", "detail", "csv"},
    "integrity_officer": {"list", "queue", "detail", "csv"},
}


@pytest.mark.parametrize("fixture", ALL_STAFF)
def test_each_role_opens_only_its_pages(client_for, request, fixture, org, meeting):
    client = client_for(request.getfixturevalue(fixture))
    allowed = ALLOWED[fixture]
    for name, url in _urls(org, meeting).items():
        expected = 200 if allowed == "all" or name in allowed else 403
        assert client.get(url).status_code == expected, (fixture, name)


def test_anonymous_is_sent_to_login(client, org, meeting):
    for url in _urls(org, meeting).values():
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_auditor_is_sent_to_the_audit_site(client_for, auditor, org, meeting):
    response = client_for(auditor).get(reverse("members:staff_organizations"))
    assert response.status_code == 302 and response.url == reverse("audit:index")


def test_user_without_role_is_refused(client_for, nobody, org, meeting):
    for url in _urls(org, meeting).values():
        assert client_for(nobody).get(url).status_code == 403


def test_coordinator_sees_only_own_region(client_for, coordinator):
    mine = OrganizationFactory(region=region("KZ-35"), name_ru="Моя")
    other = OrganizationFactory(region=region("KZ-71"), name_ru="Чужая")
    client = client_for(coordinator)
    assert [o.pk for o in client.get(reverse("members:staff_organizations")).context["page"]] == [mine.pk]
    assert [o.pk for o in client.get(reverse("members:staff_queue")).context["page"]] == [mine.pk]
    assert client.get(reverse("members:staff_organization", args=[other.pk])).status_code == 404
    # a region filter cannot widen the scope
    response = client.get(reverse("members:staff_organizations"), {"region": region("KZ-71").pk})
    assert [o.pk for o in response.context["page"]] == [mine.pk]
    csv = client.get(reverse("members:staff_export", args=["csv"])).content.decode()
    assert "Моя" in csv and "Чужая" not in csv


def test_list_search_filter_and_pagination(client_for, staff_user):
    OrganizationFactory(name_ru="Союз писателей", region=region("KZ-75"), kind="creative_union")
    target = OrganizationFactory(name_ru="Федерация футбола", kind="sports_federation")
    OrganizationFactory.create_batch(30)
    client = client_for(staff_user)
    assert [o.pk for o in client.get(reverse("members:staff_organizations"), {"q": "футбол"}).context["page"]] == [
        target.pk
    ]
    assert [o.pk for o in client.get(reverse("members:staff_organizations"), {"q": target.bin}).context["page"]] == [
        target.pk
    ]
    response = client.get(
        reverse("members:staff_organizations"), {"kind": "creative_union", "region": region("KZ-75").pk}
    )
    assert [o.name_ru for o in response.context["page"]] == ["Союз писателей"]
    page2 = client.get(reverse("members:staff_organizations"), {"page": 2})
    assert page2.context["page"].number == 2 and len(page2.context["page"]) == 7


def test_list_query_count_is_fixed(client_for, staff_user, django_assert_max_num_queries):
    OrganizationFactory.create_batch(20)
    client = client_for(staff_user)
    client.get(reverse("members:staff_organizations"))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        client.get(reverse("members:staff_organizations"))


def test_detail_shows_eligibility_concern_to_staff(client_for, staff_user):
    org = OrganizationFactory(name_ru="Религиозное объединение «Свет»")  # e.g. applied before the rule existed
    html = client_for(staff_user).get(reverse("members:staff_organization", args=[org.pk])).content.decode()
    assert "Религиозные объединения не вправе" in html


def test_staff_create_meeting_then_admit_from_the_page(client_for, staff_user, org):
    from tests.members.factories import CommitteeMemberFactory

    members = CommitteeMemberFactory.create_batch(3)
    Organization.objects.filter(pk=org.pk).update(created_at=day_start(datetime.date(2026, 11, 20)))  # applied
    client = client_for(staff_user)
    response = client.post(
        reverse("members:staff_meeting_create"),
        {
            "held_on": "2026-11-27",
            "place": "Астана",
            "agenda": "Приём",
            "minutes": "",
            "attendees": [m.pk for m in members[:2]],
        },
    )
    from members.models import CommitteeMeeting

    meeting = CommitteeMeeting.objects.get()
    assert response.status_code == 302 and response.url == reverse("members:staff_meeting", args=[meeting.pk])
    assert meeting.committee_size == 3 and meeting.attendees.count() == 2
    form = client.get(reverse("members:staff_decision_create", args=[meeting.pk]), {"organization": org.pk})
    assert form.context["form"].initial["organizations"] == [org.pk]
    response = client.post(
        reverse("members:staff_decision_create", args=[meeting.pk]),
        {
            "kind": "admission",
            "text": "Принять",
            "organizations": [org.pk],
            "votes_for": 2,
            "votes_against": 0,
            "votes_abstained": 0,
        },
        follow=True,
    )
    org.refresh_from_db()
    assert org.status == "admitted" and org.joined_on == datetime.date(2026, 11, 27)
    assert "admitted and notified" in response.content.decode() or response.context["messages"]


def test_reject_without_reason_shows_the_error(client_for, staff_user, org, meeting):
    response = client_for(staff_user).post(
        reverse("members:staff_decision_create", args=[meeting.pk]),
        {
            "kind": "rejection",
            "text": "Отказать",
            "organizations": [org.pk],
            "votes_for": 4,
            "votes_against": 0,
            "votes_abstained": 0,
        },
    )
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    org.refresh_from_db()
    assert org.status == "applied" and not Decision.objects.exists()


def test_too_many_votes_shows_the_error(client_for, staff_user, org, meeting):
    response = client_for(staff_user).post(
        reverse("members:staff_decision_create", args=[meeting.pk]),
        {
            "kind": "admission",
            "text": "Принять",
            "organizations": [org.pk],
            "votes_for": 5,
            "votes_against": 0,
            "votes_abstained": 0,
        },
    )
    assert response.status_code == 200 and "votes_for" in response.context["form"].errors


def test_coordinator_cannot_record_decisions_or_change_status(client_for, coordinator, org, meeting):
    client = client_for(coordinator)
    response = client.post(
        reverse("members:staff_decision_create", args=[meeting.pk]),
        {
            "kind": "admission",
            "text": "x",
            "organizations": [org.pk],
            "votes_for": 4,
            "votes_against": 0,
            "votes_abstained": 0,
        },
    )
    assert response.status_code == 403
    admitted = OrganizationFactory(region=region("KZ-35"), status="admitted", joined_on="2026-11-20")
    response = client.post(
        reverse("members:staff_organization_status", args=[admitted.pk]), {"to_status": "suspended", "reason": "x"}
    )
    assert response.status_code == 403
    org.refresh_from_db()
    admitted.refresh_from_db()
    assert org.status == "applied" and admitted.status == "admitted"


def test_staff_suspends_a_member(client_for, staff_user):
    admitted = OrganizationFactory(status="admitted", joined_on="2026-11-20")
    response = client_for(staff_user).post(
        reverse("members:staff_organization_status", args=[admitted.pk]),
        {"to_status": "suspended", "reason": "Проверка"},
    )
    admitted.refresh_from_db()
    assert response.status_code == 302 and admitted.status == "suspended"


def test_status_action_needs_post(client_for, staff_user, org):
    assert client_for(staff_user).get(reverse("members:staff_organization_status", args=[org.pk])).status_code == 405


def test_statement_create_and_publish(client_for, staff_user):
    member = OrganizationFactory(status="admitted", joined_on="2026-11-20")
    client = client_for(staff_user)
    response = client.post(
        reverse("members:staff_statement_create"),
        {
            "organization": member.pk,
            "speaker_name": "Спикер",
            "speaker_title": "",
            "text": "Поддерживаем",
            "made_on": "2026-11-20",
            "language": "ru",
        },
    )
    assert response.status_code == 302
    statement = StatementOfSupport.objects.get()
    assert not statement.may_publish
    client.post(reverse("members:staff_statement_publication", args=[statement.pk]), {"may_publish": "1"})
    statement.refresh_from_db()
    assert statement.may_publish


def test_staff_edits_an_eligibility_rule_with_audit(client_for, staff_user):
    category = IneligibleCategory.objects.get(code="religious_association")
    response = client_for(staff_user).post(
        reverse("members:staff_eligibility_edit", args=[category.pk]),
        {
            "code": category.code,
            "label": category.label,
            "reason": "Новая формулировка причины",
            "name_keywords": "религиозн",
            "bin_type_digits": "",
            "source": category.source,
            "is_active": "on",
            "position": 0,
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.reason == "Новая формулировка причины"
    entry = AuditEntry.objects.get(action="members.eligibility.save")
    assert entry.actor == staff_user and entry.data["after"]["reason"] == "Новая формулировка причины"


def test_minutes_in_russian_kazakh_and_english(client_for, staff_user, org, meeting):
    from members import services

    org.name_kk, org.name_en = "«Тест» қоғамдық бірлестігі", "Test Public Association"
    org.save(update_fields=["name_kk", "name_en"])
    services.record_decision(
        meeting=meeting,
        kind="admission",
        text="Принять",
        organizations=[org],
        votes_for=4,
        votes_against=0,
        votes_abstained=0,
        recorded_by=staff_user,
    )
    client = client_for(staff_user)
    ru = client.get(reverse("members:staff_meeting_minutes", args=[meeting.pk]), {"lang": "ru"})
    kk = client.get(reverse("members:staff_meeting_minutes", args=[meeting.pk]), {"lang": "kk"})
    en = client.get(reverse("members:staff_meeting_minutes", args=[meeting.pk]), {"lang": "en"})
    assert ru.status_code == kk.status_code == en.status_code == 200
    ru_text, kk_text, en_text = ru.content.decode(), kk.content.decode(), en.content.decode()
    assert org.name_ru in ru_text and "Протокол заседания организационного комитета" in ru_text
    # The Kazakh minutes are written in Kazakh, not only marked so: the heading, the sections and the name.
    assert '<article class="bg-white p-4 border" lang="kk">' in kk_text
    assert "Ұйымдастыру комитеті отырысының хаттамасы" in kk_text and "Шешімдер" in kk_text
    assert "«Тест» қоғамдық бірлестігі" in kk_text and "Протокол заседания" not in kk_text
    assert '<article class="bg-white p-4 border" lang="en">' in en_text
    assert "Minutes of the meeting of the organizing committee" in en_text and "Decisions" in en_text
    assert "Test Public Association" in en_text and "Протокол заседания" not in en_text


def test_minutes_offered_in_english_on_the_meeting_page(client_for, staff_user, meeting):
    page = client_for(staff_user).get(reverse("members:staff_meeting", args=[meeting.pk])).content.decode()
    url = reverse("members:staff_meeting_minutes", args=[meeting.pk])
    assert f"{url}?lang=en" in page and f"{url}?lang=en&amp;format=pdf" in page


def test_minutes_in_an_unknown_language_fall_back_to_russian(client_for, staff_user, meeting):
    response = client_for(staff_user).get(reverse("members:staff_meeting_minutes", args=[meeting.pk]), {"lang": "de"})
    assert '<article class="bg-white p-4 border" lang="ru">' in response.content.decode()


@pytest.mark.parametrize("language", ["kk", "en"])
def test_minutes_pdf(client_for, staff_user, meeting, language):
    pytest.importorskip("weasyprint", exc_type=OSError)  # needs Pango on the machine
    response = client_for(staff_user).get(
        reverse("members:staff_meeting_minutes", args=[meeting.pk]), {"lang": language, "format": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"-{language}.pdf" in response["Content-Disposition"]


def test_queue_and_meeting_query_counts_do_not_grow(client_for, staff_user, django_assert_max_num_queries):
    from members import services

    meeting = MeetingFactory(present=5)
    orgs = OrganizationFactory.create_batch(10)
    services.record_decision(
        meeting=meeting,
        kind="admission",
        text="Принять",
        organizations=orgs[:6],
        votes_for=5,
        votes_against=0,
        votes_abstained=0,
        recorded_by=staff_user,
    )
    client = client_for(staff_user)
    client.get(reverse("members:staff_queue"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("members:staff_queue")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("members:staff_meeting", args=[meeting.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("members:staff_organization", args=[orgs[0].pk])).status_code == 200


def test_staff_records_consent_withdrawal_coordinator_cannot(client_for, staff_user, coordinator):
    from members import services
    from members.models import Consent
    from tests.members.test_services import application

    org = services.submit_application(application=application())
    consent = Consent.objects.get()
    url = reverse("members:staff_consent_withdraw", args=[consent.pk])
    assert client_for(coordinator).post(url, {"organization": org.pk}).status_code == 403
    response = client_for(staff_user).post(url, {"organization": org.pk})
    assert response.status_code == 302 and response.url == reverse("members:staff_organization", args=[org.pk])
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_staff_keep_the_committee_roster_and_quorum_rules(client_for, staff_user, coordinator):
    from members.models import CommitteeMember, QuorumRule

    client = client_for(staff_user)
    url = reverse("members:staff_committee")
    response = client.post(url, {"member-full_name": "Новый Член", "member-title": "Член оргкомитета"})
    assert response.status_code == 302
    member = CommitteeMember.objects.get()
    assert member.is_active and member.person.full_name == "Новый Член"
    client.post(reverse("members:staff_committee_member_active", args=[member.pk]), {"is_active": "0"})
    member.refresh_from_db()
    assert not member.is_active
    response = client.post(url, {"rule-valid_from": "2027-01-01", "rule-share": "0.66", "rule-source": "Решение"})
    assert response.status_code == 302
    assert QuorumRule.objects.filter(valid_from="2027-01-01", strictly_more=False).exists()
    assert AuditEntry.objects.filter(action__startswith="members.committee.").count() == 2
    assert AuditEntry.objects.filter(action="members.quorum.add").exists()
    assert client_for(coordinator).post(url, {"member-full_name": "X"}).status_code == 403
    assert "2027" in client.get(url).content.decode()


def test_decision_form_offers_only_applications_filed_by_the_meeting_day(client_for, staff_user, org):
    earlier = OrganizationFactory()
    Organization.objects.filter(pk=earlier.pk).update(created_at=day_start(datetime.date(2026, 11, 20)))
    meeting = MeetingFactory(held_on=datetime.date(2026, 11, 25))  # ``org`` applies today, after the meeting
    response = client_for(staff_user).get(reverse("members:staff_decision_create", args=[meeting.pk]))
    offered = list(response.context["form"].fields["organizations"].queryset)
    assert earlier in offered and org not in offered


def test_decision_at_a_meeting_before_the_application_is_refused_on_the_form(client_for, staff_user, org):
    meeting = MeetingFactory(held_on=datetime.date(2026, 11, 25), present=5)
    response = client_for(staff_user).post(
        reverse("members:staff_decision_create", args=[meeting.pk]),
        {"kind": "admission", "text": "Принять", "organizations": [org.pk], "votes_for": 5},
    )
    assert response.status_code == 200 and response.context["form"].errors["organizations"]
    org.refresh_from_db()
    assert org.status == "applied" and org.joined_on is None


def test_organization_page_offers_only_meetings_on_or_after_the_application(client_for, staff_user, org):
    before = MeetingFactory(held_on=datetime.date(2026, 11, 25))
    same_day = MeetingFactory()  # today, the day ``org`` applied
    response = client_for(staff_user).get(reverse("members:staff_organization", args=[org.pk]))
    assert list(response.context["meetings"]) == [same_day]
    page = response.content.decode()
    assert reverse("members:staff_decision_create", args=[same_day.pk]) in page
    assert reverse("members:staff_decision_create", args=[before.pk]) not in page


def test_organization_page_says_when_no_meeting_followed_the_application(client_for, staff_user, org):
    MeetingFactory(held_on=datetime.date(2026, 11, 25))
    response = client_for(staff_user).get(reverse("members:staff_organization", args=[org.pk]))
    assert list(response.context["meetings"]) == []
    assert f"Заседаний в день подачи заявки ({org.applied_on:%d.%m.%Y}) или позже пока не было." in (
        response.content.decode()
    )
