"""Admin registrations of the events app: /admin/ for superusers and read-only on the auditors' /audit/ site."""

from django.contrib import admin

from coalition.admin_sites import audit_site
from events.models import (
    Accreditation,
    Assignment,
    Certificate,
    Course,
    Enrolment,
    Event,
    EventReport,
    Holiday,
    NoticeRule,
    Policy,
    PollingStation,
    Registration,
    TrainingSession,
)


@admin.register(Event)
@admin.register(Event, site=audit_site)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "region", "starts_at", "status", "notice_deadline", "notice_sent_on"]
    list_filter = ["kind", "status", "region"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    list_select_related = ["region"]


@admin.register(Registration)
@admin.register(Registration, site=audit_site)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "person", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["event", "person"]
    search_fields = ["person__full_name", "event__title"]


@admin.register(TrainingSession)
@admin.register(TrainingSession, site=audit_site)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["course", "region", "election", "starts_at", "trainer", "capacity"]
    list_filter = ["election"]
    list_select_related = ["course", "region", "trainer", "election"]


@admin.register(Enrolment)
@admin.register(Enrolment, site=audit_site)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["person", "session", "attended", "score"]
    list_select_related = ["person", "session__course"]


@admin.register(Certificate)
@admin.register(Certificate, site=audit_site)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["number", "person", "course", "issued_on", "valid_until", "revoked_at"]
    search_fields = ["number", "person__full_name", "verification_code"]
    list_select_related = ["person", "course"]


@admin.register(PollingStation)
@admin.register(PollingStation, site=audit_site)
class PollingStationAdmin(admin.ModelAdmin):
    list_display = ["number", "region", "address", "voters", "election"]
    list_filter = ["election", "region"]
    search_fields = ["number", "address"]
    list_select_related = ["region", "election"]


@admin.register(Assignment)
@admin.register(Assignment, site=audit_site)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["station", "person", "role", "organization", "assigned_at", "ended_at"]
    list_filter = ["station__election", "role"]
    list_select_related = ["station", "person", "organization"]


for model in (Course, Holiday, NoticeRule, Policy, EventReport):
    admin.site.register(model)
    audit_site.register(model)


@admin.register(Accreditation)
@admin.register(Accreditation, site=audit_site)
class AccreditationAdmin(admin.ModelAdmin):
    list_display = ["organization", "issuing_body", "number", "issued_on", "valid_until", "revoked_at"]
    list_filter = ["issuing_body"]
    search_fields = ["number", "organization__name_ru", "organization__short_name"]
    list_select_related = ["organization"]
