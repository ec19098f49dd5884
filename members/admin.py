from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from coalition.admin_sites import audit_site
from members.models import (
    Affiliation,
    CommitteeMeeting,
    CommitteeMember,
    Consent,
    Decision,
    IdentityClaim,
    IneligibleCategory,
    Invitation,
    Organization,
    PeopleImport,
    Person,
    ProfileChange,
    QuorumRule,
    StatementOfSupport,
    StatusChange,
)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ("at", "from_status", "to_status", "changed_by", "decision", "reason")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # status changes are made only by the review services


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Organization)
@admin.register(Organization, site=audit_site)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "short_name", "bin", "kind", "region", "status", "joined_on"]
    list_filter = ["status", "kind", "region"]
    list_select_related = ["region"]
    search_fields = ["name_ru", "name_kk", "name_en", "short_name", "bin"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "joined_on"]  # changed only by meeting decisions and the status action
    inlines = [AffiliationInline, StatusChangeInline]


@admin.register(Person)
@admin.register(Person, site=audit_site)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "phone", "email", "region"]
    list_select_related = ["region"]
    search_fields = ["full_name", "iin", "email", "phone"]
    list_filter = ["region"]


@admin.register(Consent)
@admin.register(Consent, site=audit_site)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["person", "purpose", "text_version", "given_at", "withdrawn_at"]
    list_filter = ["purpose", "text_version"]
    list_select_related = ["person"]
    search_fields = ["person__full_name"]


@admin.register(IdentityClaim)
@admin.register(IdentityClaim, site=audit_site)
class IdentityClaimAdmin(admin.ModelAdmin):
    """Who asserted which identity (members.identity); the pending ones are for committee staff to review."""

    list_display = ["created_at", "source", "outcome", "person", "candidate", "matched_on", "asserted_by"]
    list_filter = ["outcome", "source"]
    list_select_related = ["person", "candidate", "asserted_by"]
    search_fields = ["person__full_name", "candidate__full_name"]
    fields = ("created_at", "source", "outcome", "person", "candidate", "matched_on", "claimed", "asserted_by")
    readonly_fields = fields  # written only by members.identity: the record of who asserted what

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(PeopleImport)
@admin.register(PeopleImport, site=audit_site)
class PeopleImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "uploaded_by", "status", "created_at", "applied_at"]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
    fields = ("filename", "sha256", "uploaded_by", "status", "summary", "created_at", "applied_at")
    readonly_fields = fields  # written only by members/people_import/; the file's content is never shown

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StatusChange)
@admin.register(StatusChange, site=audit_site)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["organization", "from_status", "to_status", "at", "changed_by", "decision"]
    list_filter = ["to_status"]
    list_select_related = ["organization", "changed_by", "decision__meeting"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class DecisionInline(admin.StackedInline):
    model = Decision
    extra = 0
    can_delete = False
    filter_horizontal = ["organizations"]
    readonly_fields = ["present", "quorum", "adopted", "recorded_by"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # recorded through the meeting page, where adoption acts on the organizations


@admin.register(CommitteeMeeting)
@admin.register(CommitteeMeeting, site=audit_site)
class CommitteeMeetingAdmin(admin.ModelAdmin):
    list_display = ["held_on", "place", "committee_size", "created_by"]
    date_hierarchy = "held_on"
    filter_horizontal = ["attendees"]
    inlines = [DecisionInline]


@admin.register(Decision)
@admin.register(Decision, site=audit_site)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["meeting", "number", "kind", "adopted", "votes_for", "votes_against", "votes_abstained"]
    list_filter = ["kind", "adopted"]
    list_select_related = ["meeting"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(CommitteeMember)
@admin.register(CommitteeMember, site=audit_site)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = ["person", "title", "organization", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["person", "organization"]
    raw_id_fields = ["person", "organization"]


@admin.register(StatementOfSupport)
@admin.register(StatementOfSupport, site=audit_site)
class StatementOfSupportAdmin(admin.ModelAdmin):
    list_display = ["speaker_name", "organization", "made_on", "may_publish"]
    list_filter = ["may_publish", "language"]
    list_select_related = ["organization"]
    search_fields = ["speaker_name", "text", "organization__name_ru"]


@admin.register(IneligibleCategory)
@admin.register(IneligibleCategory, site=audit_site)
class IneligibleCategoryAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "is_active", "source"]
    list_filter = ["is_active"]


@admin.register(QuorumRule)
@admin.register(QuorumRule, site=audit_site)
class QuorumRuleAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "share", "strictly_more", "source"]


admin.site.register(Affiliation)
audit_site.register(Affiliation)


@admin.register(Invitation)
@admin.register(Invitation, site=audit_site)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "affiliation", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["affiliation__organization", "affiliation__person"]
    readonly_fields = ["token_hash"]


@admin.register(ProfileChange)
@admin.register(ProfileChange, site=audit_site)
class ProfileChangeAdmin(admin.ModelAdmin):
    list_display = ["organization", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["organization", "requested_by", "decided_by"]
