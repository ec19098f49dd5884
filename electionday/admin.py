"""Election-day records in /admin/ (superusers) and /audit/ (auditors, read-only).

Everything here is written by the election-day services (reports from the phones, staff entry, imports, reviews):
both sites only show it. Token hashes are ``SECRET`` and what observers wrote is ``PERSONAL`` (electionday/privacy.py),
hidden by the sites' privacy mixin; the photos leave only through the permission-checked staff views.
"""

from django.contrib import admin

from coalition.admin_sites import ReadOnlyMixin, audit_site
from electionday.models import (
    Attachment,
    CecTurnout,
    Checklist,
    ChecklistVersion,
    Device,
    Incident,
    Protocol,
    ProtocolVote,
    QuickCountSample,
    SignInLink,
    Submission,
)


class ElectionDayAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Records only the services write: viewable on both sites, never edited there."""


@admin.register(SignInLink)
@admin.register(SignInLink, site=audit_site)
class SignInLinkAdmin(ElectionDayAdmin):
    list_display = ["assignment", "channel", "created_at", "expires_at", "used_at"]
    list_filter = ["channel"]
    list_select_related = ["assignment"]
    date_hierarchy = "created_at"


@admin.register(Device)
@admin.register(Device, site=audit_site)
class DeviceAdmin(ElectionDayAdmin):
    list_display = ["assignment", "created_at", "last_seen_at", "revoked_at"]
    list_select_related = ["assignment"]


@admin.register(Checklist)
@admin.register(Checklist, site=audit_site)
class ChecklistAdmin(ElectionDayAdmin):
    list_display = ["code", "election", "kind", "due_at", "position"]
    list_filter = ["election", "kind"]
    list_select_related = ["election"]


@admin.register(ChecklistVersion)
@admin.register(ChecklistVersion, site=audit_site)
class ChecklistVersionAdmin(ElectionDayAdmin):
    list_display = ["checklist", "number", "published_at"]
    list_select_related = ["checklist"]


@admin.register(Submission)
@admin.register(Submission, site=audit_site)
class SubmissionAdmin(ElectionDayAdmin):
    list_display = ["client_id", "station", "version", "source", "filled_at", "received_at"]
    list_filter = ["source"]
    list_select_related = ["station", "version"]
    date_hierarchy = "received_at"


class AttachmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Attachment
    fields = readonly_fields = ("content_type", "size", "sha256", "uploaded_at")
    extra = 0
    can_delete = False


@admin.register(Incident)
@admin.register(Incident, site=audit_site)
class IncidentAdmin(ElectionDayAdmin):
    list_display = ["occurred_at", "station", "category", "severity", "source", "case", "received_at"]
    list_filter = ["severity", "category", "source"]
    list_select_related = ["station", "case"]
    date_hierarchy = "occurred_at"
    inlines = [AttachmentInline]


class ProtocolVoteInline(ReadOnlyMixin, admin.TabularInline):
    model = ProtocolVote
    fields = readonly_fields = ("candidate", "votes")
    extra = 0
    can_delete = False


@admin.register(Protocol)
@admin.register(Protocol, site=audit_site)
class ProtocolAdmin(ElectionDayAdmin):
    list_display = ["station", "kind", "received_at", "source", "review", "failed_checks", "replaced_by"]
    list_filter = ["kind", "review", "source"]
    list_select_related = ["station"]
    date_hierarchy = "received_at"
    inlines = [ProtocolVoteInline]


@admin.register(ProtocolVote)
@admin.register(ProtocolVote, site=audit_site)
class ProtocolVoteAdmin(ElectionDayAdmin):
    list_display = ["protocol", "candidate", "votes"]
    list_select_related = ["protocol", "candidate"]


@admin.register(Attachment)
@admin.register(Attachment, site=audit_site)
class AttachmentAdmin(ElectionDayAdmin):
    list_display = ["station", "content_type", "size", "sha256", "uploaded_at"]
    exclude = ["file"]  # files leave only through the permission-checked staff views
    list_select_related = ["station"]
    date_hierarchy = "uploaded_at"


@admin.register(CecTurnout)
@admin.register(CecTurnout, site=audit_site)
class CecTurnoutAdmin(ElectionDayAdmin):
    list_display = ["election", "checkpoint", "region", "percent", "source", "entered_by", "entered_at"]
    list_filter = ["election"]
    list_select_related = ["election", "region", "entered_by"]


@admin.register(QuickCountSample)
@admin.register(QuickCountSample, site=audit_site)
class QuickCountSampleAdmin(ElectionDayAdmin):
    list_display = ["election", "uploaded_by", "uploaded_at"]
    list_select_related = ["election", "uploaded_by"]
