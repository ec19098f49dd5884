from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The staff dashboard: the top floor, composing panels from every app's selectors (it owns no model)."""

    name = "dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")
