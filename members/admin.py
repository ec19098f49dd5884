from django.contrib import admin

from coalition.admin_sites import audit_site
from members.models import Organization


@admin.register(Organization)
@admin.register(Organization, site=audit_site)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "short_name", "bin", "kind", "region", "status", "joined_on"]
    list_filter = ["status", "kind", "region"]
    list_select_related = ["region"]
    search_fields = ["name_ru", "name_kk", "name_en", "short_name", "bin"]
    date_hierarchy = "created_at"
