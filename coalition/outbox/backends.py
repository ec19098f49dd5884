"""Development delivery backends: files a person can open, named by the outbox key.

Both are *idempotent gateways*: a message is written under its outbox key, atomically (a temporary file renamed into
place), and ``delivered(key)`` tells whether that key already arrived. The outbox asks before sending, so a worker
killed after the gateway took a message but before the row was marked sent does not deliver it a second time on
the retry. A production gateway offers the same through its idempotency key (SMS APIs' client message id); plain
SMTP cannot, and there a crash in that window can repeat a message, with the same Message-ID.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


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
        return bool(key) and (self._folder() / f"{_filename(key)}.eml").exists()

    def send_messages(self, email_messages) -> int:
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            key = message.extra_headers.get("X-Coalition-Key") or message.extra_headers.get("Message-ID", "")
            name = _filename(key) if key else f"message-{id(message)}"
            _write_atomically(folder / f"{name}.eml", message.message().as_bytes())
            _log_delivery(folder, key, ",".join(message.to))
        return len(email_messages)


def _log_delivery(folder: Path, key: str, recipient: str) -> None:
    """Append one line per delivery to ``sent.log``, so a duplicate send is visible even though files overwrite."""
    from django.utils import timezone

    with open(folder / "sent.log", "a", encoding="utf-8") as log:
        log.write(f"{timezone.now().isoformat()}\t{key}\t{recipient}\n")


class SMSBackend:
    """The interface of an SMS gateway: send one text to one E.164 number."""

    def send(self, *, key: str, recipient: str, body: str) -> None:
        raise NotImplementedError


class FileSMSBackend(SMSBackend):
    """Write each SMS to ``SMS_FILE_PATH/<key>.txt``."""

    def delivered(self, key: str) -> bool:
        return (Path(settings.SMS_FILE_PATH) / f"{_filename(key)}.txt").exists()

    def send(self, *, key: str, recipient: str, body: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(folder / f"{_filename(key)}.txt", f"To: {recipient}\n\n{body}\n".encode())
        _log_delivery(folder, key, recipient)
