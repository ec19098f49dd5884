"""Development delivery backends: files a person can open, named by the outbox key.

Both are *idempotent gateways*: a message is written under its outbox key, atomically (a temporary file renamed into
place), and ``delivered(key)`` tells whether that key already arrived from this database (each file names the
database instance that wrote it, so a re-created development database does not find its new messages "sent").
The outbox asks before sending, so a worker
killed after the gateway took a message but before the row was marked sent does not deliver it a second time on
the retry. A production gateway offers the same through its idempotency key (SMS APIs' client message id); plain
SMTP cannot, and there a crash in that window can repeat a message, with the same Message-ID.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone

_INSTANCES: dict[str, str] = {}


def database_instance() -> str:
    """Name the database this process writes to, as it was created: its name and when its first migration ran.

    The files outlive the database (``var/mail`` survives a re-created development database, whose outbox keys
    start again from the same ids); a file counts as delivered only for the instance that wrote it.
    """
    name = str(connection.settings_dict["NAME"])
    if name not in _INSTANCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT applied FROM django_migrations ORDER BY id LIMIT 1")
            row = cursor.fetchone()
        created = f"{name}@{row[0].isoformat() if row else '-'}"
        # Short, so an email header carrying it is never folded onto two lines.
        _INSTANCES[name] = hashlib.sha256(created.encode()).hexdigest()[:16]
    return _INSTANCES[name]


def _written_by_this_instance(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        return False
    return f"X-Coalition-Instance: {database_instance()}".encode() in head


def _filename(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key)[:180]


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file either does not exist or is complete (a kill mid-write leaves
    only a temporary file behind)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class KeyedFileEmailBackend(BaseEmailBackend):
    """Write each email to ``EMAIL_FILE_PATH/<key>.eml``; sending the same key again overwrites, not duplicates."""

    @staticmethod
    def _folder() -> Path:
        return Path(settings.EMAIL_FILE_PATH)

    def delivered(self, key: str) -> bool:
        """Whether a message with this outbox key has already arrived (the gateway's idempotency check)."""
        return bool(key) and _written_by_this_instance(self._folder() / f"{_filename(key)}.eml")

    def forget(self, key_prefix: str) -> int:
        """Delete the kept copies of every message whose key starts with ``key_prefix`` (retention)."""
        return _forget(self._folder(), key_prefix, ".eml")

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            key = message.extra_headers.get("X-Coalition-Key") or message.extra_headers.get("Message-ID", "")
            name = _filename(key) if key else f"message-{id(message)}"
            message.extra_headers["X-Coalition-Instance"] = database_instance()
            _write_atomically(folder / f"{name}.eml", message.message().as_bytes())
            _log_delivery(folder, key, ",".join(message.to))
        return len(email_messages)


def _forget(folder: Path, key_prefix: str, suffix: str) -> int:
    """Delete the files of every message whose key starts with ``key_prefix`` and their lines in ``sent.log``
    (retention: a file or log line would otherwise keep an address the database no longer has). Return how many
    files went.

    The log is rewritten atomically; a line another process appends in that instant can be lost, which is
    acceptable in a development mailbox.
    """
    if not key_prefix or not folder.exists():
        return 0
    stem = _filename(key_prefix)
    removed = 0
    for path in folder.iterdir():
        # ".<name>.<pid>.tmp" is what a write killed half-way leaves behind: it holds the message too.
        name = path.name.removeprefix(".")
        if name.startswith(stem) and (name.endswith(suffix) or name.endswith(".tmp")) and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    log = folder / "sent.log"
    if log.exists():
        lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not _logged_key(line).startswith(key_prefix)]
        if len(kept) != len(lines):
            _write_atomically(log, "".join(kept).encode())
    return removed


def _logged_key(line: str) -> str:
    fields = line.split("\t")
    return fields[1] if len(fields) > 2 else ""


def _log_delivery(folder: Path, key: str, recipient: str) -> None:
    """Append one line per delivery to ``sent.log``, so a duplicate send is visible even though files overwrite."""
    with open(folder / "sent.log", "a", encoding="utf-8") as log:
        log.write(f"{timezone.now().isoformat()}\t{key}\t{recipient}\n")


class SMSBackend:
    """The interface of an SMS gateway: send one text to one E.164 number."""

    def send(self, *, key: str, recipient: str, body: str) -> None:
        raise NotImplementedError


class FileSMSBackend(SMSBackend):
    """Write each SMS to ``SMS_FILE_PATH/<key>.txt``."""

    def delivered(self, key: str) -> bool:
        return _written_by_this_instance(Path(settings.SMS_FILE_PATH) / f"{_filename(key)}.txt")

    def forget(self, key_prefix: str) -> int:
        """Delete the kept copies of every message whose key starts with ``key_prefix`` (retention)."""
        return _forget(Path(settings.SMS_FILE_PATH), key_prefix, ".txt")

    def send(self, *, key: str, recipient: str, body: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        text = f"To: {recipient}\nX-Coalition-Instance: {database_instance()}\n\n{body}\n"
        _write_atomically(folder / f"{_filename(key)}.txt", text.encode())
        _log_delivery(folder, key, recipient)
