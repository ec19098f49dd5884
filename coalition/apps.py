from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoalitionConfig(AppConfig):
    default = True
    name = "coalition"
    verbose_name = _("Coalition")

    def ready(self) -> None:
        # Imported in ready(), Django's place for it: these modules use models, which exist once the registry is.
        from coalition import checks  # noqa: F401 - registers the system checks
        from coalition.celery import app  # noqa: F401 - tasks queued from Django use this app's settings
        from coalition.privacy import guard_names
        from coalition.roles import sync_role_permissions

        guard_names()

        post_migrate.connect(sync_role_permissions, dispatch_uid="coalition.sync_role_permissions")


class SuperuserAdminConfig(admin_apps.AdminConfig):
    """The full admin at /admin/, for superusers only (staff roles work in the dashboard)."""

    default = False
    default_site = "coalition.admin_sites.SuperuserAdminSite"
