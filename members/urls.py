from django.urls import path

from members.views import people, public, staff

app_name = "members"

urlpatterns = [
    path("join/", public.join, name="join"),
    path("join/done/", public.join_done, name="join_done"),
    path("members/", public.member_list, name="public_list"),
    path("staff/members/", staff.organization_list, name="staff_organizations"),
    path("staff/members/export/<str:fmt>/", staff.organization_export, name="staff_export"),
    path("staff/members/queue/", staff.review_queue, name="staff_queue"),
    path("staff/members/people/", people.person_list, name="staff_people"),
    path("staff/members/people/export/<str:fmt>/", people.person_export, name="staff_people_export"),
    path("staff/members/people/import/", people.import_upload, name="staff_people_import"),
    path("staff/members/people/import/template/", people.import_template, name="staff_people_import_template"),
    path("staff/members/people/import/<int:pk>/", people.import_preview, name="staff_people_import_preview"),
    path("staff/members/people/import/<int:pk>/confirm/", people.import_confirm, name="staff_people_import_confirm"),
    path("staff/members/<int:pk>/", staff.organization_detail, name="staff_organization"),
    path("staff/members/<int:pk>/status/", staff.organization_status, name="staff_organization_status"),
    path("staff/members/<int:pk>/invite/", staff.organization_invite, name="staff_organization_invite"),
    path("staff/members/consents/<int:pk>/withdraw/", staff.consent_withdraw, name="staff_consent_withdraw"),
    path("staff/members/profile-changes/", staff.profile_change_list, name="staff_profile_changes"),
    path("staff/members/profile-changes/<int:pk>/", staff.profile_change_decide, name="staff_profile_change_decide"),
    path("staff/members/committee/", staff.committee, name="staff_committee"),
    path(
        "staff/members/committee/<int:pk>/active/", staff.committee_member_active, name="staff_committee_member_active"
    ),
    path("staff/members/meetings/", staff.meeting_list, name="staff_meetings"),
    path("staff/members/meetings/new/", staff.meeting_create, name="staff_meeting_create"),
    path("staff/members/meetings/<int:pk>/", staff.meeting_detail, name="staff_meeting"),
    path("staff/members/meetings/<int:pk>/edit/", staff.meeting_edit, name="staff_meeting_edit"),
    path("staff/members/meetings/<int:pk>/decisions/new/", staff.decision_create, name="staff_decision_create"),
    path("staff/members/meetings/<int:pk>/minutes/", staff.meeting_minutes, name="staff_meeting_minutes"),
    path("staff/members/statements/", staff.statement_list, name="staff_statements"),
    path("staff/members/statements/new/", staff.statement_create, name="staff_statement_create"),
    path(
        "staff/members/statements/<int:pk>/publication/",
        staff.statement_publication,
        name="staff_statement_publication",
    ),
    path("staff/members/eligibility/", staff.eligibility_list, name="staff_eligibility"),
    path("staff/members/eligibility/new/", staff.eligibility_edit, name="staff_eligibility_create"),
    path("staff/members/eligibility/<int:pk>/", staff.eligibility_edit, name="staff_eligibility_edit"),
]
