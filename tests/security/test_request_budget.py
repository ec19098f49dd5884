"""Issue #16, class 9: cheap to send, expensive to serve.

Every URL answers a body larger than its view's declared budget with 413 before anything reads it; a rate-limited
view answers 429 before its body is read; no image is decoded to more than images.MAX_PIXELS (the pixel count is
read from the header first); PDF evidence loses its author/creator metadata.
"""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image, ImageFile

from coalition import images
from coalition.middleware import budget_for
from hotline.evidence import EvidenceRejected, clean_evidence
from tests.security.urlmap import routes

MB = 1024 * 1024


class UnreadableBody:
    """A request body that fails the test if anything reads it: the refusal must come from the headers alone."""

    def read(self, *args, **kwargs):
        raise AssertionError("the request body was read before the request was refused")

    readline = read


def _post_unread(client, url: str, length: int):
    return client.generic(
        "POST",
        url,
        b"",
        CONTENT_TYPE="multipart/form-data; boundary=xyz",  # generic() sets none for an empty payload
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("route", routes(), ids=lambda route: route.name)
def test_every_url_refuses_a_body_over_its_budget_without_reading_it(client, route):
    limit = budget_for(route.callback).body_limit()
    response = _post_unread(client, route.url(), limit + 1)
    assert response.status_code == 413
    assert response["Connection"] == "close"


@pytest.mark.django_db
def test_admin_sites_refuse_an_oversized_body_unread(client):
    for url in ("/admin/login/", "/audit/login/", "/admin/auth/user/add/"):
        assert _post_unread(client, url, 3 * MB + 1).status_code == 413


@pytest.mark.django_db
def test_a_public_upload_budget_follows_the_hotline_policy(client):
    from hotline.models import HotlinePolicy

    policy = HotlinePolicy.current()
    allowed = (policy.max_files * policy.max_file_mb + 1) * MB
    assert _post_unread(client, reverse("hotline:report"), allowed + 1).status_code == 413


RATE_LIMITED = [
    route
    for route in routes()
    if budget_for(route.callback).rate is not None and budget_for(route.callback).method == "POST"
]


def test_the_public_hotline_forms_declare_their_rate_in_the_budget():
    assert {route.name for route in RATE_LIMITED} >= {"hotline:report", "hotline:status", "hotline:status_add"}


@pytest.mark.django_db
@pytest.mark.parametrize("route", RATE_LIMITED, ids=lambda route: route.name)
def test_rate_limit_answers_429_before_the_body_is_read(client, settings, route):
    settings.HOTLINE_RATE = "2/h"
    cache.clear()
    url = route.url()
    for _attempt in range(2):
        client.post(url, {})  # cheap posts that use up the allowance
    response = _post_unread(client, url, 1 * MB)
    assert response.status_code == 429
    cache.clear()


# --- Images: the pixel count decides, from the header, before anything is decoded ------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims ``width``×``height`` pixels (a decompression bomb needs no more than its header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any image is decoded (ImageFile.load is where Pillow allocates and fills the pixels)."""

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"decoded a {self.width}×{self.height} image")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize("size", [(7000, 7000), (5000, 5000), (100_000, 100_000), (1, 60_000_000)])
def test_png_over_the_pixel_budget_is_refused_from_its_header(no_decoding, size):
    data = _png_header_only(*size)
    assert len(data) < 200
    with pytest.raises(images.ImageRejected):
        images.clean_image(data, max_bytes=MB)
    with pytest.raises(EvidenceRejected):
        clean_evidence(data, max_bytes=MB)


def test_five_bombs_in_one_hotline_post_cost_no_decoding(no_decoding):
    for _attempt in range(5):
        with pytest.raises(EvidenceRejected):
            clean_evidence(_png_header_only(7000, 7000), max_bytes=10 * MB)


def test_a_large_jpeg_is_decoded_scaled_down_under_the_budget():
    big = Image.new("RGB", (8000, 6000), (120, 60, 30))
    out = io.BytesIO()
    big.save(out, format="JPEG", quality=50)
    del big
    clean = images.clean_image(out.getvalue(), max_bytes=20 * MB)
    assert clean.width * clean.height <= images.MAX_PIXELS
    assert (clean.width, clean.height) == (4000, 3000)


# --- PDF evidence: author, creator and XMP metadata removed ----------------------------------------------------


def _pdf_with_metadata() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Aigerim Reporter"
    pdf.docinfo["/Creator"] = "Word on DESKTOP-AIGERIM"
    pdf.docinfo["/Producer"] = "Secret Producer 1.0"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["Aigerim Reporter"]
        meta["xmp:CreatorTool"] = "Word on DESKTOP-AIGERIM"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_pdf_evidence_loses_author_creator_and_xmp():
    data = _pdf_with_metadata()
    assert b"Aigerim Reporter" in data  # the test file really carries what must go
    clean = clean_evidence(data, max_bytes=MB)
    assert clean.content_type == "application/pdf"
    assert clean.metadata_stripped
    for secret in (b"Aigerim", b"DESKTOP-AIGERIM", b"Secret Producer"):
        assert secret not in clean.content
    with pikepdf.open(io.BytesIO(clean.content)) as pdf:
        assert "/Author" not in pdf.docinfo and "/Creator" not in pdf.docinfo
        assert "/Metadata" not in pdf.Root
        assert len(pdf.pages) == 1  # the document itself is intact


def test_password_protected_pdf_is_refused():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="secret"))
    with pytest.raises(EvidenceRejected):
        clean_evidence(out.getvalue(), max_bytes=MB)
