"""The checklist pages by role: staff define and publish, coordinators see the forms and enter answers for their
own region only; publishing, XLSForm download and upload, and staff entry of answers through the same service."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from electionday import xlsform
from electionday.models import Checklist, ChecklistVersion, Source, Submission
from electionday.services import checklists
from tests.electionday.checklist_helpers import QUESTIONS, TITLE, jpeg, observer_at, published, station_in
from tests.events.factories import stations_election
from tests.factories import force_login, region

pytestmark = pytest.mark.django_db

ALL_ROLES = ["staff_user", "coordinator", "trainer", "finance_officer", "integrity_officer", "nobody", "auditor"]
VIEWERS = {"staff_user", "coordinator"}
EDITORS = {"staff_user"}


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    """Assert on the English source strings whatever catalogues come later; keep stored photos out of the tree."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """An anonymous client that asks for English pages (the source strings)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for():
    """Like the shared fixture, with English pages."""

    def login(user):
        return force_login(Client(HTTP_ACCEPT_LANGUAGE="en"), user)

    return login


@pytest.fixture
def version():
    return published(stations_election())


def _urls(version, station=None):
    slug, code, number = version.checklist.election.slug, version.checklist.code, version.number
    urls = {
        "checklists": (reverse("electionday:checklists", args=[slug]), VIEWERS),
        "checklist_create": (reverse("electionday:checklist_create", args=[slug]), EDITORS),
        "checklist_edit": (reverse("electionday:checklist_edit", args=[slug, code]), EDITORS),
        "checklist_version": (reverse("electionday:checklist_version", args=[slug, code, number]), VIEWERS),
        "checklist_publish": (reverse("electionday:checklist_publish", args=[slug, code, number]), EDITORS),
        "checklist_xlsform": (reverse("electionday:checklist_xlsform", args=[slug, code, number]), VIEWERS),
        "checklist_station": (reverse("electionday:checklist_station", args=[slug, code]), VIEWERS),
    }
    if station is not None:
        urls["checklist_answers"] = (reverse("electionday:checklist_answers", args=[slug, code, station.pk]), VIEWERS)
    return urls


PAGES = [
    "checklists",
    "checklist_create",
    "checklist_edit",
    "checklist_version",
    "checklist_publish",
    "checklist_xlsform",
    "checklist_station",
    "checklist_answers",
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_pages_by_role(client_for, request, version, page, role):
    # A draft version 2 so the publish page has something to confirm.
    draft = checklists.new_draft(checklist=version.checklist, by=None)
    url, allowed = _urls(draft if page == "checklist_publish" else version, station_in("KZ-35"))[page]
    response = client_for(request.getfixturevalue(role)).get(url)
    if role == "auditor":
        assert response.status_code == 302 and "/audit/" in response["Location"]
    else:
        assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, version, page):
    url, _allowed = _urls(version, station_in())[page]
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "name", ["checklist_defaults", "checklist_import", "checklist_edit", "checklist_publish", "checklist_create"]
)
@pytest.mark.parametrize("role", ["coordinator", "trainer", "integrity_officer", "nobody"])
def test_changes_are_refused_to_all_but_committee_staff(client_for, request, name, role):
    election = stations_election()
    draft = checklists.create_checklist(
        election=election,
        code="draft",
        kind="other",
        due_at=None,
        position=1,
        title=TITLE,
        questions=QUESTIONS,
        by=None,
    )
    args = {
        "checklist_defaults": [election.slug],
        "checklist_create": [election.slug],
        "checklist_import": [election.slug, "draft"],
        "checklist_edit": [election.slug, "draft"],
        "checklist_publish": [election.slug, "draft", 1],
    }[name]
    response = client_for(request.getfixturevalue(role)).post(
        reverse(f"electionday:{name}", args=args), {"code": "x", "title_ru": "X", "kind": "other", "position": 1}
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.published_at is None
    assert Checklist.objects.filter(election=election).count() == 1


def test_unknown_election_checklist_or_version_is_404(client_for, staff_user, version):
    client = client_for(staff_user)
    assert client.get(reverse("electionday:checklists", args=["no-such"])).status_code == 404
    slug = version.checklist.election.slug
    assert client.get(reverse("electionday:checklist_edit", args=[slug, "no-such"])).status_code == 404
    assert client.get(reverse("electionday:checklist_version", args=[slug, "opening", 9])).status_code == 404


def _formset_data(questions, **title):
    data = {
        "title_ru": title.get("ru", "Закрытие"),
        "title_kk": title.get("kk", ""),
        "title_en": title.get("en", "Closing"),
        "q-TOTAL_FORMS": str(len(questions) + 1),
        "q-INITIAL_FORMS": str(title.get("initial", 0)),
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "1000",
    }
    for index, question in enumerate(questions):
        for key, value in question.items():
            data[f"q-{index}-{key}"] = value
    return data


def test_staff_create_edit_and_publish_a_checklist(client_for, staff_user):
    election = stations_election()
    client = client_for(staff_user)
    response = client.post(
        reverse("electionday:checklist_create", args=[election.slug]),
        {"code": "closing", "kind": "closing", "position": 90, "title_ru": "Закрытие", "title_en": "Closing"},
    )
    assert response.status_code == 302
    checklist = Checklist.objects.get(election=election, code="closing")
    edit_url = reverse("electionday:checklist_edit", args=[election.slug, "closing"])
    data = _formset_data(
        [
            {"name": "protocol_copy", "type": "yes_no", "label_ru": "Копию получили?", "required": "on", "ORDER": "2"},
            {
                "name": "mood",
                "type": "choice",
                "label_ru": "Обстановка",
                "choices": "calm | Спокойно | Тыныш | Calm\ntense | Напряжённо",
                "ORDER": "1",
            },
        ]
    )
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = ChecklistVersion.objects.get(checklist=checklist)
    assert draft.number == 1 and draft.published_at is None
    assert [q["name"] for q in draft.questions] == ["mood", "protocol_copy"]  # in the order given
    assert draft.questions[0]["choices"][0] == {
        "value": "calm",
        "label": {"ru": "Спокойно", "kk": "Тыныш", "en": "Calm"},
    }
    assert draft.questions[1]["required"] is True

    publish_url = reverse("electionday:checklist_publish", args=[election.slug, "closing", 1])
    page = client.get(publish_url)
    assert "never changes" in page.content.decode()
    draft.refresh_from_db()
    assert draft.published_at is None  # the GET only asks
    assert client.post(publish_url).status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None

    page = client.get(edit_url).content.decode()
    assert "saving makes a new draft version" in page
    data = _formset_data(  # as the page shows it: the two questions of version 1, one changed, one deleted
        [
            {"name": "notes", "type": "text", "label_ru": "Примечания", "ORDER": "1"},
            {"name": "protocol_copy", "type": "yes_no", "label_ru": "Копию получили?", "ORDER": "2", "DELETE": "on"},
        ],
        initial=2,
    )
    assert client.post(edit_url, data).status_code == 302
    assert [(v.number, v.published_at is None) for v in checklist.versions.all()] == [(2, True), (1, False)]
    assert [q["name"] for q in checklist.versions.get(number=2).questions] == ["notes"]
    draft.refresh_from_db()
    assert [q["name"] for q in draft.questions] == ["mood", "protocol_copy"]


def test_edit_page_shows_definition_errors_and_saves_nothing(client_for, staff_user):
    election = stations_election()
    empty = checklists.create_checklist(
        election=election, code="empty", kind="other", due_at=None, position=1, title=TITLE, by=None
    )
    url = reverse("electionday:checklist_edit", args=[election.slug, "empty"])
    data = _formset_data(
        [
            {"name": "dup", "type": "text", "label_ru": "А", "ORDER": "1"},
            {"name": "dup", "type": "choice", "label_ru": "Б", "ORDER": "2"},
        ]
    )
    response = client_for(staff_user).post(url, data)
    assert response.status_code == 200
    errors = " ".join(response.context["title_form"].non_field_errors())
    assert "used twice" in errors and "at least one choice" in errors
    assert escape(response.context["title_form"].non_field_errors()[0]) in response.content.decode()
    empty.refresh_from_db()
    assert empty.questions == [] and empty.checklist.versions.count() == 1


def test_xlsform_download_and_upload_make_a_new_draft(client_for, staff_user, version):
    client = client_for(staff_user)
    slug = version.checklist.election.slug
    response = client.get(reverse("electionday:checklist_xlsform", args=[slug, "opening", 1]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="opening-v1.xlsx"' in response["Content-Disposition"]
    content = response.content
    assert xlsform.read(content).questions == version.questions
    upload = SimpleUploadedFile("opening.xlsx", content)
    response = client.post(reverse("electionday:checklist_import", args=[slug, "opening"]), {"file": upload})
    assert response.status_code == 302 and response["Location"].endswith("/v2/")
    draft = version.checklist.versions.get(number=2)
    assert draft.published_at is None and draft.questions == version.questions


def test_a_bad_upload_is_refused_with_its_reason(client_for, staff_user, version):
    client = client_for(staff_user)
    slug = version.checklist.election.slug
    upload = SimpleUploadedFile("form.xlsx", b"not a workbook")
    response = client.post(
        reverse("electionday:checklist_import", args=[slug, "opening"]), {"file": upload}, follow=True
    )
    assert "was not imported" in response.content.decode()
    assert version.checklist.versions.count() == 1


def test_defaults_button_adds_the_default_checklists(client_for, staff_user):
    election = stations_election()
    client = client_for(staff_user)
    assert (
        "Add the default checklists"
        in client.get(reverse("electionday:checklists", args=[election.slug])).content.decode()
    )
    client.post(reverse("electionday:checklist_defaults", args=[election.slug]))
    client.post(reverse("electionday:checklist_defaults", args=[election.slug]))
    assert Checklist.objects.filter(election=election).count() == 7
    page = client.get(reverse("electionday:checklists", args=[election.slug])).content.decode()
    assert "turnout-1800" in page and "Add the default checklists" not in page


def test_list_page_queries_do_not_grow_with_checklists(client_for, staff_user):
    election = stations_election()
    client = client_for(staff_user)
    url = reverse("electionday:checklists", args=[election.slug])
    published(election, code="one")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    checklists.seed_default_checklists(election)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200 and "turnout-1000" in response.content.decode()
    assert len(many) == len(few)


# --- Staff entry of answers ---------------------------------------------------------------------------------------


def _answers(version, **extra):
    return {
        "version": str(version.number),
        "client_id": str(uuid.uuid4()),
        "filled_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "q_arrived_at": "06:50",
        "q_admitted": "no",
        "q_voters": "15",
        "q_queue": "long",
        **extra,
    }


def test_coordinator_finds_a_station_of_their_region_and_enters_answers_once(client_for, coordinator, version):
    station = station_in("KZ-35", number="777")
    reporter = observer_at(station)
    client = client_for(coordinator)
    slug = version.checklist.election.slug
    lookup = reverse("electionday:checklist_station", args=[slug, "opening"])
    response = client.get(lookup, {"region": region("KZ-35").pk, "number": "777"})
    url = reverse("electionday:checklist_answers", args=[slug, "opening", station.pk])
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    # Labels in the page's language (English here), Russian where a question has no English label.
    assert "Admitted?" in page and "Во сколько вы прибыли?" in page and reporter.person.full_name in page
    data = _answers(version, assignment=str(reporter.pk), q_photo=SimpleUploadedFile("p.jpg", jpeg(), "image/jpeg"))
    assert client.post(url, data).status_code == 302
    data["q_photo"] = SimpleUploadedFile("p.jpg", jpeg(), "image/jpeg")
    assert client.post(url, data).status_code == 302  # the same form sent again
    submission = Submission.objects.get()
    assert submission.answers == {"arrived_at": "06:50", "admitted": False, "voters": 15, "queue": "long"}
    assert (submission.source, submission.entered_by, submission.assignment) == (Source.STAFF, coordinator, reporter)
    assert submission.version == version and submission.attachments.get().question == "photo"


def test_coordinator_cannot_reach_a_station_of_another_region(client_for, other_coordinator, version):
    station = station_in("KZ-35")
    client = client_for(other_coordinator)
    slug = version.checklist.election.slug
    url = reverse("electionday:checklist_answers", args=[slug, "opening", station.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _answers(version)).status_code == 403
    lookup = client.get(
        reverse("electionday:checklist_station", args=[slug, "opening"]),
        {"region": region("KZ-35").pk, "number": station.number},
    )
    assert lookup.status_code == 200  # the region is not offered: the form says so, no redirect
    assert "region" in lookup.context["form"].errors  # a region of someone else is not a valid choice
    assert not Submission.objects.exists()


def test_station_of_another_election_is_404(client_for, staff_user, version):
    from tests.factories import ElectionFactory

    elsewhere = station_in("KZ-35", election=ElectionFactory(slug="local-2027"))
    url = reverse("electionday:checklist_answers", args=[version.checklist.election.slug, "opening", elsewhere.pk])
    assert client_for(staff_user).get(url).status_code == 404


def test_answers_that_do_not_fit_are_shown_and_nothing_is_stored(client_for, staff_user, version):
    station = station_in("KZ-35")
    url = reverse("electionday:checklist_answers", args=[version.checklist.election.slug, "opening", station.pk])
    response = client_for(staff_user).post(url, _answers(version, q_arrived_at="25:99", q_admitted=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"q_arrived_at", "q_admitted"}
    assert errors["q_arrived_at"] == ["Enter a time as HH:MM, such as 07:45."]
    assert not Submission.objects.exists()


def test_answers_keep_the_version_their_form_was_built_from(client_for, staff_user, version):
    station = station_in("KZ-35")
    url = reverse("electionday:checklist_answers", args=[version.checklist.election.slug, "opening", station.pk])
    client = client_for(staff_user)
    data = _answers(version)  # the form of version 1, still open in the browser...
    newer = checklists.edit(checklist=version.checklist, title=TITLE, questions=QUESTIONS, by=None)
    checklists.publish(version=newer, by=None)  # ...when version 2 is published
    assert client.post(url, data).status_code == 302
    assert Submission.objects.get().version == version
    assert f"v{newer.number}" in client.get(url).content.decode()


def test_no_published_version_means_no_entry(client_for, staff_user):
    election = stations_election()
    checklists.create_checklist(
        election=election,
        code="draft",
        kind="other",
        due_at=None,
        position=1,
        title=TITLE,
        questions=QUESTIONS,
        by=None,
    )
    url = reverse("electionday:checklist_station", args=[election.slug, "draft"])
    assert client_for(staff_user).get(url).status_code == 404
