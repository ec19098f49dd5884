"""Hotline test data: reports filed through the real service, and small real image and PDF files."""

from __future__ import annotations

import io

from PIL import Image

from hotline import services
from hotline.evidence import clean_evidence
from hotline.models import Category
from tests.factories import region

GPS_IFD = 0x8825


def jpeg_with_gps(size=(64, 48), orientation: int | None = None) -> bytes:
    """Return a real JPEG whose EXIF holds GPS coordinates (Astana), a camera model and, optionally, an orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Secret Phone 12"  # Model
    exif[0x010F] = "Maker"  # Make
    if orientation:
        exif[0x0112] = orientation
    exif[GPS_IFD] = {1: "N", 2: (51.0, 10.0, 0.0), 3: "E", 4: (71.0, 26.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Reporter Name")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def file_report(*, files: list[bytes] = (), identity: services.IdentityData | None = None, **fields):
    """File a report through the service (as the public form does) and return its receipt."""
    defaults = {
        "category": Category.COERCION_TO_DONATE,
        "description": "Руководитель потребовал перечислить часть зарплаты в фонд.",
        "region": region("KZ-35"),
        "locality": "Караганда",
    }
    cleaned = [clean_evidence(data, max_bytes=10 * 1024 * 1024) for data in files]
    return services.submit_report(**{**defaults, **fields}, files=cleaned, identity=identity)


def identity(**overrides) -> services.IdentityData:
    values = {
        "full_name": "Тестовый Заявитель",
        "phone": "+77010000000",
        "email": "reporter@example.kz",
        "consent_to_contact": True,
        "consent_text": "I agree (test)",
    }
    return services.IdentityData(**{**values, **overrides})
