"""Uploaded images, coalition-wide: recognise JPEG/PNG by their first bytes, re-encode from pixels alone (which drops
EXIF with GPS, XMP, IPTC, comments and embedded thumbnails), refuse what does not decode or is too large, and make
thumbnails. The file name, its extension and the browser's Content-Type are never trusted.

Used by the hotline's evidence files (hotline/evidence.py) and the events' report photos.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

JPEG, PNG = "image/jpeg", "image/png"
# Decoding costs memory and CPU in proportion to the pixels, not to the file's bytes: a 7000×7000 PNG of one colour
# is a few hundred kilobytes and ~200 MB decoded. So the pixel count is read from the header before anything is
# decoded, and no image is ever decoded to more than MAX_PIXELS (24 MP: a 6000×4000 photo, ~100 MB as RGBA).
MAX_PIXELS = 24_000_000
# A larger JPEG is not refused: JPEG decodes at 1/2, 1/4 or 1/8 of its size for the price of that size ("draft"
# mode), so it is read scaled down under MAX_PIXELS. Beyond this its header is refused too (1/8 would still be big).
MAX_JPEG_PIXELS = 8 * 8 * MAX_PIXELS


class ImageRejected(ValueError):
    """The file cannot be accepted; the message says why, in words for the person uploading it."""


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    sha256: str
    width: int
    height: int


def sniff_image(head: bytes) -> str | None:
    """Return JPEG or PNG as the file's magic bytes show, or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _decode_upright(data: bytes, mode_for: str) -> Image.Image:
    """Decode ``data`` into a new image holding only its pixels, turned as its EXIF orientation said."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                _bound_decoding(image)
                image.load()
                # Turn the picture as its EXIF orientation says before that tag is dropped with the rest.
                upright = ImageOps.exif_transpose(image)
                mode = "RGB" if mode_for == JPEG else ("RGBA" if "A" in upright.getbands() else "RGB")
                clean = Image.new(mode, upright.size)
                clean.paste(upright.convert(mode))
                return clean
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            if isinstance(exc, ImageRejected):
                raise
            raise ImageRejected(_("The image could not be read.")) from exc
        except Image.DecompressionBombWarning as exc:
            raise ImageRejected(_("The image is too large.")) from exc


def _bound_decoding(image: Image.Image) -> None:
    """Refuse, from the header alone, an image that would decode to more than MAX_PIXELS; scale a big JPEG down.

    Nothing has been decoded yet when this runs (Image.open reads the header); ``draft`` makes the JPEG decoder
    itself skip the detail, so the full-size pixels are never held in memory.
    """
    pixels = image.width * image.height
    if pixels <= MAX_PIXELS:
        return
    if image.format == "JPEG" and pixels <= MAX_JPEG_PIXELS:
        scale = 2
        while (image.width // scale) * (image.height // scale) > MAX_PIXELS:
            scale *= 2
        image.draft("RGB", (image.width // scale, image.height // scale))
        if image.width * image.height <= MAX_PIXELS:
            return
    raise ImageRejected(
        _("The image is too large (%(width)d×%(height)d pixels): send one of at most %(mp)d megapixels.")
        % {"width": image.width, "height": image.height, "mp": MAX_PIXELS // 1_000_000}
    )


def _encode(image: Image.Image, content_type: str) -> bytes:
    out = io.BytesIO()
    if content_type == JPEG:
        image.save(out, format="JPEG", quality=90, optimize=True)
    else:
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def strip_image(data: bytes, content_type: str) -> bytes:
    """Return the image re-encoded from its pixels alone (no metadata); raise :class:`ImageRejected` if unreadable."""
    return _encode(_decode_upright(data, content_type), content_type)


def clean_image(data: bytes, *, max_bytes: int) -> CleanImage:
    """Check one uploaded image (JPEG or PNG by content, size limit) and return it without metadata."""
    if not data:
        raise ImageRejected(_("The file is empty."))
    if len(data) > max_bytes:
        raise ImageRejected(_("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)})
    content_type = sniff_image(data[:16])
    if content_type is None:
        raise ImageRejected(_("Only JPEG or PNG images are accepted."))
    image = _decode_upright(data, content_type)
    content = _encode(image, content_type)
    return CleanImage(
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        width=image.width,
        height=image.height,
    )


def thumbnail(content: bytes, *, size: int = 320) -> bytes:
    """Return a JPEG at most ``size`` pixels on its longer side from an already cleaned image."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        small = image.convert("RGB")
    small.thumbnail((size, size))
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()
