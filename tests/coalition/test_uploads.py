"""Every upload in the app is judged by its content, not its name: a PNG, ZIP or program renamed .csv, or a PDF
named .jpg, is refused with a message saying what the file really is, and nothing is written."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from coalition.models import AuditEntry
from coalition.uploads import NotText, binary_kind, csv_text
from donations.models import StatementImport
from events.models import PollingStation
from hotline.evidence import EvidenceRejected, check_name
from hotline.intake import issue_case_token, issue_form_token
from hotline.models import Evidence, Report, ReportUpdate
from members.models import PeopleImport
from tests.donations import factories as f
from tests.factories import region
from tests.hotline.factories import file_report, jpeg_with_gps, minimal_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def _english(client):
    """Read the refusals in English whatever the site's default language (the words asserted are English)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 0)).save(out, format="PNG")
    return out.getvalue()


def _xlsx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 54

# (what the file really is, its bytes, words the refusal must contain)
DISGUISED = [
    ("png", _png(), "PNG image"),
    ("zip", _xlsx_like(), "ZIP archive"),
    ("pdf", minimal_pdf(), "PDF document"),
    ("elf", ELF, "program"),
    ("exe", WINDOWS_EXE, "Windows program"),
    ("jpeg", jpeg_with_gps(), "JPEG image"),
]


# --- the shared check ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "content", "words"), DISGUISED, ids=[d[0] for d in DISGUISED])
def test_binary_files_are_named_for_what_they_are(kind, content, words):
    assert words in binary_kind(content)
    with pytest.raises(NotText, match=words) as caught:
        csv_text(content)
    assert caught.value.code == "binary"


def test_text_csv_passes_and_other_text_is_told_apart():
    assert csv_text("\ufeffnumber,region\n1,KZ-35\n".encode()) == "number,region\n1,KZ-35\n"
    assert binary_kind(b"MZ,Mazhilis district\n") is None  # "MZ" at the start of a word is not a program
    with pytest.raises(NotText, match="UTF-16") as caught:
        csv_text("number,region\n".encode("utf-16"))
    assert caught.value.code == "encoding"
    with pytest.raises(NotText, match="not UTF-8"):
        csv_text("номер,регион\n".encode("cp1251"))
    with pytest.raises(NotText, match="binary data"):
        csv_text(b"number,region\x00,address\n")


# --- polling-station import ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "content", "words"), DISGUISED, ids=[d[0] for d in DISGUISED])
def test_station_import_refuses_disguised_files(client_for, staff_user, kind, content, words):
    audit_before = AuditEntry.objects.count()
    response = _english(client_for(staff_user)).post(
        reverse("events:stations"), {"file": SimpleUploadedFile("stations.csv", content, "text/csv")}, follow=True
    )
    html = response.content.decode()
    assert "nothing was imported" in html and words in html
    assert not PollingStation.objects.exists() and AuditEntry.objects.count() == audit_before


# --- bank statement upload -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "content", "words"), DISGUISED, ids=[d[0] for d in DISGUISED])
def test_statement_upload_refuses_disguised_files(client_for, finance_officer, kind, content, words):
    election = f.election()
    audit_before = AuditEntry.objects.count()
    response = _english(client_for(finance_officer)).post(
        reverse("donations:import_upload", args=[election.slug]),
        {"file": SimpleUploadedFile("statement.csv", content, "text/csv")},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert words in errors
    assert not StatementImport.objects.exists() and AuditEntry.objects.count() == audit_before


# --- people import (members) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "content", "words"), DISGUISED, ids=[d[0] for d in DISGUISED])
def test_people_import_refuses_disguised_files(client_for, staff_user, kind, content, words):
    audit_before = AuditEntry.objects.count()
    response = _english(client_for(staff_user)).post(
        reverse("members:staff_people_import"), {"file": SimpleUploadedFile("people.csv", content, "text/csv")}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert words in errors or (kind == "zip" and "Excel workbook" in errors)
    assert not PeopleImport.objects.exists() and AuditEntry.objects.count() == audit_before


# --- hotline evidence (public report, reporter's addition, staff's addition) -----------------------------------


def _report_form(files):
    return {
        "category": "coercion_donate",
        "description": "На работе заставляют перечислять деньги в фонд кандидата.",
        "region": region("KZ-35").pk,
        "website": "",
        "files": files,
        "intake_token": issue_form_token(),
    }


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("photo.jpg", minimal_pdf(), "its name says a JPEG image but it is a PDF document"),
        ("scan.pdf", jpeg_with_gps(), "its name says a PDF document but it is a JPEG image"),
        ("photo.png", jpeg_with_gps(), "its name says a PNG image but it is a JPEG image"),
        ("photo.jpg", _xlsx_like(), "Only JPEG or PNG images and PDF documents"),
        ("photo.jpg", WINDOWS_EXE, "Only JPEG or PNG images and PDF documents"),
    ],
)
def test_public_report_refuses_evidence_whose_content_is_not_what_it_claims(client, name, content, words):
    response = _english(client).post(
        reverse("hotline:report"), _report_form([SimpleUploadedFile(name, content, "image/jpeg")])
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["files"])
    assert name in errors and words in errors
    assert not Report.objects.exists() and not Evidence.objects.exists()


def test_evidence_without_a_telling_extension_is_judged_by_content_alone():
    check_name("IMG_0001", "image/jpeg")
    check_name("photo.heic", "image/jpeg")
    check_name("Photo.JPEG", "image/jpeg")
    with pytest.raises(EvidenceRejected):
        check_name("Photo.JPG", "application/pdf")


def test_reporter_addition_refuses_pdf_named_jpg(client):
    receipt = file_report()
    response = _english(client).post(
        reverse("hotline:status_add"),
        {
            "text": "Ещё фото.",
            "files": [SimpleUploadedFile("photo.jpg", minimal_pdf(), "image/jpeg")],
            "case_token": issue_case_token(receipt.report),
        },
    )
    assert "its name says a JPEG image but it is a PDF document" in response.content.decode()
    assert not ReportUpdate.objects.exists() and not Evidence.objects.exists()


def test_staff_addition_refuses_png_renamed_pdf(client_for, integrity_officer):
    receipt = file_report()
    response = _english(client_for(integrity_officer)).post(
        reverse("hotline:add_information", args=[receipt.code]),
        {"channel": "phone", "text": "Прислали скан.", "files": [SimpleUploadedFile("scan.pdf", _png())]},
    )
    assert response.status_code in (200, 400)
    assert "its name says a PDF document but it is a PNG image" in response.content.decode()
    assert not ReportUpdate.objects.exists() and not Evidence.objects.exists()
