"""Evidence files: the real type by magic bytes, metadata stripped from real images, bad files refused."""

import io

import pytest
from PIL import Image

from hotline.evidence import EvidenceRejected, clean_evidence, sniff
from tests.hotline.factories import GPS_IFD, jpeg_with_gps, minimal_pdf, png_with_text

MB = 1024 * 1024


def test_test_image_really_has_gps_before_cleaning():
    with Image.open(io.BytesIO(jpeg_with_gps())) as image:
        assert image.getexif().get_ifd(GPS_IFD)


def test_strips_exif_gps_and_camera_from_jpeg():
    clean = clean_evidence(jpeg_with_gps(), max_bytes=MB)
    assert clean.content_type == "image/jpeg"
    assert clean.metadata_stripped
    with Image.open(io.BytesIO(clean.content)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert 0x0110 not in exif and 0x010F not in exif
        assert "exif" not in image.info
    assert b"Secret Phone" not in clean.content


def test_applies_orientation_before_dropping_it():
    clean = clean_evidence(jpeg_with_gps(size=(64, 48), orientation=6), max_bytes=MB)
    with Image.open(io.BytesIO(clean.content)) as image:
        assert image.size == (48, 64)  # turned upright, since the orientation tag is gone


def test_strips_png_text_chunks():
    clean = clean_evidence(png_with_text(), max_bytes=MB)
    assert clean.content_type == "image/png"
    assert b"Reporter Name" not in clean.content


def test_accepts_pdf_by_magic_bytes():
    clean = clean_evidence(minimal_pdf(), max_bytes=MB)
    assert clean.content_type == "application/pdf"
    assert clean.metadata_stripped  # rewritten without its document information (issue #16)


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03 an executable renamed to photo.jpg",
        b"<html><script>alert(1)</script></html>",
        b"GIF89a\x01\x00\x01\x00",
        b"PK\x03\x04 a zip or docx",
    ],
)
def test_refuses_types_that_are_not_images_or_pdf(data):
    assert sniff(data[:16]) is None
    with pytest.raises(EvidenceRejected):
        clean_evidence(data, max_bytes=MB)


def test_refuses_file_that_claims_jpeg_but_does_not_decode():
    with pytest.raises(EvidenceRejected):
        clean_evidence(b"\xff\xd8\xff\xe0" + b"not really a picture" * 10, max_bytes=MB)


def test_refuses_truncated_pdf():
    with pytest.raises(EvidenceRejected):
        clean_evidence(b"%PDF-1.4\n1 0 obj<<>>endobj\n", max_bytes=MB)


def test_refuses_oversized_and_empty_files():
    with pytest.raises(EvidenceRejected):
        clean_evidence(jpeg_with_gps(), max_bytes=100)
    with pytest.raises(EvidenceRejected):
        clean_evidence(b"", max_bytes=MB)
