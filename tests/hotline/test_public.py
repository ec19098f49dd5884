"""The public report form, the receipt, and checking a report with it."""

import io
import re

import pytest
from django.core import mail  # noqa: F401 - outbox rows are what is checked
from django.test import Client
from django.urls import reverse
from PIL import Image

from coalition.models import AuditEntry, OutboundMessage
from hotline.intake import issue_form_token
from hotline.models import Evidence, IdentityAccess, Report, ReporterIdentity, ReportUpdate
from tests.factories import region
from tests.hotline.factories import GPS_IFD, file_report, identity, jpeg_with_gps, minimal_pdf

pytestmark = pytest.mark.django_db

REPORT_URL = "/report/"
STATUS_URL = "/report/status/"


def _form(**overrides):
    data = {
        "category": "coercion_donate",
        "description": "На работе заставляют перечислять деньги в фонд кандидата.",
        "region": region("KZ-35").pk,
        "locality": "Темиртау",
        "occurred_on": "2026-11-10",
        "involved": "ТОО «Пример»",
        "website": "",
        "intake_token": issue_form_token(),
    }
    data.update(overrides)
    return data


def _upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def _receipt(response) -> tuple[str, str]:
    html = response.content.decode()
    code = re.search(r'data-testid="tracking-code">([^<]+)<', html).group(1)
    secret = re.search(r'data-testid="secret">([^<]+)<', html).group(1)
    return code, secret


def test_form_page_says_who_sees_what(client):
    response = client.get(REPORT_URL)
    assert response.status_code == 200
    assert 'id="who-sees"' in response.content.decode()  # the section on who sees what
    assert 'name="website"' in response.content.decode()  # the honeypot is there, hidden


def test_anonymous_report_without_identity_gives_receipt(client, integrity_officer):
    response = client.post(REPORT_URL, _form(), REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200
    code, secret = _receipt(response)
    report = Report.objects.get(tracking_code=code)
    assert report.channel == "web" and report.status == "new"
    assert not ReporterIdentity.objects.filter(report=report).exists()
    # Only a hash of the secret is stored.
    assert secret not in report.secret_hash and report.secret_hash
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    # No IP address with the report, in the audit log or anywhere in the outbox.
    entry = AuditEntry.objects.get(action="hotline.report_received", object_id=str(report.pk))
    assert "203.0.113.5" not in str(entry.data)
    assert not OutboundMessage.objects.filter(body__contains="203.0.113.5").exists()


def test_integrity_officers_get_an_email_without_personal_data(client, integrity_officer):
    response = client.post(
        REPORT_URL,
        _form(give_identity="on", full_name="Айжан Тестова", email="aizhan@example.kz", consent_to_contact="on"),
    )
    code, _secret = _receipt(response)
    message = OutboundMessage.objects.get(recipient=integrity_officer.email)
    assert code in message.body and code in message.subject
    assert "Айжан" not in message.body and "aizhan@example.kz" not in message.body
    assert "Темиртау" not in message.body  # not even the report's text
    # The reporter is not emailed on filing.
    assert not OutboundMessage.objects.filter(recipient="aizhan@example.kz").exists()


def test_report_with_identity_and_consent_goes_to_the_vault(client):
    response = client.post(
        REPORT_URL,
        _form(
            give_identity="on",
            full_name="Айжан Тестова",
            phone="+7 701 000 00 00",
            email="aizhan@example.kz",
            consent_to_contact="on",
            consent_to_share="on",
        ),
    )
    code, _secret = _receipt(response)
    vault = ReporterIdentity.objects.get(report__tracking_code=code)
    assert vault.full_name == "Айжан Тестова" and vault.consent_to_contact and vault.consent_to_share
    assert vault.consent_text and vault.consent_text_version and vault.consent_given_at


def test_identity_without_consent_is_refused(client):
    response = client.post(REPORT_URL, _form(give_identity="on", full_name="Айжан Тестова"))
    assert response.status_code == 200
    assert not Report.objects.exists()
    assert response.context["form"].errors["consent_to_contact"]


def test_identity_fields_are_dropped_unless_the_reporter_chose_to_give_them(client):
    response = client.post(REPORT_URL, _form(full_name="Кто-то", email="x@example.kz"))
    code, _secret = _receipt(response)
    assert not ReporterIdentity.objects.filter(report__tracking_code=code).exists()


def test_files_are_stored_privately_with_random_names_and_exif_stripped(client, settings):
    response = client.post(
        REPORT_URL,
        _form(
            files=[
                _upload("IMG_2026_my_name.jpg", jpeg_with_gps(), "image/jpeg"),
                _upload("letter.pdf", minimal_pdf(), "application/pdf"),
            ]
        ),
    )
    code, _secret = _receipt(response)
    evidence = list(Evidence.objects.filter(report__tracking_code=code).order_by("id"))
    assert [e.content_type for e in evidence] == ["image/jpeg", "application/pdf"]
    photo = evidence[0]
    assert "my_name" not in photo.file.name and photo.file.name.startswith("hotline/evidence/")
    stored = (settings.MEDIA_ROOT / photo.file.name).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
    with pytest.raises(NotImplementedError):
        photo.file.url  # noqa: B018 - no public URL exists


def test_file_with_a_false_extension_is_refused_and_nothing_is_stored(client):
    response = client.post(REPORT_URL, _form(files=[_upload("photo.jpg", b"MZ\x90\x00 executable", "image/jpeg")]))
    assert response.status_code == 200
    assert "files" in response.context["form"].errors
    assert not Report.objects.exists() and not Evidence.objects.exists()


def test_too_many_files_are_refused(client):
    files = [_upload(f"p{i}.pdf", minimal_pdf(), "application/pdf") for i in range(6)]
    response = client.post(REPORT_URL, _form(files=files))
    assert "files" in response.context["form"].errors
    assert not Report.objects.exists()


def test_honeypot_filled_stores_nothing(client):
    response = client.post(REPORT_URL, _form(website="http://spam.example"))
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_no_csrf_cookie_is_needed_the_signed_form_token_is():
    client = Client(enforce_csrf_checks=True)
    response = client.post(REPORT_URL, _form())
    assert response.status_code == 200 and Report.objects.count() == 1


def test_future_date_is_refused(client):
    response = client.post(REPORT_URL, _form(occurred_on="2999-01-01"))
    assert "occurred_on" in response.context["form"].errors


def test_report_form_is_rate_limited_per_address(client, settings):
    settings.HOTLINE_RATE = "2/h"
    for _ in range(2):
        assert client.post(REPORT_URL, _form(), REMOTE_ADDR="198.51.100.7").status_code == 200
    assert client.post(REPORT_URL, _form(), REMOTE_ADDR="198.51.100.7").status_code == 429
    assert Report.objects.count() == 2
    assert client.post(REPORT_URL, _form(), REMOTE_ADDR="198.51.100.8").status_code == 200


# --- the receipt ---------------------------------------------------------------------------------------


def _status_post(client, code, secret, **extra):
    return client.post(STATUS_URL, {"code": code, "secret": secret, "intake_token": issue_form_token()}, **extra)


def test_status_with_right_receipt_shows_status_and_lets_reporter_add_information(client, integrity_officer):
    receipt = file_report()
    page = _status_post(client, receipt.code.lower().replace("-", " "), receipt.secret)
    assert page.status_code == 200 and receipt.code in page.content.decode()
    assert page.context["case"] == receipt.report
    added = client.post(
        reverse("hotline:status_add"),
        {
            "text": "Ещё одна деталь.",
            "files": [_upload("more.pdf", minimal_pdf(), "application/pdf")],
            "case_token": page.context["case_token"],
        },
    )
    assert added.status_code == 200 and added.context["case"] == receipt.report
    update = ReportUpdate.objects.get(report=receipt.report)
    assert update.text == "Ещё одна деталь." and update.evidence.count() == 1
    receipt.report.refresh_from_db()
    assert receipt.report.description.startswith("Руководитель")  # the original is unchanged
    assert OutboundMessage.objects.filter(key__startswith=f"hotline:update:{update.pk}:").exists()
    left = client.post(reverse("hotline:status_leave"))
    assert "case" not in left.context and "case" not in client.get(STATUS_URL).context


@pytest.mark.parametrize("which", ["code", "secret", "both"])
def test_wrong_code_or_secret_gives_the_same_not_found(client, which):
    receipt = file_report()
    data = {
        "code": "HL-ZZZZ-ZZZZ" if which in ("code", "both") else receipt.code,
        "secret": "WRONG-WRONG-WRONG-WRONG" if which in ("secret", "both") else receipt.secret,
    }
    response = _status_post(client, data["code"], data["secret"])
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["No report matches this tracking code and secret."] or (
        len(response.context["form"].non_field_errors()) == 1
    )
    assert "case" not in response.context


def test_wrong_answers_look_identical_for_wrong_code_and_wrong_secret(client):
    receipt = file_report()
    wrong_code = _status_post(client, "HL-ZZZZ-ZZZZ", receipt.secret).content
    wrong_secret = _status_post(client, receipt.code, "NOPE").content

    def strip(html: bytes) -> str:
        html = re.sub(r'name="intake_token" value="[^"]+"', "", html.decode())
        return re.sub(r'nonce="[^"]+"', "", html)

    assert strip(wrong_code).replace("HL-ZZZZ-ZZZZ", receipt.code) == strip(wrong_secret)


def test_status_check_is_rate_limited(client, settings):
    settings.HOTLINE_RATE = "3/h"
    receipt = file_report()
    for _ in range(3):
        _status_post(client, receipt.code, "guess", REMOTE_ADDR="192.0.2.9")
    response = _status_post(client, receipt.code, receipt.secret, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 429


@pytest.mark.parametrize("token", [None, "forged", "expired"])
def test_adding_information_without_a_valid_case_token_is_refused(client, token, settings):
    settings.LANGUAGE_CODE = "en"  # the refusal asserted below is read in English (no browser language sent)
    receipt = file_report()
    data = {"text": "x"}
    if token == "forged":
        data["case_token"] = "eyJjYXNlIjoxfQ:1vAAAA:forged-signature"
    elif token == "expired":
        from hotline.intake import issue_case_token

        data["case_token"] = issue_case_token(receipt.report)
        settings.HOTLINE_CASE_TOKEN_SECONDS = -1
    response = client.post(reverse("hotline:status_add"), data)
    assert response.status_code == 400 and "case" not in response.context
    assert "nothing was added" in response.content.decode()
    assert not ReportUpdate.objects.exists()


def test_reporter_is_emailed_only_with_contact_and_consent(client, integrity_officer):
    from hotline import services
    from hotline.models import Agency

    with_consent = file_report(identity=identity(email="yes@example.kz"))
    without_consent = file_report(identity=identity(email="no@example.kz", consent_to_contact=False))
    agency = Agency.objects.get(code="police")
    for number, receipt in enumerate([with_consent, without_consent]):
        services.forward_report(
            report=receipt.report,
            agency=agency,
            sent_on=receipt.report.created_at.date(),
            outgoing_number=f"01-{number}",
            include_identity=False,
            by=integrity_officer,
        )
    assert OutboundMessage.objects.filter(recipient="yes@example.kz").count() == 1
    message = OutboundMessage.objects.get(recipient="yes@example.kz")
    assert with_consent.secret not in message.body and "/report/status/" in message.body
    assert not OutboundMessage.objects.filter(recipient="no@example.kz").exists()
    assert not IdentityAccess.objects.exists()


@pytest.mark.django_db
def test_public_hotline_pages_are_not_cached_and_leak_no_referrer_off_site(client):
    # With no-referrer Chromium sends "Origin: null" on the form's own POST: these forms carry a signed token instead
    # of relying on Django's CSRF cookie check (hotline.intake; tests/security/test_hotline_privacy.py).
    for path in ("/report/", "/report/status/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "no-referrer"
