"""Training: enrolment, attendance and scores, certification, public verification and the PDF."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coalition.models import OutboundMessage
from events import services
from events.models import Certificate, Course
from members.models import Consent
from tests.events.factories import CourseFactory, EnrolmentFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _results(session, rows):
    return [services.Result(enrolment.pk, attended, score) for enrolment, attended, score in rows]


def test_only_those_who_attended_and_reached_the_pass_mark_are_certified(trainer):
    session = SessionFactory(course=CourseFactory(pass_mark=70, certificate_valid_days=365), held=True)
    passed, low, absent = EnrolmentFactory.create_batch(3, session=session)
    services.record_results(
        session=session,
        by=trainer,
        results=_results(session, [(passed, True, 70), (low, True, 69), (absent, False, 95)]),
    )
    issued = services.issue_certificates(session=session, by=trainer)
    assert [c.person for c in issued] == [passed.person]
    certificate = issued[0]
    # The course's validity is counted in days (365 here), not calendar years: a leap year is not stretched.
    assert certificate.valid_until == certificate.issued_on + datetime.timedelta(days=365)
    assert certificate.number.startswith("OBS-")
    note = OutboundMessage.objects.get(key=f"certificate:{certificate.pk}:issued")
    assert certificate.verification_code in note.body
    assert services.issue_certificates(session=session, by=trainer) == []  # a second run issues nothing more


def test_score_out_of_range_is_refused_and_nothing_is_saved(trainer):
    session = SessionFactory(held=True)
    first, second = EnrolmentFactory.create_batch(2, session=session)
    with pytest.raises(ValidationError, match="between 0 and 100"):
        services.record_results(
            session=session, by=trainer, results=_results(session, [(first, True, 80), (second, True, 101)])
        )
    first.refresh_from_db()
    assert first.score is None


def test_cannot_lower_the_result_of_a_certified_person(trainer):
    session = SessionFactory(held=True)
    enrolment = EnrolmentFactory(session=session)
    services.record_results(session=session, by=trainer, results=_results(session, [(enrolment, True, 90)]))
    services.issue_certificates(session=session, by=trainer)
    with pytest.raises(ValidationError, match="revoke"):
        services.record_results(session=session, by=trainer, results=_results(session, [(enrolment, True, 10)]))


def test_enrolment_is_once_per_person_and_within_capacity(trainer):
    session = SessionFactory(capacity=1)
    person = PersonFactory()
    services.enrol(session=session, person=person, by=trainer)
    with pytest.raises(ValidationError, match="already enrolled"):
        services.enrol(session=session, person=person, by=trainer)
    with pytest.raises(ValidationError, match="full"):
        services.enrol(session=session, person=PersonFactory(), by=trainer)


def test_public_enrolment_records_observation_consent(client):
    session = SessionFactory()
    url = reverse("events:session_public", args=[session.public_token])
    response = client.post(url, {"full_name": "Ерлан Серикович", "email": "erlan@example.kz", "consent": "on"})
    assert response.status_code == 302
    enrolment = session.enrolments.get()
    assert enrolment.consent.purpose == Consent.Purpose.OBSERVATION


def _certificate(trainer, **course):
    session = SessionFactory(
        course=CourseFactory(kind=Course.Kind.PROXY, name="Курс доверенных лиц", **course), held=True
    )
    enrolment = EnrolmentFactory(session=session, person=PersonFactory(full_name="Айжан Касымова", iin="", phone=""))
    services.record_results(session=session, by=trainer, results=_results(session, [(enrolment, True, 88)]))
    return services.issue_certificates(session=session, by=trainer)[0]


def test_public_verification_shows_name_course_date_and_validity_only(client, trainer):
    certificate = _certificate(trainer)
    certificate.person.email = "secret-mail@example.kz"
    certificate.person.save()
    response = client.get(reverse("events:verify_code", args=[certificate.verification_code.lower()]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Айжан Касымова" in page and "Курс доверенных лиц" in page and "Valid" in page
    assert "secret-mail" not in page and "88" not in page


def test_revoked_certificate_shows_revoked(client, trainer, staff_user):
    certificate = _certificate(trainer)
    services.revoke_certificate(certificate=certificate, by=staff_user, reason="Ошибка в данных")
    page = client.get(reverse("events:verify_code", args=[certificate.verification_code])).content.decode()
    assert "Revoked" in page and "Ошибка" not in page


def test_unknown_code_is_not_found(client):
    response = client.get(reverse("events:verify_code", args=["NOPE12345678"]))
    assert response.status_code == 404
    assert client.get(reverse("events:verify"), {"code": " abc "}).status_code == 302
    refused = client.get(reverse("events:verify"), {"code": "AB CD!"})  # not a code: a form error, not a 500
    assert refused.status_code == 200 and refused.context["form"].errors["code"]
    assert client.get(reverse("events:verify"), {"code": "AB CD\x00"}).status_code == 400  # NUL: refused before


def test_certificate_pdf(client, trainer):
    pytest.importorskip("weasyprint", reason="WeasyPrint needs Pango")
    try:
        from weasyprint import HTML

        HTML(string="<p>x</p>").write_pdf()
    except OSError as exc:  # pragma: no cover - only where Pango is missing
        pytest.skip(f"Pango is missing: {exc}")
    certificate = _certificate(trainer)
    response = client.get(reverse("events:certificate_pdf", args=[certificate.verification_code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert Certificate.objects.count() == 1
