import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connections, transaction
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
def test_a_recreated_database_does_not_find_its_messages_already_delivered(tmp_path, settings, channel):
    """The mailbox outlives a development database; the same key from a new database is a new message."""
    from django.db import connection

    from coalition.outbox import backends

    settings.EMAIL_BACKEND = "coalition.outbox.backends.KeyedFileEmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    folder = tmp_path / ("mail" if channel == "email" else "sms")
    extra = {"channel": "sms", "recipient": "+77011234567"} if channel == "sms" else {}
    first, _ = _enqueue(key="registered:registration:1", **extra)
    assert outbox.deliver(first.pk)
    # The database is dropped and created again (its first migration runs at another time); var/mail stays.
    OutboundMessage.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE django_migrations SET applied = applied + interval '1 day' "
            "WHERE id = (SELECT min(id) FROM django_migrations)"
        )
    backends._INSTANCES.clear()
    try:
        again, _ = _enqueue(key="registered:registration:1", **extra)
        assert outbox.deliver(again.pk)
        assert len((folder / "sent.log").read_text().splitlines()) == 2  # written again, not skipped as sent
    finally:
        backends._INSTANCES.clear()


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


# --- Batches: the sweeper's path ---------------------------------------------------------------------------------


def _due_rows(n, **kwargs):
    """``n`` due messages made as a reminder job makes them (no per-message task), oldest first."""
    start = timezone.now() - timedelta(minutes=10)
    rows = [_enqueue(key=f"reminder:{i}", queue_delivery=False, **kwargs)[0] for i in range(n)]
    for i, row in enumerate(rows):
        OutboundMessage.objects.filter(pk=row.pk).update(send_after=start + timedelta(seconds=i))
    return rows


def test_batch_sends_each_due_row_once_oldest_first_over_one_connection(settings):
    settings.EMAIL_BACKEND = "tests.coalition.test_outbox.CountingBackend"
    CountingBackend.opened = 0
    rows = _due_rows(5)
    later, _ = _enqueue(key="later", send_after=timezone.now() + timedelta(hours=1))

    assert outbox.deliver_batch(limit=3) == 3
    assert [m.extra_headers["X-Coalition-Key"] for m in mail.outbox] == ["reminder:0", "reminder:1", "reminder:2"]
    assert CountingBackend.opened == 1  # one connection for the whole batch
    assert outbox.deliver_batch(limit=3) == 2
    assert outbox.deliver_batch(limit=3) == 0
    assert sorted(m.extra_headers["X-Coalition-Key"] for m in mail.outbox) == sorted(r.key for r in rows)
    assert OutboundMessage.objects.filter(status="sent", attempts=1, sent_at__isnull=False).count() == 5
    later.refresh_from_db()
    assert later.status == "pending" and later.attempts == 0


def test_batch_of_sms_uses_one_gateway(settings):
    settings.SMS_BACKEND = "tests.coalition.test_outbox.CountingSMSBackend"
    CountingSMSBackend.opened, CountingSMSBackend.sent = 0, []
    _due_rows(4, channel="sms", recipient="+77011234567")
    assert outbox.deliver_batch() == 4
    assert CountingSMSBackend.opened == 1 and len(CountingSMSBackend.sent) == 4


def test_failure_in_a_batch_is_recorded_on_its_row_and_the_others_are_sent(settings):
    settings.EMAIL_BACKEND = "tests.coalition.test_outbox.PickyBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    _due_rows(2)
    broken, _ = _enqueue(key="reminder:broken", recipient="broken@example.kz", queue_delivery=False)
    _enqueue(key="reminder:after", queue_delivery=False)

    assert outbox.deliver_batch() == 3  # the failure neither stopped the batch nor rolled the others back
    assert sorted(m.extra_headers["X-Coalition-Key"] for m in mail.outbox) == [
        "reminder:0",
        "reminder:1",
        "reminder:after",
    ]
    assert OutboundMessage.objects.filter(status="sent").count() == 3
    broken.refresh_from_db()
    assert broken.status == "pending" and broken.attempts == 1 and "refused" in broken.last_error
    assert broken.send_after > timezone.now()  # backoff: not claimed again by the next batch
    assert outbox.deliver_batch() == 0

    OutboundMessage.objects.filter(pk=broken.pk).update(send_after=timezone.now())
    assert outbox.deliver_pending() == 0
    broken.refresh_from_db()
    assert broken.status == "failed" and broken.attempts == 2


def test_batch_after_a_crash_asks_the_gateway_and_sends_nothing_twice(tmp_path, settings):
    settings.EMAIL_BACKEND = "coalition.outbox.backends.KeyedFileEmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    _due_rows(4)
    with pytest.raises(RuntimeError), transaction.atomic():  # the whole batch went out, then the worker "died"
        assert outbox.deliver_batch() == 4
        raise RuntimeError("SIGKILL before commit")
    assert OutboundMessage.objects.filter(status="pending", attempts=0).count() == 4
    _enqueue(key="reminder:new", queue_delivery=False)

    assert outbox.deliver_batch() == 5
    assert OutboundMessage.objects.filter(status="sent", attempts=1).count() == 5
    keys = [line.split("\t")[1] for line in (tmp_path / "sent.log").read_text().splitlines()]
    assert sorted(keys) == ["reminder:0", "reminder:1", "reminder:2", "reminder:3", "reminder:new"]


@pytest.mark.django_db(transaction=True)
def test_batch_skips_rows_another_transaction_holds():
    """A row locked by another delivery (another worker's batch) is neither waited for nor sent here."""
    rows = _due_rows(4)
    held = [rows[0].pk, rows[2].pk]
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(OutboundMessage.objects.select_for_update().filter(pk__in=held))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        assert outbox.deliver_batch() == 2
        assert sorted(m.extra_headers["X-Coalition-Key"] for m in mail.outbox) == ["reminder:1", "reminder:3"]
    finally:
        release.set()
        thread.join(timeout=30)
    assert outbox.deliver_batch() == 2
    assert len(mail.outbox) == 4 and OutboundMessage.objects.filter(status="sent", attempts=1).count() == 4


def test_sweeper_sends_every_due_row_batch_after_batch(settings):
    settings.OUTBOX_BATCH_SIZE = 2
    _due_rows(5)
    assert outbox.deliver_pending() == 5
    assert len(mail.outbox) == 5


def test_fan_out_needs_one_batch_per_batch_size_of_due_rows_up_to_the_cap(settings):
    settings.OUTBOX_BATCH_SIZE = 3
    assert outbox.batches_due() == 0
    _due_rows(7)
    _enqueue(key="later", send_after=timezone.now() + timedelta(hours=1))
    assert outbox.batches_due() == 3
    settings.OUTBOX_SWEEP_MAX_BATCHES = 2
    assert outbox.batches_due() == 2


class CountingBackend(locmem.EmailBackend):
    opened = 0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        type(self).opened += 1


class CountingSMSBackend:
    opened = 0
    sent: list[str] = []

    def __init__(self):
        type(self).opened += 1

    def send(self, *, key, recipient, body):
        type(self).sent.append(key)


class PickyBackend(locmem.EmailBackend):
    def send_messages(self, messages):
        if any("broken@" in address for message in messages for address in message.to):
            raise ConnectionError("recipient refused")
        return super().send_messages(messages)


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionError("SMTP down")
