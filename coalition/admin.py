"""Admin registrations: the full /admin/ for superusers, and the read-only /audit/ site for auditors."""

from django.contrib import admin
from django_celery_beat.models import PeriodicTask

from coalition.admin_sites import ReadOnlyAdmin, audit_site
from coalition.models import AuditEntry, OutboundMessage, Profile, Region

__all__ = ["audit_site"]


@admin.register(Region)
@admin.register(Region, site=audit_site)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_kk", "name_en", "kind"]
    search_fields = ["code", "name_ru", "name_kk", "name_en"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "language"]
    list_select_related = ["user", "region"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_repr", "actor_label", "object_id"]
    date_hierarchy = "at"


class OutboundMessageAdmin(ReadOnlyAdmin):
    """Delivery state only: the recipient and text are classified (coalition/privacy.py) and shown on neither site."""

    list_display = ["created_at", "channel", "key", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["key", "subject"]


admin.site.register(AuditEntry, AuditEntryAdmin)
audit_site.register(AuditEntry, AuditEntryAdmin)
admin.site.register(OutboundMessage, OutboundMessageAdmin)
audit_site.register(OutboundMessage, OutboundMessageAdmin)
audit_site.register(PeriodicTask, ReadOnlyAdmin)
