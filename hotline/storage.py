"""Where evidence files and forwarding letters are kept: under MEDIA_ROOT, with random names, never by URL."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="hotline.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT storage without public URLs: files leave only through permission-checked views."""

    def url(self, name):
        raise NotImplementedError("Hotline files have no public URL; use the permission-checked download views.")


private_storage = PrivateStorage()


def random_name(folder: str, original_name: str) -> str:
    """Return ``hotline/<folder>/<xx>/<random>.<ext>``: the stored name says nothing about the upload."""
    suffix = PurePosixPath(original_name).suffix.lower()[:8]
    token = uuid.uuid4().hex
    return f"hotline/{folder}/{token[:2]}/{token}{suffix}"


def evidence_path(instance, filename: str) -> str:
    return random_name("evidence", filename)


def letter_path(instance, filename: str) -> str:
    return random_name("letters", filename)
