"""The two admin sites: /admin/ for superusers, /audit/ read-only for auditors."""

from functools import wraps

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from coalition.privacy import Audience, PrivacyAdminMixin, reading_as
from coalition.roles import Role, has_role


class PrivateSite(admin.AdminSite):
    """An admin site whose pages are built from the privacy classification for its audience.

    Every ModelAdmin registered here gets :class:`~coalition.privacy.PrivacyAdminMixin`, and every view runs (and
    renders) with the audience set, so object names hide what the audience may not see.
    """

    audience: Audience

    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, PrivacyAdminMixin):
            base = type(f"Private{base.__name__}", (PrivacyAdminMixin, base), {"privacy_audience": self.audience})
        super().register(model_or_iterable, base, **options)

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(guarded)
        def read_as_audience(request, *args, **kwargs):
            with reading_as(self.audience):
                response = guarded(request, *args, **kwargs)
                if callable(getattr(response, "render", None)) and not response.is_rendered:
                    response.render()  # a TemplateResponse renders after the view returns: render it here
            return response

        return read_as_audience


class SuperuserAdminSite(PrivateSite):
    site_header = _("Coalition HQ administration")
    site_title = _("Coalition HQ")
    audience = Audience.SUPERUSER

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


class AuditorSite(PrivateSite):
    """A view-only admin for the auditor group: every model registered here, nothing can be changed."""

    site_header = _("Coalition HQ: audit")
    site_title = _("Audit")
    index_title = _("Records open to auditors (read-only)")
    enable_nav_sidebar = True
    login_form = AuditorAuthenticationForm
    audience = Audience.AUDITOR

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
