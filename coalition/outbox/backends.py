"""Development delivery backends: files a person can open, named by the outbox key."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


def _filename(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key)[:180]


class KeyedFileEmailBackend(BaseEmailBackend):
    """Write each email to ``EMAIL_FILE_PATH/<key>.eml``; sending the same key again overwrites, not duplicates."""

    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            key = message.extra_headers.get("X-Coalition-Key") or message.extra_headers.get("Message-ID", "")
            name = _filename(key) if key else f"message-{id(message)}"
            (folder / f"{name}.eml").write_bytes(message.message().as_bytes())
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

    def send(self, *, key: str, recipient: str, body: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{_filename(key)}.txt").write_text(f"To: {recipient}\n\n{body}\n", encoding="utf-8")
        _log_delivery(folder, key, recipient)
