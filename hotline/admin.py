"""Hotline records in /admin/ (superusers) and /audit/ (auditors, read-only).

:class:`ReporterIdentity` is registered on neither site, and no admin here shows a field of it: a reporter's
identity is read only through the integrity officer's logged view. The receipt secret's hash is never shown.
"""

from django.contrib import admin

from coalition.admin_sites import audit_site
from hotline.models import (
    Agency,
    CaseNote,
    Evidence,
    Forwarding,
    HotlinePolicy,
    IdentityAccess,
    IdentityDisclosure,
    PatternAlert,
    Report,
    ReportUpdate,
    SlaBreach,
)


class NoChangesMixin:
    """Records that only the hotline's services write: viewable here, never edited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
@admin.register(Report, site=audit_site)
class ReportAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = ["tracking_code", "created_at", "category", "region", "channel", "severity", "status"]
    list_filter = ["status", "category", "channel", "severity", "region"]
    search_fields = ["tracking_code"]
    date_hierarchy = "created_at"
    exclude = ["secret_hash"]
    list_select_related = ["region"]


@admin.register(ReportUpdate)
@admin.register(ReportUpdate, site=audit_site)
class ReportUpdateAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = ["report", "created_at", "channel"]
    list_select_related = ["report"]


@admin.register(Evidence)
@admin.register(Evidence, site=audit_site)
class EvidenceAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = ["report", "content_type", "size", "sha256", "metadata_stripped", "created_at"]
    exclude = ["file"]  # files leave only through the permission-checked download view
    list_select_related = ["report"]


@admin.register(CaseNote)
@admin.register(CaseNote, site=audit_site)
class CaseNoteAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = ["report", "author", "created_at"]
    list_select_related = ["report", "author"]


@admin.register(Forwarding)
@admin.register(Forwarding, site=audit_site)
class ForwardingAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = [
        "report",
        "agency",
        "outgoing_number",
        "sent_on",
        "includes_identity",
        "acknowledged_on",
        "outcome_on",
    ]
    list_filter = ["agency", "includes_identity"]
    exclude = ["letter"]  # a letter may carry the identity: only the integrity officer downloads it
    list_select_related = ["report", "agency"]


@admin.register(IdentityAccess)
@admin.register(IdentityAccess, site=audit_site)
class IdentityAccessAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = ["at", "user", "action", "report", "reason", "ip_address"]
    list_filter = ["action", "user"]
    search_fields = ["report__tracking_code", "reason"]
    date_hierarchy = "at"
    list_select_related = ["user", "report"]


@admin.register(IdentityDisclosure)
@admin.register(IdentityDisclosure, site=audit_site)
class IdentityDisclosureAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = ["report", "agency", "requested_by", "requested_at", "approved_by", "approved_at"]
    list_select_related = ["report", "agency", "requested_by", "approved_by"]


@admin.register(SlaBreach)
@admin.register(SlaBreach, site=audit_site)
class SlaBreachAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = ["report", "kind", "deadline", "detected_at"]
    list_filter = ["kind"]
    list_select_related = ["report"]


@admin.register(PatternAlert)
@admin.register(PatternAlert, site=audit_site)
class PatternAlertAdmin(NoChangesMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "organization_label"]
    list_filter = ["kind"]


@admin.register(Agency)
@admin.register(Agency, site=audit_site)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "code", "email", "active"]
    list_filter = ["active"]
    search_fields = ["name_ru", "name_kk", "name_en", "code"]


@admin.register(HotlinePolicy)
@admin.register(HotlinePolicy, site=audit_site)
class HotlinePolicyAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "triage_hours", "answer_days", "follow_up_days", "retention_days", "source"]
