"""System checks for configuration mistakes Django cannot see."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.database)
def check_database_is_postgres(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        return [Error(f"Coalition HQ runs on PostgreSQL only, not {engine}.", id="coalition.E001")]
    return []


@register(Tags.security, deploy=True)
def check_embedded_services_not_in_production(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The embedded development servers keep data under var/ with trust auth: never in production."""
    url = str(settings.DATABASES["default"].get("HOST", ""))
    if not settings.DEBUG and url.startswith(str(settings.VAR_DIR)):
        return [
            Warning(
                "The database is the embedded development server; set DATABASE_URL to a real server.",
                id="coalition.W001",
            )
        ]
    return []
