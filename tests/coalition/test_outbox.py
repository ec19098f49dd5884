from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from coalition import outbox
from coalition.models import OutboundMessage

pytestmark = pytest.mark.django_db


def _enqueue(key="notice:org:1:applied", **kwargs):
    defaults = {"recipient": "org@example.kz", "subject": "Заявка получена", "body": "Спасибо"}
    return outbox.enqueue(key=key, **{**defaults, **kwargs})


def test_same_key_is_enqueued_once():
    first, created = _enqueue()
    again, created_again = _enqueue(body="другой текст")
    assert created and not created_again
    assert first.pk == again.pk and OutboundMessage.objects.count() == 1


def test_delivery_twice_sends_once():
    message, _ = _enqueue()
    assert outbox.deliver(message.pk) is True
    assert outbox.deliver(message.pk) is False
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at and message.attempts == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == outbox.services.message_id(message.key)


def test_message_due_later_waits():
    message, _ = _enqueue(send_after=timezone.now() + timedelta(hours=1))
    assert outbox.deliver(message.pk) is False
    assert outbox.deliver_pending() == 0
    assert mail.outbox == []


def test_sweeper_sends_due_messages():
    for i in range(3):
        _enqueue(key=f"k{i}")
    assert outbox.deliver_pending() == 3
    assert outbox.deliver_pending() == 0
    assert len(mail.outbox) == 3


def test_failure_is_recorded_and_retried_then_given_up(settings):
    settings.EMAIL_BACKEND = "tests.coalition.test_outbox.BrokenBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message, _ = _enqueue()
    assert outbox.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 1 and "SMTP down" in message.last_error
    assert message.send_after > timezone.now()
    OutboundMessage.objects.filter(pk=message.pk).update(send_after=timezone.now())
    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 2


def test_enqueue_email_renders_in_recipients_language(tmp_path, settings):
    # A new TEMPLATES value (not an in-place edit) sends setting_changed, so the template engines are rebuilt.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    (tmp_path / "t_subject.txt").write_text("{% load i18n %}{% translate 'Log in' %}\n")
    (tmp_path / "t.txt").write_text("{% load i18n %}{% get_current_language as L %}{{ L }} {{ name }}")
    message, _ = outbox.enqueue_email(
        key="t:1", recipient="a@example.kz", template="t", context={"name": "Х"}, language="kk"
    )
    assert message.body == "kk Х" and message.language == "kk" and message.subject


def test_file_backends_write_one_file_per_key_and_log_each_send(tmp_path, settings):
    settings.EMAIL_BACKEND = "coalition.outbox.backends.KeyedFileEmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    email, _ = _enqueue(key="reminder:event:1:person:2:24h")
    sms, _ = _enqueue(key="sms:1", channel="sms", recipient="+77011234567")
    assert outbox.deliver(email.pk) and outbox.deliver(sms.pk)
    assert (tmp_path / "mail" / "reminder_event_1_person_2_24h.eml").read_bytes().count(b"Subject:") == 1
    assert (tmp_path / "sms" / "sms_1.txt").read_text().startswith("To: +77011234567")
    assert len((tmp_path / "mail" / "sent.log").read_text().splitlines()) == 1


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_retry_after_a_crash_between_send_and_mark_does_not_send_again(tmp_path, settings, channel):
    """A worker killed after the gateway took the message but before the commit leaves the row pending (the
    transaction rolled back). The retry asks the idempotent gateway and marks the row sent without a second send."""
    settings.EMAIL_BACKEND = "coalition.outbox.backends.KeyedFileEmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    folder = tmp_path / ("mail" if channel == "email" else "sms")
    extra = {"channel": "sms", "recipient": "+77011234567"} if channel == "sms" else {}
    message, _ = _enqueue(key="reminder:event:7:person:9:2h", **extra)
    with pytest.raises(RuntimeError), transaction.atomic():  # the first attempt: sent, then the process "dies"
        assert outbox.deliver(message.pk)
        raise RuntimeError("SIGKILL before commit")
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 0
    assert len((folder / "sent.log").read_text().splitlines()) == 1

    assert outbox.deliver(message.pk) is True
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1
    assert len((folder / "sent.log").read_text().splitlines()) == 1  # still one delivery
    assert not list(folder.glob(".*.tmp"))  # written atomically: no partial file left behind


class BrokenBackend:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("SMTP down")
