"""The floors of the house (issue #17): what `lint-imports` cannot see, checked on the source.

`make test` runs import-linter with the layer order in pyproject.toml (`[tool.importlinter]`): no app imports a
floor above it, and no module circle inside an app. An arrow hidden behind the app registry
(``apps.get_model("donations", "Donation")``) or behind an import of a task module from its own services would slip
past it; these tests refuse both.
"""

import ast
from pathlib import Path

from django.conf import settings

APPS = ["members", "events", "donations", "hotline", "dashboard", "portal"]


def _modules(*packages: str):
    for package in packages:
        for path in sorted((Path(settings.BASE_DIR) / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_apps_import_their_models_instead_of_looking_them_up_in_the_registry():
    lookups = []
    for path, tree in _modules(*APPS):
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"get_model", "get_models", "get_app_config"}:
                lookups.append(f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "django.apps" and path.name != "apps.py":
                lookups.append(f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}")
    assert lookups == []


def test_services_queue_tasks_by_name_and_never_import_the_tasks_module():
    """Tasks import services (they are thin wrappers); a service that imported its tasks back would close a circle."""
    offenders = []
    for path, tree in _modules("coalition", *APPS):
        if "services" not in path.parts and path.stem != "services":
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            if any(name.split(".")[-1] == "tasks" for name in names):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}")
    assert offenders == []
