"""Where private files are kept (hotline evidence and letters, event photos): under MEDIA_ROOT, with random names,
never by URL."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="coalition.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT storage without public URLs: files leave only through permission-checked views."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no public URL; use the permission-checked download views.")


private_storage = PrivateStorage()


def random_name(folder: str, original_name: str) -> str:
    """Return ``<folder>/<xx>/<random>.<ext>``: the stored name says nothing about the upload."""
    suffix = PurePosixPath(original_name).suffix.lower()[:8]
    token = uuid.uuid4().hex
    return f"{folder}/{token[:2]}/{token}{suffix}"
