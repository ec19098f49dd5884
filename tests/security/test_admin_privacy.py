"""Issue #16, class 1: personal data and secrets reach the admin sites' audiences only as classified.

Every model registered on /audit/ (auditors) and /admin/ (superusers) whose rows can show a classified field — its
own, or one of a related object named on its pages — gets a row with a canary value in every classified field
(``<app>/privacy.py``), built generically with model_bakery. Then, as the site's user: no canary of a field hidden
from that audience appears in the list, change, history (or delete) page; no lookup through a hidden field is
accepted (``?recipient__contains=…`` must be refused, not filter the rows); a search for a canary finds nothing.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import models
from model_bakery import baker

from coalition.admin_sites import audit_site
from coalition.privacy import Audience, Privacy, classification, classified_fields, hidden_fields

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _canary(field: models.Field) -> object:
    """Return a value for ``field`` that no page shows unless it shows this field."""
    n = next(_serial)
    text = f"cnry{n:03d}x"
    if isinstance(field, models.GenericIPAddressField):
        return f"198.51.100.{n % 250 + 1}"
    if isinstance(field, models.JSONField):
        return {"canary": text}
    if isinstance(field, models.BinaryField):
        return text.encode()
    if isinstance(field, models.FileField):
        return f"canary/{text}.pdf"
    if isinstance(field, models.EmailField):
        return f"{text}@example.kz"
    return text[: field.max_length] if field.max_length else text


def _make(model, canaries: dict[str, str], depth: int = 2):
    """Create a row of ``model`` with canaries in its classified fields, and in those of related rows it names."""
    values = {}
    for name, level in classified_fields(model).items():
        if level == Privacy.AUDITED:
            continue
        field = model._meta.get_field(name)
        value = _canary(field)
        values[name] = value
        shown = value["canary"] if isinstance(value, dict) else value.decode() if isinstance(value, bytes) else value
        canaries[f"{model._meta.label}.{name}"] = shown
    if depth:
        for field in model._meta.concrete_fields:
            related = field.related_model if field.is_relation else None
            if related is None or related is model or related not in _near():
                continue
            if field.name in VALID.get(model._meta.label, {}):  # a constraint decides this link (VALID below)
                continue
            if not field.null or _has_hidden_levels(related):  # an optional link only where it names a canary
                values[field.name] = _make(related, canaries, depth - 1)
    return baker.make(model, **{**VALID.get(model._meta.label, {}), **values})


# Values that satisfy a model's check constraints (model_bakery fills the rest at random; numbers are all 1).
VALID: dict[str, dict] = {
    "events.Assignment": {"role": "proxy", "registration_number": "TR-1", "registration_date": date(2026, 1, 1)},
    # An attachment has exactly one parent (electionday_attachment_one_parent): the incident, made with its canaries.
    "electionday.Attachment": {"submission": None, "protocol": None},
}
baker.generators.add("django.db.models.DecimalField", lambda: Decimal("1.00"))
for _kind in ("PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField", "IntegerField"):
    baker.generators.add(f"django.db.models.{_kind}", lambda: 1)


def _has_hidden_levels(model) -> bool:
    return bool(set(classified_fields(model).values()) - {Privacy.AUDITED})


def _near() -> set:
    from coalition.privacy import _models_near_classified

    return _models_near_classified()


def _registered(site) -> list:
    return [model for model in site._registry if model._meta.concrete_model in _near()]


SITES = [
    pytest.param(audit_site, Audience.AUDITOR, "auditor", id="audit"),
    pytest.param(admin.site, Audience.SUPERUSER, "superuser", id="admin"),
]


def _hidden_canaries(canaries: dict[str, str], audience: Audience) -> dict[str, str]:
    hidden = {f"{model._meta.label}.{name}" for model in classification() for name in hidden_fields(model, audience)}
    return {label: value for label, value in canaries.items() if label in hidden}


@pytest.mark.parametrize(("site", "audience", "user_fixture"), SITES)
def test_no_classified_value_reaches_a_page_its_audience_may_not_see(site, audience, user_fixture, request, client_for):
    client = client_for(request.getfixturevalue(user_fixture))
    leaks = []
    for model in _registered(site):
        canaries: dict[str, str] = {}
        row = _make(model, canaries)
        hidden = _hidden_canaries(canaries, audience)
        base = f"/{site.name}/{model._meta.app_label}/{model._meta.model_name}/"
        pages = [base, f"{base}{row.pk}/change/", f"{base}{row.pk}/history/"]
        if audience == Audience.SUPERUSER:
            pages.append(f"{base}{row.pk}/delete/")
        for url in pages:
            response = client.get(url)
            assert response.status_code in (200, 403), (url, response.status_code)
            content = response.content.decode().casefold()
            leaks += [(url, label) for label, value in hidden.items() if value.casefold() in content]
    assert not leaks, leaks


@pytest.mark.parametrize(("site", "audience", "user_fixture"), SITES)
def test_no_lookup_or_search_through_a_hidden_field_filters(site, audience, user_fixture, request, client_for):
    client = client_for(request.getfixturevalue(user_fixture))
    accepted = []
    for model in _registered(site):
        canaries: dict[str, str] = {}
        _make(model, canaries)
        base = f"/{site.name}/{model._meta.app_label}/{model._meta.model_name}/"
        paths = [(name, model) for name in hidden_fields(model, audience)]
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                paths += [
                    (f"{field.name}__{name}", field.related_model)
                    for name in hidden_fields(field.related_model, audience)
                ]
        for path, owner in paths:
            value = canaries.get(f"{owner._meta.label}.{path.rsplit('__', 1)[-1]}", "cnry")
            for lookup in (path, f"{path}__contains", f"{path}__isnull"):
                probe = "1" if lookup.endswith("__isnull") else value
                response = client.get(base, {lookup: probe})
                if response.status_code == 200:
                    accepted.append(f"{base}?{lookup}=")
        for label, value in _hidden_canaries(canaries, audience).items():
            response = client.get(base, {"q": value})
            changelist = response.context["cl"] if response.status_code == 200 else None
            if changelist is not None and changelist.search_fields and changelist.result_count:
                accepted.append(f"{base}?q= finds {label}")
    assert not accepted, accepted


def test_every_field_that_looks_personal_or_secret_is_classified():
    """A new field named like a contact, an identifier or a secret must be classified before it ships."""
    suspicious = ("email", "phone", "iin", "token", "secret", "full_name", "password", "ip_address", "contact")
    unclassified = []
    for model in {m._meta.concrete_model for site in (audit_site, admin.site) for m in site._registry}:
        if model._meta.app_label in ("auth", "django_celery_beat", "axes", "otp_totp"):
            continue  # Django's and libraries' own tables: not ours to classify
        for field in model._meta.concrete_fields:
            if any(word in field.name for word in suspicious) and field.name not in classified_fields(model):
                unclassified.append(f"{model._meta.label}.{field.name}")
    accepted = {
        # Published on purpose: an event's and a training session's public registration link.
        "events.Event.public_token",
        "events.TrainingSession.public_token",
        # An organization's and an agency's own contacts (legal entities), not a person's.
        "members.Organization.phone",
        "members.Organization.email",
        "hotline.Agency.email",
    }
    assert sorted(set(unclassified) - accepted) == []


def test_classification_names_only_real_fields():
    from django.core.management import call_command

    call_command("check")  # coalition.E010 reports a classified name that is no field


def test_a_hotline_message_names_no_reporter_on_either_site(client_for, auditor, superuser):
    """The lead case: the outbox row to a reporter; its address and body tie them to the case code."""
    from coalition.models import OutboundMessage

    message = OutboundMessage.objects.create(
        key="hotline:reporter:1:triaged",
        recipient="reporter.aizhan@example.kz",
        subject="Case AB12-CD34",
        body="There is news about your report AB12-CD34",
        send_after=date(2026, 1, 1),
    )
    for user, site in ((auditor, "audit"), (superuser, "admin")):
        client = client_for(user)
        for url in (
            f"/{site}/coalition/outboundmessage/",
            f"/{site}/coalition/outboundmessage/{message.pk}/change/",
            f"/{site}/coalition/outboundmessage/{message.pk}/history/",
        ):
            assert "reporter.aizhan" not in client.get(url).content.decode(), url
        refused = client.get(f"/{site}/coalition/outboundmessage/", {"recipient__contains": "aizhan"})
        assert refused.status_code == 400
