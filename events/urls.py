"""URLs of the events app: staff pages under /events/, public links under /e/, /t/ and /certificates/."""

from django.urls import path, register_converter

from events.views import accreditation, checkin, deployment, lists, planning, public, reports, training


class PublicTokenConverter:
    """The URL-safe characters of public link tokens and certificate codes; anything else is a 404 at routing.

    (A plain ``str`` let a NUL byte in the path reach the database, which refuses it: a server error.)
    """

    regex = "[A-Za-z0-9_-]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicTokenConverter, "public_token")

app_name = "events"

urlpatterns = [
    # Staff
    path("events/", planning.event_list, name="list"),
    path("events/calendar/", planning.event_calendar, name="calendar"),
    path("events/new/", planning.event_create, name="create"),
    path("events/proposals/", planning.proposal_queue, name="proposals"),
    path("events/<int:pk>/", planning.event_detail, name="detail"),
    path("events/<int:pk>/edit/", planning.event_edit, name="edit"),
    path("events/<int:pk>/review/", planning.event_review, name="review"),
    path("events/<int:pk>/notice/", planning.event_notice, name="notice"),
    path("events/<int:pk>/status/", planning.event_status, name="status"),
    path("events/<int:pk>/checkin/", checkin.event_checkin, name="checkin"),
    path("events/<int:pk>/report/", reports.event_report, name="report"),
    path("events/<int:pk>/photos/<int:photo>/", reports.event_photo, name="photo"),
    path("events/<int:pk>/photos/<int:photo>/delete/", reports.event_photo_delete, name="photo_delete"),
    path("events/training/", training.session_list, name="sessions"),
    path("events/training/new/", training.session_create, name="session_create"),
    path("events/training/<int:pk>/", training.session_detail, name="session"),
    path("events/training/<int:pk>/enrolments/", lists.session_enrolments, name="session_enrolments"),
    path("events/training/<int:pk>/enrol/", training.session_enrol, name="session_enrol"),
    path("events/training/<int:pk>/certify/", training.session_certify, name="session_certify"),
    path("events/certificates/", lists.certificate_list, name="certificates"),
    path("events/certificates/<int:pk>/revoke/", training.certificate_revoke, name="certificate_revoke"),
    path("events/stations/", deployment.station_list, name="stations"),
    path("events/stations/<int:pk>/", deployment.station_detail, name="station"),
    path("events/stations/import/<str:token>/", deployment.station_import_preview, name="station_import"),
    path(
        "events/stations/import/<str:token>/confirm/",
        deployment.station_import_confirm,
        name="station_import_confirm",
    ),
    path("events/assignments/", lists.assignment_list, name="assignments"),
    path("events/assignments/<int:pk>/end/", deployment.assignment_end, name="assignment_end"),
    path("events/accreditations/", accreditation.accreditation_list, name="accreditations"),
    path("events/accreditations/new/", accreditation.accreditation_create, name="accreditation_create"),
    path("events/accreditations/<int:pk>/", accreditation.accreditation_detail, name="accreditation"),
    path("events/accreditations/<int:pk>/revoke/", accreditation.accreditation_revoke, name="accreditation_revoke"),
    path("events/coverage/", deployment.coverage, name="coverage"),
    path("events/rules/", planning.rules_page, name="rules"),
    # Public
    path("e/<public_token:token>/", public.event_public, name="event_public"),
    path("e/<public_token:token>/event.ics", public.event_ics, name="event_ics"),
    path("r/<public_token:token>/", public.registration, name="registration"),
    path("r/<public_token:token>/cancel/", public.registration_cancel, name="registration_cancel"),
    path("r/<public_token:token>/confirm/", public.registration_confirm, name="registration_confirm"),
    path("t/<public_token:token>/", public.session_public, name="session_public"),
    path("certificates/verify/", public.verify, name="verify"),
    path("certificates/<public_token:code>/", public.verify_code, name="verify_code"),
    path("certificates/<public_token:code>/pdf/", public.certificate_pdf, name="certificate_pdf"),
]
