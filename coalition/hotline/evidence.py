"""Evidence files: recognise the real type by its first bytes, and strip metadata (EXIF GPS and the rest) from images.

The extension and the browser's Content-Type are never trusted. Images are decoded and re-encoded from their
pixels alone, which drops EXIF, XMP, IPTC, comments and embedded thumbnails; a file that does not decode is refused.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
ALLOWED_TYPES = (JPEG, PNG, PDF)
MAX_PIXELS = 50_000_000  # larger images are refused rather than decoded (decompression bombs)


class EvidenceRejected(ValueError):
    """The file cannot be accepted; the message says why, in words for the reporter."""


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    sha256: str
    metadata_stripped: bool


def sniff(head: bytes) -> str | None:
    """Return the content type that the file's magic bytes show, or None for anything not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def _strip_image(data: bytes, content_type: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise EvidenceRejected(_("The image is too large."))
                image.load()
                # Turn the picture as its EXIF orientation says before that tag is dropped with the rest.
                upright = ImageOps.exif_transpose(image)
                mode = "RGB" if content_type == JPEG else ("RGBA" if "A" in upright.getbands() else "RGB")
                clean = Image.new(mode, upright.size)
                clean.paste(upright.convert(mode))
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            if isinstance(exc, EvidenceRejected):
                raise
            raise EvidenceRejected(_("The image could not be read.")) from exc
        except Image.DecompressionBombWarning as exc:
            raise EvidenceRejected(_("The image is too large.")) from exc
    out = io.BytesIO()
    if content_type == JPEG:
        clean.save(out, format="JPEG", quality=90, optimize=True)
    else:
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def clean_evidence(data: bytes, *, max_bytes: int) -> CleanFile:
    """Check one uploaded file and return what may be stored; raise :class:`EvidenceRejected` otherwise."""
    if not data:
        raise EvidenceRejected(_("The file is empty."))
    if len(data) > max_bytes:
        raise EvidenceRejected(_("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)})
    content_type = sniff(data[:16])
    if content_type is None:
        raise EvidenceRejected(_("Only JPEG or PNG images and PDF documents are accepted."))
    if content_type == PDF:
        if b"%%EOF" not in data[-2048:]:
            raise EvidenceRejected(_("The PDF document is incomplete or damaged."))
        content, stripped = data, False
    else:
        content, stripped = _strip_image(data, content_type), True
    return CleanFile(
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        metadata_stripped=stripped,
    )
