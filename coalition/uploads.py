"""Uploaded files are judged by their content, never by their name or the browser's Content-Type.

``binary_kind`` recognises, from the first bytes, the kinds of file people upload by mistake (or on purpose) in
place of a CSV text file: images, PDF, archives and office documents (an .xlsx is a ZIP), programs. ``csv_text``
turns an upload meant to be CSV into text, or says in words what the file really is. The hotline's evidence has its
own allow-list by content in :mod:`hotline.evidence`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# (magic bytes at offset 0, what the file is). Order matters only where one signature starts another.
_SIGNATURES: tuple[tuple[bytes, object], ...] = (
    (b"\x89PNG\r\n\x1a\n", gettext_lazy("a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"GIF87a", gettext_lazy("a GIF image")),
    (b"GIF89a", gettext_lazy("a GIF image")),
    (b"%PDF-", gettext_lazy("a PDF document")),
    (b"PK\x03\x04", gettext_lazy("a ZIP archive (an Excel .xlsx or Word .docx file is one)")),
    (b"PK\x05\x06", gettext_lazy("a ZIP archive (an Excel .xlsx or Word .docx file is one)")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", gettext_lazy("an old Excel or Word document (.xls, .doc)")),
    (b"\x1f\x8b", gettext_lazy("a compressed (gzip) archive")),
    (b"Rar!\x1a\x07", gettext_lazy("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", gettext_lazy("a 7-Zip archive")),
    (b"\x7fELF", gettext_lazy("a program (executable)")),
    (b"\xcf\xfa\xed\xfe", gettext_lazy("a program (executable)")),
    (b"\xca\xfe\xba\xbe", gettext_lazy("a program (executable)")),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class NotText(ValueError):
    """The upload is not the text file it should be; the message says what it is, for the person who sent it.

    ``code`` is ``binary`` (a known binary format or binary zeros) or ``encoding`` (text, but not UTF-8).
    """

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


def binary_kind(content: bytes) -> str | None:
    """Return what a file is in words when its first bytes show a known binary format, else None."""
    head = content[:64]
    for magic, label in _SIGNATURES:
        if head.startswith(magic):
            return str(label)
    # "MZ" also starts ordinary words; a Windows program has binary zeros right after it.
    if head.startswith(b"MZ") and b"\x00" in head:
        return str(_("a Windows program (executable)"))
    return None


def csv_text(content: bytes) -> str:
    """Decode an upload meant to be CSV (UTF-8, with or without BOM); raise :class:`NotText` otherwise."""
    kind = binary_kind(content)
    if kind is not None:
        raise NotText(
            _("The file is %(kind)s, not a CSV text file: export the table as CSV UTF-8 and upload that.")
            % {"kind": kind},
            code="binary",
        )
    if content.startswith(_UTF16_BOMS):
        raise NotText(_("The file is UTF-16 text: save it as CSV UTF-8 and upload it again."), code="encoding")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = _("The file is not UTF-8 text: save it as CSV UTF-8 and upload it again.")
        raise NotText(message, code="encoding") from exc
    if "\x00" in text:
        raise NotText(_("The file holds binary data: it is not a CSV text file."), code="binary")
    return text
