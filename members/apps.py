from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Member organizations")

    def ready(self) -> None:
        # Imported here, not at the top: models and forms can only be imported once the app registry is ready.
        from django.db.models.signals import post_delete, post_save

        from coalition.models import Region
        from members.forms import ApplicationForm
        from members.models import IneligibleCategory

        for model in (Region, IneligibleCategory):
            for signal in (post_save, post_delete):
                uid = f"join-form-{model.__name__}-{signal is post_save}"
                signal.connect(ApplicationForm.forget_rendered, sender=model, dispatch_uid=uid)
