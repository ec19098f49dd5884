from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The member portal: a top floor above members and events, where an organization's representative works.

    It owns no model: the writes are the members app's (`members.services.portal`) and the events app's
    (`events.services.propose_event`); the pages compose both.
    """

    name = "portal"
    label = "portal"
    verbose_name = _("Member portal")
