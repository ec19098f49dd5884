"""The two admin sites: /admin/ for superusers, /audit/ read-only for auditors."""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from coalition.roles import Role, has_role


class SuperuserAdminSite(admin.AdminSite):
    site_header = _("Coalition HQ administration")
    site_title = _("Coalition HQ")

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser


class AuditorAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, but for auditors (who are not Django "staff") instead of is_staff users."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("Please enter the username and password of an auditor account."),
    }

    def confirm_login_allowed(self, user) -> None:
        if not user.is_active or not has_role(user, Role.AUDITOR):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class AuditorSite(admin.AdminSite):
    """A view-only admin for the auditor group: every model registered here, nothing can be changed."""

    site_header = _("Coalition HQ: audit")
    site_title = _("Audit")
    index_title = _("Records open to auditors (read-only)")
    enable_nav_sidebar = True
    login_form = AuditorAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and has_role(request.user, Role.AUDITOR)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register models view-only, whatever ModelAdmin they come with."""
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, ReadOnlyMixin):
            base = type(f"ReadOnly{base.__name__}", (ReadOnlyMixin, base), {})
        super().register(model_or_iterable, base, **options)


class ReadOnlyMixin:
    """View only: never add, change or delete, and no bulk actions."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return {}


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


audit_site = AuditorSite(name="audit")
