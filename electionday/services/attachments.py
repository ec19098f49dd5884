"""Photos and videos from the stations, kept with their SHA-256 (the evidence manifest of a complaint lists it).

Photos are checked by their bytes and re-encoded from their pixels (coalition/images.py: EXIF with GPS dropped,
decompression bombs refused); the phone has already shrunk them. Videos (incidents only) are recognised by their
container's magic bytes (MP4, WebM) and kept as sent. Nothing the browser says about a file is trusted.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from coalition.images import ImageRejected, clean_image
from electionday.models import Attachment, Incident, Protocol, Submission

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MP4, WEBM = "video/mp4", "video/webm"


class AttachmentRejected(ValueError):
    """The file cannot be kept; the message says why, in words for the person sending it."""


def _sniff_video(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    return None


def read_upload(upload: UploadedFile, *, allow_video: bool = False) -> tuple[bytes, str]:
    """Return the file's bytes as they will be kept and their content type; raise AttachmentRejected."""
    limit = MAX_VIDEO_BYTES if allow_video else MAX_PHOTO_BYTES
    if upload.size is not None and upload.size > limit:
        raise AttachmentRejected(_("The file is too large."))
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise AttachmentRejected(_("The file is too large."))
    video = _sniff_video(data[:16]) if allow_video else None
    if video is not None:
        return data, video
    try:
        image = clean_image(data, max_bytes=MAX_PHOTO_BYTES)
    except ImageRejected as exc:
        raise AttachmentRejected(str(exc)) from exc
    return image.content, image.content_type


def store(
    *,
    parent: Submission | Incident | Protocol,
    content: bytes,
    content_type: str,
    question: str = "",
) -> Attachment:
    """Keep one checked file for ``parent`` (call inside the parent's transaction)."""
    sha256 = hashlib.sha256(content).hexdigest()
    attachment = Attachment(
        station_id=parent.station_id,
        question=question,
        sha256=sha256,
        content_type=content_type,
        size=len(content),
        **{_PARENT_FIELD[type(parent)]: parent},
    )
    extension = {"image/jpeg": ".jpg", "image/png": ".png", MP4: ".mp4", WEBM: ".webm"}.get(content_type, "")
    attachment.file.save(f"{sha256}{extension}", ContentFile(content), save=False)
    attachment.save()
    return attachment


_PARENT_FIELD = {Submission: "submission", Incident: "incident", Protocol: "protocol"}
