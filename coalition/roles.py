"""The coalition's roles: Django groups, and the permissions each holds.

Groups are created by a data migration; their permissions are kept in step with the models after every
``migrate`` by :func:`sync_role_permissions`. Each app lists what its models grant to each role in its own
``roles.py`` as ``PERMISSIONS = {Role.X: ["app_label.codename", ...]}``, so an app's permissions live beside its
models and this module only gathers them.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMITTEE_STAFF = "committee_staff", _("Committee staff")
    REGIONAL_COORDINATOR = "regional_coordinator", _("Regional coordinator")
    TRAINER = "trainer", _("Trainer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    INTEGRITY_OFFICER = "integrity_officer", _("Integrity officer")
    AUDITOR = "auditor", _("Auditor")


# Roles that work in the staff dashboard (auditors use /audit/ instead).
STAFF_ROLES = frozenset(Role) - {Role.AUDITOR}

# Coalition-wide permissions; each app adds its own in <app>/roles.py.
PERMISSIONS: dict[str, list[str]] = {
    Role.AUDITOR: [
        "coalition.view_region",
        "coalition.view_auditentry",
        "coalition.view_outboundmessage",
        "django_celery_beat.view_periodictask",
    ],
    # HQ sets the election's day, hours and ballot (the finance officers create elections with the fund).
    Role.COMMITTEE_STAFF: ["coalition.view_region", "coalition.view_election", "coalition.change_election"],
    Role.REGIONAL_COORDINATOR: ["coalition.view_region"],
    Role.TRAINER: ["coalition.view_region"],
    Role.FINANCE_OFFICER: ["coalition.view_region"],
    Role.INTEGRITY_OFFICER: ["coalition.view_region"],
}


def user_roles(user) -> set[str]:
    """Return the role codes of ``user`` (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_coalition_roles"):
        names = set(user.groups.values_list("name", flat=True))
        user._coalition_roles = names & set(Role.values)
    return user._coalition_roles


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_staff_member(user) -> bool:
    """Return whether ``user`` may use the staff dashboard."""
    return user.is_authenticated and (user.is_superuser or bool(user_roles(user) & STAFF_ROLES))


def role_permissions() -> dict[str, set[str]]:
    """Gather every app's PERMISSIONS into one mapping role -> {"app_label.codename"}."""
    merged: dict[str, set[str]] = {role: set() for role in Role.values}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.roles")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.roles":
                raise
            continue
        for role, perms in getattr(module, "PERMISSIONS", {}).items():
            merged[str(role)].update(perms)
    return merged


def sync_role_permissions(sender=None, using="default", **kwargs) -> None:
    """Give each role's group exactly the permissions its apps declare (run after every migrate)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in role_permissions().items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:  # a model of a later migration: granted after that migrate
                perms.append(perm)
        group.permissions.set(perms)
