"""Emails to a group of staff (coalition.outbox.notify_staff): each in their language, once per key."""

import pytest
from django.contrib.auth.models import Group

from coalition import outbox
from coalition.models import OutboundMessage, Profile
from coalition.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(tmp_path, settings):
    # A new TEMPLATES value (not an in-place edit) sends setting_changed, so the template engines are rebuilt.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    (tmp_path / "t_subject.txt").write_text("{% load i18n %}{% translate 'Log in' %}\n")
    (tmp_path / "t.txt").write_text(
        "{% load i18n %}{% get_current_language as L %}{{ L }} {{ user.username }} {{ what }}"
    )
    return "t"


def test_each_user_is_written_to_once_in_their_language(template):
    russian = UserFactory(username="bolat")
    kazakh = UserFactory(username="aruzhan")
    Profile.objects.create(user=kazakh, language="kk")
    no_email = UserFactory(username="noemail", email="")

    sent = outbox.notify_staff(
        recipients=[russian, kazakh, no_email], key="k:1", template=template, context={"what": "alert"}
    )
    again = outbox.notify_staff(recipients=[russian, kazakh], key="k:1", template=template, context={"what": "x"})

    assert (sent, again) == (2, 0)
    messages = {m.key: m for m in OutboundMessage.objects.all()}
    assert set(messages) == {f"k:1:user:{russian.pk}", f"k:1:user:{kazakh.pk}"}
    assert messages[f"k:1:user:{russian.pk}"].body == "ru bolat alert"
    kk = messages[f"k:1:user:{kazakh.pk}"]
    assert kk.body == "kk aruzhan alert" and kk.language == "kk" and kk.recipient == kazakh.email


def test_a_bare_address_is_keyed_by_itself_in_the_default_language(template):
    sent = outbox.notify_staff(
        recipients=["extra@example.kz", "extra@example.kz", ""], key="k:2", template=template, context={"what": "w"}
    )
    assert sent == 1
    message = OutboundMessage.objects.get()
    assert message.key == "k:2:extra@example.kz" and message.language == "ru" and message.body == "ru  w"


def test_staff_with_email_lists_active_holders_of_any_role_once():
    finance, audit = Group.objects.get(name=Role.FINANCE_OFFICER), Group.objects.get(name=Role.AUDITOR)
    both = UserFactory(username="both")
    both.groups.add(finance, audit)
    auditor = UserFactory(username="auditor")
    auditor.groups.add(audit)
    for user in (UserFactory(username="gone", is_active=False), UserFactory(username="silent", email="")):
        user.groups.add(finance)
    UserFactory(username="other").groups.add(Group.objects.get(name=Role.TRAINER))

    listed = list(outbox.staff_with_email(Role.FINANCE_OFFICER, Role.AUDITOR))
    assert listed == [both, auditor]
