"""Evidence files: recognise the real type by its first bytes, and strip metadata (EXIF GPS and the rest) from images.

The extension and the browser's Content-Type are never trusted. Images are decoded and re-encoded from their
pixels alone, which drops EXIF, XMP, IPTC, comments and embedded thumbnails; a file that does not decode is refused.
PDF documents are rewritten without their document information and XMP metadata (author, creator, dates).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import pikepdf
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from coalition.images import JPEG, MAX_PIXELS, PNG, ImageRejected, sniff_image, strip_image

PDF = "application/pdf"
ALLOWED_TYPES = (JPEG, PNG, PDF)
__all__ = [
    "ALLOWED_TYPES",
    "JPEG",
    "MAX_PIXELS",
    "PDF",
    "PNG",
    "CleanFile",
    "EvidenceRejected",
    "check_name",
    "clean_evidence",
    "strip_pdf",
]

# The image checks live in coalition/images.py (shared with the events' report photos); their refusal is ours.
EvidenceRejected = ImageRejected


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    sha256: str
    metadata_stripped: bool


def sniff(head: bytes) -> str | None:
    """Return the content type that the file's magic bytes show, or None for anything not accepted."""
    if head.startswith(b"%PDF-"):
        return PDF
    return sniff_image(head)


_NAMED = {"jpg": JPEG, "jpeg": JPEG, "jpe": JPEG, "jfif": JPEG, "png": PNG, "pdf": PDF}
_WHAT = {JPEG: _lazy("a JPEG image"), PNG: _lazy("a PNG image"), PDF: _lazy("a PDF document")}


def check_name(name: str, content_type: str) -> None:
    """Refuse a file whose extension names one accepted type while its content is another (a PDF named .jpg).

    The content alone decides what is stored; a name that says otherwise is a mistake or a disguise, and the
    reporter is told rather than left believing they sent a photo. Other or missing extensions are not judged.
    """
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    named = _NAMED.get(extension)
    if named is not None and named != content_type:
        raise EvidenceRejected(
            _("its name says %(named)s but it is %(real)s; rename it or send the right file.")
            % {"named": _WHAT[named], "real": _WHAT[content_type]}
        )


def strip_pdf(data: bytes) -> bytes:
    """Return the PDF without its document information (author, creator, producer, dates) and XMP metadata.

    The document information dictionary and the XMP streams (the document's and each page's) are where office
    programs write the author's name, the computer's user name, the program and the dates; qpdf (pikepdf) rewrites
    the file without them. An encrypted or unreadable PDF is refused: it could not be checked.
    """
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for holder in [pdf.Root, *(page.obj for page in pdf.pages)]:
                for key in ("/Metadata", "/PieceInfo"):
                    if key in holder:
                        del holder[key]
            out = io.BytesIO()
            # deterministic_id: the file identifier is derived from the content, not from the time or the host.
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
            return out.getvalue()
    except pikepdf.PasswordError as exc:
        raise EvidenceRejected(_("The PDF document is password-protected: send it without the password.")) from exc
    except (pikepdf.PdfError, ValueError, RecursionError) as exc:
        raise EvidenceRejected(_("The PDF document is incomplete or damaged.")) from exc


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
        content, stripped = strip_pdf(data), True
    else:
        content, stripped = strip_image(data, content_type), True
    return CleanFile(
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        metadata_stripped=stripped,
    )
