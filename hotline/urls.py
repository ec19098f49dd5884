"""URLs of the hotline: the public report and receipt pages, and the staff case work under /hotline/."""

from django.urls import path

from hotline.views import public, staff

app_name = "hotline"

urlpatterns = [
    path("report/", public.report, name="report"),
    path("report/status/", public.status, name="status"),
    path("report/status/add/", public.status_add, name="status_add"),
    path("report/status/leave/", public.status_leave, name="status_leave"),
    path("hotline/", staff.case_list, name="list"),
    path("hotline/new/", staff.record, name="record"),
    path("hotline/statistics/", staff.statistics, name="statistics"),
    path("hotline/rules/", staff.policy, name="policy"),
    path("hotline/disclosures/", staff.disclosures, name="disclosures"),
    path("hotline/disclosures/<int:pk>/approve/", staff.approve_disclosure, name="approve_disclosure"),
    path("hotline/evidence/<int:pk>/", staff.evidence_file, name="evidence"),
    path("hotline/letters/<int:pk>/", staff.letter_file, name="letter"),
    path("hotline/forwardings/<int:pk>/answer/", staff.record_answer, name="answer"),
    path("hotline/<str:code>/", staff.detail, name="detail"),
    path("hotline/<str:code>/triage/", staff.triage, name="triage"),
    path("hotline/<str:code>/notes/", staff.add_note, name="note"),
    path("hotline/<str:code>/information/", staff.add_information, name="add_information"),
    path("hotline/<str:code>/identity/", staff.reveal_identity, name="identity"),
    path("hotline/<str:code>/forward/", staff.forward, name="forward"),
    path("hotline/<str:code>/close/", staff.close, name="close"),
    path("hotline/<str:code>/disclosure/", staff.request_disclosure, name="request_disclosure"),
]
