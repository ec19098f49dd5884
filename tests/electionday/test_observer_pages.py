"""The observer's offline app: its shell, service worker and manifest are public, translated and load nothing from
another site."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from electionday.views import observer

pytestmark = pytest.mark.django_db

SHELL, SW, MANIFEST = "/observer/", "/observer/sw.js", "/observer/manifest.webmanifest"


def config_of(response) -> dict:
    match = re.search(r'<script id="observer-config" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the shell carries its configuration as a json_script element"
    return json.loads(match.group(1))


def test_shell_is_public_and_holds_nothing_per_session(client):
    response = client.get(SHELL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert settings.CSRF_COOKIE_NAME not in response.cookies
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert response["Cache-Control"] == "no-cache"
    assert f'href="{MANIFEST}"' in html


def test_shell_speaks_russian_by_default(client):
    response = client.get(SHELL)
    config = config_of(response)
    assert '<html lang="ru">' in response.content.decode()
    assert config["lang"] == "ru"
    with translation.override("ru"):
        assert config["strings"]["yes"] == gettext("Yes") != "Yes"


def test_shell_speaks_kazakh_from_accept_language(client):
    response = client.get(SHELL, HTTP_ACCEPT_LANGUAGE="kk")
    html = response.content.decode()
    config = config_of(response)
    assert '<html lang="kk">' in html
    assert config["lang"] == "kk"
    assert config["strings"]["yes"] == "Иә"
    assert config["strings"]["app_title"] == "Байқаушы"
    assert "Байқаушы" in html  # the heading, rendered by {% translate %}
    with translation.override("kk"):
        assert config["strings"]["station"] == gettext("Polling station No. %(number)s")
        labels = {category["code"]: category["label"] for category in config["severities"]}
        assert labels["critical"] == gettext("Critical") == "Аса маңызды"


def test_shell_follows_the_language_cookie_and_an_explicit_choice(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    assert config_of(client.get(SHELL))["lang"] == "kk"
    assert config_of(client.get(SHELL, {"lang": "en"}))["lang"] == "en"
    assert config_of(client.get(SHELL, {"lang": "xx"}))["lang"] == "kk"  # not a UI language: ignored


def test_shell_offers_every_incident_category_and_severity(client):
    config = config_of(client.get(SHELL, HTTP_ACCEPT_LANGUAGE="en"))
    assert [c["code"] for c in config["categories"]][:3] == ["pressure", "carousel", "stuffing"]
    assert [s["code"] for s in config["severities"]] == ["low", "medium", "high", "critical"]
    assert config["categories"][0]["label"] == "Pressure on voters"


def test_service_worker_is_javascript_scoped_to_the_app_and_versioned(client):
    response = client.get(SW)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/observer/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    version = observer.app_version()
    assert f'"version": "{version}"' in script
    assert config_of(client.get(SHELL))["sw"] == f"{SW}?v={version}"


def test_service_worker_caches_every_file_the_shell_loads(client):
    html = client.get(SHELL).content.decode()
    script = client.get(SW).content.decode()
    precached = json.loads(re.search(r"const CONFIG = (\{.*\});", script).group(1))["assets"]
    loaded = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert loaded
    assert set(loaded) <= set(precached)
    for url in precached:
        assert client.get(url).status_code == 200, url


def test_version_changes_with_the_app_version(monkeypatch):
    before = observer._version()
    monkeypatch.setattr(observer, "APP_VERSION", observer.APP_VERSION + "-next")
    assert observer._version() != before


def test_manifest_makes_an_installable_standalone_app(client):
    response = client.get(MANIFEST, HTTP_ACCEPT_LANGUAGE="kk")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == manifest["scope"] == "/observer/"
    assert manifest["display"] == "standalone"
    assert manifest["short_name"] == "Байқаушы"
    assert manifest["lang"] == "kk"
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        body = b"".join(client.get(icon["src"]).streaming_content)
        with Image.open(io.BytesIO(body)) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes


EXTERNAL_IN_MARKUP = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
EXTERNAL_IN_CSS = re.compile(r"""(?:url\(\s*["']?\s*(?:https?:)?//|@import)""", re.IGNORECASE)
ANY_URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def test_nothing_served_to_the_app_comes_from_another_site(client):
    """No CDN: the shell, the worker, the manifest and every file they load stay on this site."""
    html = client.get(SHELL).content.decode()
    assert not EXTERNAL_IN_MARKUP.search(html)
    assert not ANY_URL.search(client.get(SW).content.decode())
    assert not ANY_URL.search(client.get(MANIFEST).content.decode())
    for path in observer.ASSETS:
        url = static(path)
        found = finders.find(path)
        assert isinstance(found, str), path
        if path.endswith((".css", ".js")):
            with open(found, encoding="utf-8") as file:
                text = file.read()
            assert not (EXTERNAL_IN_CSS if path.endswith(".css") else ANY_URL).search(text), path
        assert url.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL)


def test_app_pages_refuse_other_methods(client):
    for url in (SHELL, SW, MANIFEST):
        assert client.post(url).status_code == 405
