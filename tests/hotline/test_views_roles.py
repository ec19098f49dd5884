"""Every hotline URL for every role: who is let in, who is refused, and that identity stays with the
integrity officer (staff pages, /admin/ and /audit/ alike)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline import services
from hotline.models import Agency, IdentityAccess, IdentityDisclosure, Report
from tests.hotline.factories import file_report, identity, jpeg_with_gps, minimal_pdf

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "staff_user",
    "coordinator",
    "trainer",
    "finance_officer",
    "integrity_officer",
    "auditor",
    "superuser",
    "nobody",
]
NAME = "Тестовый Заявитель"


@pytest.fixture
def case(db):
    return file_report(identity=identity(consent_to_share=True), files=[jpeg_with_gps(), minimal_pdf()]).report


@pytest.fixture
def officer(django_user_model):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username="second_officer")
    user.groups.add(Group.objects.get(name="integrity_officer"))
    return user


@pytest.fixture
def forwarding(case, officer):
    return services.forward_report(
        report=case,
        agency=Agency.objects.get(code="police"),
        sent_on=timezone.localdate(),
        outgoing_number="01-01/1",
        include_identity=False,
        by=officer,
    )


@pytest.fixture
def identity_letter(case, officer):
    return services.forward_report(
        report=case,
        agency=Agency.objects.get(code="prosecutor_general"),
        sent_on=timezone.localdate(),
        outgoing_number="01-01/2",
        include_identity=True,
        by=officer,
    )


@pytest.fixture
def disclosure(case, officer):
    return services.request_disclosure(
        report=case, agency=Agency.objects.get(code="anti_corruption"), legal_basis="Запрос", by=officer
    )


def _client(request, client, client_for, role):
    if role == "anonymous":
        return client
    return client_for(request.getfixturevalue(role))


def _check(response, role, allowed: set[str], ok=(200,)):
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role == "auditor":
        assert response.status_code == 302 and response["Location"].startswith("/audit/")
    elif role in allowed:
        assert response.status_code in ok, (role, response.status_code)
    else:
        assert response.status_code == 403, (role, response.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/report/", "/report/status/"])
def test_public_pages_open_to_everyone(request, client, client_for, role, path):
    assert _client(request, client, client_for, role).get(path).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_case_list(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).get(reverse("hotline:list"))
    _check(response, role, {"integrity_officer", "superuser"})
    if response.status_code == 200:
        assert case.tracking_code in response.content.decode() and NAME not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_record_a_call(request, client, client_for, role):
    response = _client(request, client, client_for, role).get(reverse("hotline:record"))
    _check(response, role, {"staff_user", "integrity_officer", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_statistics(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).get(reverse("hotline:statistics"))
    _check(response, role, {"staff_user", "integrity_officer", "superuser"})
    if response.status_code == 200:
        html = response.content.decode()
        assert NAME not in html and case.tracking_code not in html and case.description not in html


@pytest.mark.parametrize("role", ROLES)
def test_disclosure_approvals_page(request, client, client_for, role, disclosure):
    response = _client(request, client, client_for, role).get(reverse("hotline:disclosures"))
    _check(response, role, {"staff_user", "superuser"})
    if response.status_code == 200:
        assert NAME not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_case_detail_never_shows_identity(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).get(reverse("hotline:detail", args=[case.tracking_code]))
    _check(response, role, {"integrity_officer", "superuser"})
    if response.status_code == 200:
        html = response.content.decode()
        assert case.description in html
        assert NAME not in html and "reporter@example.kz" not in html
    assert not IdentityAccess.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_reveal_identity(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:identity", args=[case.tracking_code]), {"reason": "to call back"}
    )
    _check(response, role, {"integrity_officer"})
    if role == "integrity_officer":
        assert NAME in response.content.decode()
        access = IdentityAccess.objects.get()
        assert access.user.username == "gulnar" and access.reason == "to call back" and access.ip_address
    else:
        assert not IdentityAccess.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_triage(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:triage", args=[case.tracking_code]), {"severity": "high", "duplicate_of": ""}
    )
    _check(response, role, {"integrity_officer", "superuser"}, ok=(302,))
    case.refresh_from_db()
    assert (case.severity == "high") == (role in {"integrity_officer", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_add_note(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:note", args=[case.tracking_code]), {"text": "Позвонить в прокуратуру."}
    )
    _check(response, role, {"integrity_officer", "superuser"}, ok=(302,))
    assert case.notes.exists() == (role in {"integrity_officer", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_forward(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:forward", args=[case.tracking_code]),
        {
            "agency": Agency.objects.get(code="prosecutor_regional").pk,
            "sent_on": "2026-11-25",
            "outgoing_number": "07/99",
        },
    )
    _check(response, role, {"integrity_officer"}, ok=(302,))
    assert case.forwardings.exists() == (role == "integrity_officer")


@pytest.mark.parametrize("role", ROLES)
def test_record_answer(request, client, client_for, role, forwarding):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:answer", args=[forwarding.pk]),
        {"outcome_on": "2026-11-26", "outcome": "Проверка начата", "outcome_public": "Проверка начата"},
    )
    _check(response, role, {"integrity_officer", "superuser"}, ok=(302,))
    forwarding.refresh_from_db()
    assert forwarding.answered == (role in {"integrity_officer", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_close(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:close", args=[case.tracking_code]), {"public_note": "Закрыто"}
    )
    _check(response, role, {"integrity_officer", "superuser"}, ok=(302,))
    case.refresh_from_db()
    assert (case.status == Report.Status.CLOSED) == (role in {"integrity_officer", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_request_disclosure(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:request_disclosure", args=[case.tracking_code]),
        {"agency": Agency.objects.get(code="police").pk, "legal_basis": "Запрос полиции"},
    )
    _check(response, role, {"integrity_officer"}, ok=(302,))
    assert IdentityDisclosure.objects.exists() == (role == "integrity_officer")


@pytest.mark.parametrize("role", ROLES)
def test_approve_disclosure(request, client, client_for, role, disclosure):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:approve_disclosure", args=[disclosure.pk])
    )
    _check(response, role, {"staff_user", "superuser"}, ok=(302,))
    disclosure.refresh_from_db()
    assert (disclosure.approved_at is not None) == (role in {"staff_user", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_evidence_download(request, client, client_for, role, case):
    evidence = case.evidence.first()
    response = _client(request, client, client_for, role).get(reverse("hotline:evidence", args=[evidence.pk]))
    _check(response, role, {"integrity_officer", "superuser"})
    if response.status_code == 200:
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("role", ROLES)
def test_letter_without_identity(request, client, client_for, role, forwarding):
    response = _client(request, client, client_for, role).get(reverse("hotline:letter", args=[forwarding.pk]))
    _check(response, role, {"integrity_officer", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_letter_with_identity_goes_to_integrity_officer_only(request, client, client_for, role, identity_letter):
    response = _client(request, client, client_for, role).get(reverse("hotline:letter", args=[identity_letter.pk]))
    _check(response, role, {"integrity_officer"})


def test_staff_record_a_call_on_the_callers_behalf(client_for, staff_user):
    response = client_for(staff_user).post(
        reverse("hotline:record"),
        {
            "channel": "phone",
            "category": "coercion_attend",
            "description": "Звонящая: студентов заставляют идти на митинг.",
            "give_identity": "on",
            "full_name": "Звонящая Тестова",
            "other_contact": "Telegram @test",
            "consent_to_contact": "on",
        },
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.channel == "phone" and report.recorded_by == staff_user
    assert report.identity.other_contact == "Telegram @test"
    assert report.tracking_code in response.content.decode()


# --- /admin/ and /audit/ ---------------------------------------------------------------------------------


def test_auditor_sees_cases_and_the_access_log_read_only_without_identity(client_for, auditor, integrity_officer, case):
    services.reveal_identity(report=case, user=integrity_officer, reason="callback", ip_address="127.0.0.1")
    client = client_for(auditor)
    for path in [
        "/audit/hotline/report/",
        f"/audit/hotline/report/{case.pk}/change/",
        "/audit/hotline/identityaccess/",
        "/audit/hotline/evidence/",
        "/audit/hotline/forwarding/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert NAME not in html and "reporter@example.kz" not in html and case.secret_hash not in html
    assert "callback" in client.get("/audit/hotline/identityaccess/").content.decode()
    assert client.get("/audit/hotline/reporteridentity/").status_code == 404
    access = IdentityAccess.objects.get()
    assert client.post(f"/audit/hotline/identityaccess/{access.pk}/delete/").status_code == 403


def test_superuser_admin_never_shows_identity(client_for, superuser, case):
    client = client_for(superuser)
    assert client.get("/admin/hotline/reporteridentity/").status_code == 404
    html = client.get(f"/admin/hotline/report/{case.pk}/change/").content.decode()
    assert case.tracking_code in html and NAME not in html and case.secret_hash not in html


@pytest.mark.parametrize("role", ROLES)
def test_rules_page(request, client, client_for, role):
    response = _client(request, client, client_for, role).get(reverse("hotline:policy"))
    _check(response, role, {"staff_user", "integrity_officer", "superuser"})
    if response.status_code == 200:
        assert (response.context["form"] is not None) == (role in {"staff_user", "superuser"})


def test_staff_publish_a_new_rules_version_and_old_one_stays(client_for, staff_user, integrity_officer):
    from hotline.models import HotlinePolicy

    old = HotlinePolicy.current()
    data = {
        "valid_from": "2026-01-02T00:00",
        "triage_hours": 8,
        "answer_days": 20,
        "follow_up_days": 5,
        "retention_days": 730,
        "pattern_window_days": 30,
        "max_file_mb": 10,
        "max_files": 5,
        "escalation_emails": "head@coalition.example.kz",
        "source": "Решение оргкомитета (демо)",
    }
    assert client_for(integrity_officer).post(reverse("hotline:policy"), data).status_code == 403
    response = client_for(staff_user).post(reverse("hotline:policy"), data)
    assert response.status_code == 302
    assert HotlinePolicy.current().triage_hours == 8
    old.refresh_from_db()
    assert old.triage_hours == 24


def test_forwarding_twice_with_the_same_number_is_a_form_error(client_for, integrity_officer, forwarding):
    case = file_report().report
    response = client_for(integrity_officer).post(
        reverse("hotline:forward", args=[case.tracking_code]),
        {"agency": forwarding.agency.pk, "sent_on": "2026-11-25", "outgoing_number": forwarding.outgoing_number},
    )
    assert response.status_code == 400
    assert "outgoing_number" in response.context["forward_form"].errors


@pytest.mark.parametrize("role", ROLES)
def test_add_information_received_by_phone(request, client, client_for, role, case):
    response = _client(request, client, client_for, role).post(
        reverse("hotline:add_information", args=[case.tracking_code]),
        {"channel": "phone", "text": "Перезвонила: назвала дату собрания."},
    )
    _check(response, role, {"integrity_officer", "superuser"}, ok=(302,))
    updates = list(case.updates.all())
    assert bool(updates) == (role in {"integrity_officer", "superuser"})
    if updates:
        assert updates[0].channel == "phone" and updates[0].recorded_by is not None


def _queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/hotline/", "/hotline/statistics/"])
def test_list_and_statistics_queries_do_not_grow_with_cases(client_for, integrity_officer, path):
    client = client_for(integrity_officer)
    file_report()
    file_report(identity=identity())
    client.get(path)  # warm the session and permission caches
    few = _queries(client, path)
    for _ in range(4):
        file_report(files=[minimal_pdf()])
    assert _queries(client, path) == few
