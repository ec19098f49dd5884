from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionDayConfig(AppConfig):
    name = "electionday"
    label = "electionday"
    verbose_name = _("Election day")
