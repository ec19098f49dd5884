"""Where private files are kept (hotline evidence and letters, event report photos, election-day photos and videos):
with random names, never by URL.

Every private ``FileField`` names :data:`private_storage`; it hands each operation to the backend of
``STORAGES["private"]``, chosen by the settings: the local disk under ``MEDIA_ROOT`` by default, or S3-compatible
object storage (django-storages) when ``AWS_STORAGE_BUCKET_NAME`` is set, so several web nodes and workers share the
files. Either way no file has a public URL: objects are written with a private ACL, and files leave only through the
permission-checked views, which read their contents.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from os import PathLike
from pathlib import PurePosixPath
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible

PRIVATE = "private"  # the alias in settings.STORAGES


@deconstructible(path="coalition.storage.PrivateStorage")
class PrivateStorage(Storage):
    """The configured private backend, without public URLs: files leave only through permission-checked views.

    The backend is looked up on every call (Django caches the instance per alias and drops it when ``STORAGES``
    changes), so the migrations name this class alone, whatever the backend is.
    """

    @property
    def backend(self) -> Storage:
        return storages[PRIVATE]

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no public URL; use the permission-checked download views.")

    def open(self, name: str, mode: str = "rb") -> File:
        return self.backend.open(name, mode)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        return self.backend.save(name, content, max_length=max_length)

    def delete(self, name: str) -> None:
        self.backend.delete(name)

    def exists(self, name: str) -> bool:
        return self.backend.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.backend.listdir(path)

    def size(self, name: str) -> int:
        return self.backend.size(name)

    def path(self, name: str) -> str:
        return self.backend.path(name)  # the local disk only; object storage has no path

    def get_valid_name(self, name: str) -> str:
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: str | PathLike[str]) -> str:
        return self.backend.generate_filename(filename)

    def get_accessed_time(self, name: str) -> datetime:
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.backend.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return self.backend.get_modified_time(name)


private_storage = PrivateStorage()


def random_name(folder: str, original_name: str) -> str:
    """Return ``<folder>/<xx>/<random>.<ext>``: the stored name says nothing about the upload."""
    suffix = PurePosixPath(original_name).suffix.lower()[:8]
    token = uuid.uuid4().hex
    return f"{folder}/{token[:2]}/{token}{suffix}"
