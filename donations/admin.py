"""The election fund in /admin/ (superusers) and /audit/ (auditors, read-only, with report downloads)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from coalition.admin_sites import ReadOnlyAdmin, audit_site
from donations import reports
from donations.models import (
    CoercionAlert,
    ComplianceReport,
    Correction,
    Decision,
    Donation,
    Donor,
    Election,
    LedgerEntry,
    Pledge,
    Refund,
    RuleVersion,
    StatementImport,
)


@admin.register(Election)
@admin.register(Election, site=audit_site)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "created_at", "compliance_reports"]
    search_fields = ["name", "slug"]

    @admin.display(description=_("compliance report"))
    def compliance_reports(self, obj):
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse("donations:compliance_report", kwargs={"slug": obj.slug, "fmt": fmt}), fmt.upper())
                for fmt in reports.FORMATS
            ),
        )


@admin.register(RuleVersion, site=audit_site)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ["election", "number", "valid_from", "mzp", "cap_donations_mzp", "per_donor_cap_mzp", "source"]
    list_filter = ["election"]
    list_select_related = ["election"]


admin.site.register(RuleVersion, RuleVersionAdmin)


@admin.register(Donor)
@admin.register(Donor, site=audit_site)
class DonorAdmin(admin.ModelAdmin):
    list_display = ["name", "identifier", "kind", "category", "citizenship", "declaration_on_file"]
    list_filter = ["kind", "category"]
    search_fields = ["name", "identifier"]


@admin.register(Pledge, site=audit_site)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["reference", "election", "payer_id", "name", "amount", "declaration_version", "declared_at"]
    list_filter = ["election", "declaration_version", "declaration_language"]
    search_fields = ["reference", "payer_id", "name"]


admin.site.register(Pledge, PledgeAdmin)


class DecisionInline(admin.TabularInline):
    model = Decision
    fields = ("decided_at", "rule_version", "verdict", "accepted_amount", "refused_amount", "handling", "reasons")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Donation, site=audit_site)
class DonationAdmin(ReadOnlyAdmin):
    list_display = [
        "bank_reference",
        "election",
        "received_on",
        "amount",
        "source",
        "verdict",
        "accepted_amount",
        "reasons",
    ]
    list_filter = ["election", "verdict", "source"]
    list_select_related = ["election"]
    search_fields = ["bank_reference", "payer_id", "payer_name"]
    date_hierarchy = "received_on"
    inlines = [DecisionInline]


admin.site.register(Donation, DonationAdmin)


@admin.register(Decision, site=audit_site)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["donation", "rule_version", "verdict", "accepted_amount", "refused_amount", "reasons", "decided_at"]
    list_filter = ["verdict"]
    list_select_related = ["donation", "rule_version__election"]
    search_fields = ["donation__bank_reference"]


admin.site.register(Decision, DecisionAdmin)


@admin.register(LedgerEntry, site=audit_site)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["entry_date", "election", "kind", "source", "amount", "payer_id", "bank_reference", "note"]
    list_filter = ["election", "kind", "source"]
    list_select_related = ["election"]
    search_fields = ["bank_reference", "payer_id", "note"]
    date_hierarchy = "entry_date"


admin.site.register(LedgerEntry, LedgerEntryAdmin)


@admin.register(Correction, site=audit_site)
class CorrectionAdmin(ReadOnlyAdmin):
    """Who proposed each correction and who (another finance officer) approved or rejected it."""

    list_display = [
        "entry_date",
        "election",
        "source",
        "payer_id",
        "amount",
        "returned_reference",
        "status",
        "proposed_by",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["election", "status", "source"]
    list_select_related = ["election", "proposed_by", "decided_by"]
    search_fields = ["payer_id", "note", "returned_reference"]


admin.site.register(Correction, CorrectionAdmin)


@admin.register(Refund, site=audit_site)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["donation", "kind", "amount", "due_on", "completed_on", "bank_reference", "reasons"]
    list_filter = ["kind", ("completed_on", admin.EmptyFieldListFilter)]
    list_select_related = ["donation"]
    search_fields = ["donation__bank_reference", "bank_reference"]


admin.site.register(Refund, RefundAdmin)


@admin.register(StatementImport, site=audit_site)
class StatementImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "election", "status", "total_rows", "sha256", "uploaded_by", "created_at"]
    list_filter = ["status", "election"]
    exclude = ["content"]


admin.site.register(StatementImport, StatementImportAdmin)


@admin.register(ComplianceReport, site=audit_site)
class ComplianceReportAdmin(ReadOnlyAdmin):
    list_display = ["election", "report_date", "format", "sha256", "download", "pack"]
    list_select_related = ["election"]
    list_filter = ["election", "format"]
    exclude = ["content"]

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("donations:filed_report", args=[obj.pk]), _("Download"))

    @admin.display(description=_("auditor pack"))
    def pack(self, obj):
        url = reverse("donations:auditor_pack", args=[obj.election.slug, obj.report_date.isoformat()])
        return format_html('<a href="{}">{}</a>', url, _("ZIP with manifest"))


admin.site.register(ComplianceReport, ComplianceReportAdmin)


@admin.register(CoercionAlert)
@admin.register(CoercionAlert, site=audit_site)
class CoercionAlertAdmin(admin.ModelAdmin):
    list_display = ["election", "kind", "key", "on_date", "donor_count", "total", "reviewed_at"]
    list_filter = ["kind", "election"]
    search_fields = ["key"]
