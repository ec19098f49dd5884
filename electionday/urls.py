"""Election day's pages: the observer's app (/observer/...) and the staff pages (/election-day/...)."""

from django.urls import path

from electionday.views import access, hub, incidents, observer
from electionday.views import checklists as checklist_views
from electionday.views import protocols as protocol_views
from electionday.views import results as result_views
from electionday.views import situation as situation_views

app_name = "electionday"

urlpatterns: list = [
    # Each part adds its routes here; see electionday/views/.
    # The hub: the current election at a glance, links to every page; HQ sets the day, hours and ballot.
    path("election-day/", hub.index, name="index"),
    path("election-day/<slug:slug>/", hub.overview, name="overview"),
    path("election-day/<slug:slug>/ballot/", hub.ballot, name="ballot"),
    path("observer/", observer.app, name="observer"),
    path("observer/sw.js", observer.service_worker, name="observer_sw"),
    path("observer/manifest.webmanifest", observer.manifest, name="observer_manifest"),
    # Sign-in without passwords (H2): the observer's one-time link; the staff's send/revoke.
    path("observer/signin/<str:token>/", access.signin, name="signin"),
    path("election-day/assignments/<int:pk>/access/", access.assignment_access, name="assignment_access"),
    path("election-day/assignments/<int:pk>/signin-link/", access.send_signin_link, name="send_signin_link"),
    path("election-day/devices/<int:pk>/revoke/", access.revoke_device, name="revoke_device"),
    # Incidents (H6): HQ's list, an incident with its files, staff entry, the complaint.
    path("election-day/<slug:slug>/incidents/", incidents.incident_list, name="incidents"),
    path("election-day/<slug:slug>/incidents/new/", incidents.incident_create, name="incident_create"),
    path("election-day/<slug:slug>/incidents/<int:pk>/", incidents.incident_detail, name="incident"),
    path(
        "election-day/<slug:slug>/incidents/<int:pk>/files/<int:file>/", incidents.incident_file, name="incident_file"
    ),
    path("election-day/<slug:slug>/incidents/<int:pk>/complaint/", incidents.complaint, name="incident_complaint"),
    # The precinct protocol (H5): data entry, verification queue, a station's history, conflicts, photos.
    path("election-day/<slug:slug>/protocols/", protocol_views.queue, name="protocol_queue"),
    path("election-day/<slug:slug>/protocols/conflicts/", protocol_views.conflict_list, name="protocol_conflicts"),
    path("election-day/<slug:slug>/protocols/<int:pk>/", protocol_views.review, name="protocol_review"),
    path("election-day/<slug:slug>/protocols/<int:pk>/verify/", protocol_views.verify, name="protocol_verify"),
    path("election-day/<slug:slug>/protocols/photos/<int:pk>/", protocol_views.photo, name="protocol_photo"),
    path(
        "election-day/<slug:slug>/protocols/stations/<int:station>/",
        protocol_views.station_history,
        name="protocol_history",
    ),
    path("election-day/<slug:slug>/protocols/stations/<int:station>/new/", protocol_views.enter, name="protocol_enter"),
    # The situation room (H8): statuses, map, turnout, incidents, chase list, quick count; the fragment it polls.
    path("election-day/<slug:slug>/situation/", situation_views.room, name="situation"),
    path("election-day/<slug:slug>/situation/live/", situation_views.live, name="situation_live"),
    path("election-day/<slug:slug>/situation/cec-turnout/", situation_views.cec_turnout, name="situation_cec"),
    path("election-day/<slug:slug>/situation/chase/<int:station>/", situation_views.chase, name="situation_chase"),
    path(
        "election-day/<slug:slug>/situation/quick-count-sample/",
        situation_views.quick_count_sample,
        name="situation_sample",
    ),
    # Results and the quick count (H7): totals, a station beside its photos, discrepancies and the evidence pack.
    path("election-day/<slug:slug>/results/", result_views.summary, name="results"),
    path("election-day/<slug:slug>/results/export/", result_views.export, name="results_export"),
    path("election-day/<slug:slug>/results/stations/<int:station>/", result_views.station, name="results_station"),
    path(
        "election-day/<slug:slug>/results/discrepancies/", result_views.discrepancy_list, name="results_discrepancies"
    ),
    path("election-day/<slug:slug>/results/discrepancies/evidence.zip", result_views.evidence, name="results_evidence"),
    path("election-day/<slug:slug>/results/quick-count/", result_views.quick_count, name="quick_count"),
    path(
        "election-day/<slug:slug>/results/quick-count/sample.csv",
        result_views.quick_count_sample,
        name="quick_count_sample",
    ),
    # Checklists (H4): the election's forms and versions, publishing, XLSForm, staff entry of answers.
    path("election-day/<slug:slug>/checklists/", checklist_views.checklist_list, name="checklists"),
    path("election-day/<slug:slug>/checklists/new/", checklist_views.checklist_create, name="checklist_create"),
    path(
        "election-day/<slug:slug>/checklists/defaults/", checklist_views.checklist_defaults, name="checklist_defaults"
    ),
    path(
        "election-day/<slug:slug>/checklists/<slug:code>/edit/", checklist_views.checklist_edit, name="checklist_edit"
    ),
    path(
        "election-day/<slug:slug>/checklists/<slug:code>/import/",
        checklist_views.checklist_import,
        name="checklist_import",
    ),
    path(
        "election-day/<slug:slug>/checklists/<slug:code>/v<int:number>/",
        checklist_views.version_detail,
        name="checklist_version",
    ),
    path(
        "election-day/<slug:slug>/checklists/<slug:code>/v<int:number>/publish/",
        checklist_views.version_publish,
        name="checklist_publish",
    ),
    path(
        "election-day/<slug:slug>/checklists/<slug:code>/v<int:number>/xlsform/",
        checklist_views.version_xlsform,
        name="checklist_xlsform",
    ),
    path(
        "election-day/<slug:slug>/checklists/<slug:code>/answers/",
        checklist_views.answers_station,
        name="checklist_station",
    ),
    path(
        "election-day/<slug:slug>/checklists/<slug:code>/answers/<int:station>/",
        checklist_views.answers_enter,
        name="checklist_answers",
    ),
]
