import pytest
from django.urls import reverse

from tests.factories import OrganizationFactory, region

pytestmark = pytest.mark.django_db


def test_dashboard_redirects_anonymous_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_dashboard_shows_counts_to_staff(client_for, staff_user):
    OrganizationFactory.create_batch(2, status="admitted", joined_on="2026-11-20")
    OrganizationFactory(status="applied")
    response = client_for(staff_user).get("/")
    assert response.status_code == 200
    coalition = response.context["panels"]["coalition"]
    assert (coalition["admitted"], coalition["pending"]) == (2, 1)
    assert len(response.context["regions"]) == 20
    assert "aigerim" in response.content.decode() or staff_user.get_full_name() in response.content.decode()


def test_coordinator_sees_only_own_region(client_for, coordinator):
    OrganizationFactory(status="applied", region=region("KZ-35"))
    OrganizationFactory(status="applied", region=region("KZ-71"))
    response = client_for(coordinator).get("/")
    assert [r.code for r in response.context["regions"]] == ["KZ-35"]
    assert response.context["panels"]["coalition"]["pending"] == 1


def test_coordinator_without_region_is_refused(client_for, db):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username="lost")
    user.groups.add(Group.objects.get(name="regional_coordinator"))
    assert client_for(user).get("/").status_code == 403


def test_auditor_is_sent_to_audit_site(client_for, auditor):
    response = client_for(auditor).get("/")
    assert response.status_code == 302 and response.url == reverse("audit:index")


def test_user_without_role_is_refused(client_for, nobody):
    assert client_for(nobody).get("/").status_code == 403


@pytest.mark.parametrize("fixture", ["trainer", "finance_officer", "integrity_officer", "superuser"])
def test_every_staff_role_sees_dashboard(client_for, request, fixture):
    assert client_for(request.getfixturevalue(fixture)).get("/").status_code == 200


def test_join_page_is_public(client):
    response = client.get("/join/")
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()  # the language switcher form


def test_audit_site_lets_auditor_in_read_only(client_for, auditor):
    OrganizationFactory()
    client = client_for(auditor)
    index = client.get("/audit/")
    assert index.status_code == 200
    html = index.content.decode()
    assert "/audit/members/organization/" in html
    assert "/add/" not in html
    changelist = client.get("/audit/members/organization/")
    assert changelist.status_code == 200
    assert "addlink" not in changelist.content.decode()
    assert client.get("/audit/members/organization/add/").status_code == 403


def test_audit_site_cannot_change_anything(client_for, auditor):
    org = OrganizationFactory(name_ru="Старое имя")
    client = client_for(auditor)
    page = client.get(f"/audit/members/organization/{org.pk}/change/")
    assert page.status_code == 200  # the view-only page
    assert 'name="_save"' not in page.content.decode()
    client.post(f"/audit/members/organization/{org.pk}/change/", {"name_ru": "Новое имя"})
    org.refresh_from_db()
    assert org.name_ru == "Старое имя"
    assert client.post(f"/audit/members/organization/{org.pk}/delete/").status_code == 403


@pytest.mark.parametrize("fixture", ["staff_user", "finance_officer", "superuser"])
def test_audit_site_refuses_non_auditors(client_for, request, fixture):
    response = client_for(request.getfixturevalue(fixture)).get("/audit/")
    assert response.status_code == 302 and "/audit/login/" in response.url


def test_full_admin_is_for_superusers_only(client_for, staff_user, auditor, superuser):
    assert client_for(superuser).get("/admin/").status_code == 200
    for user in (staff_user, auditor):
        assert client_for(user).get("/admin/").status_code == 302


def test_language_switcher_turns_public_page_kazakh(client):
    client.post("/i18n/setlang/", {"language": "kk", "next": "/join/"})
    response = client.get("/join/")
    assert response.headers["Content-Language"] == "kk"
    assert '<html lang="kk">' in response.content.decode()


def test_login_page_and_logout(client, staff_user):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "aigerim", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_staff_login_locks_after_repeated_failures(client, staff_user):
    for _ in range(5):
        client.post(reverse("login"), {"username": "aigerim", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(
        reverse("login"), {"username": "aigerim", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]


def test_auditor_logs_in_to_audit_site_with_password(client, auditor):
    response = client.post(
        "/audit/login/?next=/audit/", {"username": "marat", "password": "correct-horse-battery", "next": "/audit/"}
    )
    assert response.status_code == 302 and response.url == "/audit/"
    held = client.get("/audit/")  # auditors read all personal data: a TOTP second factor first (docs/security.md)
    assert held.status_code == 302 and held.url == reverse("otp_setup") + "?next=/audit/"


def test_audit_login_refuses_staff_without_auditor_role(client, staff_user):
    response = client.post("/audit/login/", {"username": "aigerim", "password": "correct-horse-battery"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get("/audit/").status_code == 302


def test_outbox_in_audit_site_hides_every_recipient(client_for, auditor):
    """Recipients and bodies are classified secret (coalition/privacy.py): auditors see that a message was sent,
    and its delivery state, never to whom (a hotline reporter's address would tie them to their case)."""
    from coalition.outbox import enqueue

    enqueue(key="hotline:reporter:42:status", recipient="whistle@example.kz", body="…")
    enqueue(key="members:applied:1", recipient="org@example.kz", body="…")
    response = client_for(auditor).get("/audit/coalition/outboundmessage/")
    html = response.content.decode()
    assert "whistle@example.kz" not in html and "org@example.kz" not in html
    assert response.context["cl"].result_count == 2


def test_public_pages_link_each_other(client):
    html = client.get("/join/").content.decode()
    for path in ("/members/", "/join/", "/donate/", "/report/"):
        assert f'href="{path}"' in html


def test_member_representative_is_sent_to_the_portal(client_for, nobody):
    from members.models import Person

    Person.objects.create(full_name="Представитель", user=nobody)
    response = client_for(nobody).get("/")
    assert response.status_code == 302 and response.url == reverse("portal:home")
