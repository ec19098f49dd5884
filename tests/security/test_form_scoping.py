"""Issue #16, class 3: region scoping of every choice offered.

A regional coordinator must not be offered, nor be able to post, an object of another region in any form, and the
searches of the staff lists must not let them match on what the page does not show them. The tests find the forms
themselves -- every form and filter set class of the project, and every form a coordinator's page builds -- so a new
form or field is checked the day it is added.
"""

from __future__ import annotations

import importlib
import logging
from contextlib import contextmanager

import django_filters
import lxml.html
import pytest
from django import forms
from django.db import transaction
from django.forms.formsets import BaseFormSet
from django.test import Client
from django.test.utils import ContextList

from coalition.models import Region
from coalition.roles import Role
from coalition.scoping import MODEL_CHOICE_FIELDS, MODEL_CHOICE_FILTERS, REGION_SCOPES, ScopedFilterSet, ScopedForm
from tests.events.factories import (
    EnrolmentFactory,
    EventFactory,
    PersonFactory,
    SessionFactory,
    StationFactory,
    accredit,
    admitted_organization,
)
from tests.factories import force_login
from tests.security.test_access_matrix import EXPECTED, ROLES, _user
from tests.security.test_access_matrix import make_objects as matrix_objects
from tests.security.urlmap import routes

PROJECT = ("coalition", "members", "events", "donations")
FORM_MODULES = [f"{app}.{name}" for app in (*PROJECT, "hotline") for name in ("forms", "filters")] + [
    "dashboard.panels",
    "coalition.twofactor",
    # Election day keeps its forms by subject (#18).
    "electionday.checklist_forms",
    "electionday.incident_forms",
    "electionday.election_forms",
    "electionday.protocol_forms",
]
COORD = ROLES.index("coord")


def _subclasses(base: type) -> set[type]:
    found, stack = set(), [base]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def project_form_classes() -> list[type]:
    """Every form and filter set class defined in the project's apps."""
    for name in FORM_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    classes = _subclasses(forms.BaseForm) | _subclasses(django_filters.FilterSet)
    return sorted(
        (cls for cls in classes if cls.__module__.startswith(PROJECT) and cls.__module__ != "coalition.scoping"),
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def model_choice_fields(cls: type) -> dict[str, type]:
    """The model-choice fields (or filters) a form or filter set class declares: name -> model."""
    if issubclass(cls, django_filters.FilterSet):
        return {
            name: f.queryset.model if f.queryset is not None else f.model
            for name, f in cls.base_filters.items()
            if isinstance(f, MODEL_CHOICE_FILTERS)
        }
    return {name: f.queryset.model for name, f in cls.base_fields.items() if isinstance(f, MODEL_CHOICE_FIELDS)}


def test_every_model_choice_has_a_region_rule_or_a_declared_reason_to_be_national():
    """The coverage check: a new ModelChoiceField/Filter with neither a scope rule nor an opt-out fails here."""
    problems = []
    for cls in project_form_classes():
        national = getattr(cls, "national_fields", {})
        scoped = issubclass(cls, ScopedForm | ScopedFilterSet)
        declared = model_choice_fields(cls)
        for name, model in declared.items():
            if name in national:
                if not str(national[name]).strip():
                    problems.append(f"{cls.__qualname__}.{name}: national_fields gives no reason")
                continue
            if not scoped:
                problems.append(
                    f"{cls.__module__}.{cls.__qualname__}.{name} ({model._meta.label_lower}): the form is not a "
                    "ScopedForm/ScopedFilterSet and the field is not in its national_fields"
                )
            elif model._meta.label_lower not in REGION_SCOPES:
                problems.append(f"{cls.__qualname__}.{name}: no REGION_SCOPES rule for {model._meta.label_lower}")
        # An opt-out names a field that exists (a stale one would hide the next field of that name).
        all_fields = cls.base_filters if issubclass(cls, django_filters.FilterSet) else cls.base_fields
        for name in national:
            if name not in all_fields:
                problems.append(f"{cls.__qualname__}.national_fields names {name!r}, which is not a field")
    assert not problems, "\n".join(problems)


def test_the_coverage_check_sees_the_forms_coordinators_use():
    """Guard the discovery itself: the forms of the issue are among the classes checked above."""
    names = {cls.__qualname__ for cls in project_form_classes()}
    assert {"EnrolForm", "AssignmentForm", "EventForm", "EnrolmentFilter", "PersonFilter"} <= names


# --- Every form a coordinator's pages build -----------------------------------------------------------------------


@pytest.fixture
def scene(db):
    """The access matrix's objects (KZ-35, from the demo data), the coordinator of KZ-35, and objects of KZ-79 that
    pass every other condition of the forms' choices (admitted, accredited, certified, staff)."""
    objects = matrix_objects()
    coordinator = _user("coord", Role.REGIONAL_COORDINATOR, "KZ-35")
    shymkent = Region.objects.get(code="KZ-79")
    organization = admitted_organization(region=shymkent)
    person = PersonFactory(region=shymkent, full_name="Чужой Регион Человек", email="zq-secret-79@example.kz")
    session = SessionFactory(region=shymkent)
    enrolment = EnrolmentFactory(session=session, person=person, attended=True, score=95)
    from events.models import Assignment, Certificate

    certificate = Certificate.objects.create(
        number="T-79-1", enrolment=enrolment, person=person, course=session.course, issued_on=session.starts_at.date()
    )
    foreign = [
        shymkent,
        organization,
        accredit(organization, number="НБ-79"),
        person,
        session,
        enrolment,
        certificate,
        EventFactory(region=shymkent),
        station_79 := StationFactory(region=shymkent),
        # Election day's forms offer a station's assigned people (#18).
        Assignment.objects.create(
            station=station_79, person=person, role="observer", certificate=certificate, organization=organization
        ),
        _user("other", Role.REGIONAL_COORDINATOR, "KZ-79"),
    ]
    by_model: dict[str, set] = {}
    for obj in foreign:
        by_model.setdefault(obj._meta.label_lower, set()).add(obj)
    client = force_login(Client(raise_request_exception=False), coordinator)
    return {"objects": objects, "client": client, "foreign": by_model}


def coordinator_pages(objects) -> list[str]:
    """The URL of every page the access matrix says a KZ-35 coordinator may open (GET 200)."""
    urls = []
    for route in routes():
        obj, get, _post = EXPECTED.get(route.name, (None, "", ""))
        if get[COORD : COORD + 1] == "2":
            urls.append(route.url(**objects[obj]) if obj else route.url())
    return sorted(urls)


def forms_in(context) -> list[tuple[forms.BaseForm, dict]]:
    """Every form in a response's template context: (form, its opt-outs), filter sets' forms included."""
    found: list = []
    seen: set[int] = set()

    def visit(value, depth: int = 0) -> None:
        if id(value) in seen or depth > 3:
            return
        seen.add(id(value))
        if isinstance(value, django_filters.FilterSet):
            found.append((value.form, getattr(value, "national_fields", {})))
        elif isinstance(value, forms.BaseForm):
            found.append((value, getattr(value, "national_fields", {})))
        elif isinstance(value, BaseFormSet):
            for form in value.forms:
                visit(form, depth + 1)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item, depth + 1)
        elif isinstance(value, list | tuple):
            for item in value[:50]:
                visit(item, depth + 1)

    layers = context if isinstance(context, ContextList) else [context] if context is not None else []
    for layer in layers:
        for value in layer.flatten().values():
            visit(value)
    return found


def scoped_fields(form, national):
    for name, field in form.fields.items():
        if isinstance(field, MODEL_CHOICE_FIELDS) and name not in national:
            yield name, field


@contextmanager
def rolled_back():
    sid = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(sid)


def test_no_form_offers_a_coordinator_an_object_of_another_region(scene, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    client, foreign = scene["client"], scene["foreign"]
    problems, checked = [], 0
    for url in coordinator_pages(scene["objects"]):
        with rolled_back():
            response = client.get(url)
        assert response.status_code == 200, url
        for form, national in forms_in(response.context):
            for name, field in scoped_fields(form, national):
                label = field.queryset.model._meta.label_lower
                if label not in foreign:
                    problems.append(f"{url} {type(form).__name__}.{name}: plant a KZ-79 {label} in the scene")
                    continue
                offered = set(field.queryset.filter(pk__in=[o.pk for o in foreign[label]]))
                checked += 1
                if offered:
                    problems.append(f"{url} {type(form).__name__}.{name} offers {sorted(map(str, offered))}")
    assert checked >= 10, "the walk found too few model-choice fields: is the context captured?"
    assert not problems, "\n".join(problems)


def references(obj) -> int:
    """How many rows point at ``obj`` (foreign keys and many-to-many links to it)."""
    total = 0
    for rel in obj._meta.related_objects:
        total += rel.related_model._base_manager.filter(**{rel.field.name: obj}).count()
    return total


def html_form_with(content: bytes, control: str):
    """The first <form method=post> of a page that has a control named ``control``."""
    for form in lxml.html.fromstring(content).forms:
        if (form.method or "").lower() == "post" and control in form.inputs:
            return form
    return None


def post_data(form, control: str, value: str) -> dict:
    """What a browser sends for ``form`` as shown, with a choice made in each empty select and ``control`` set."""
    data: dict[str, list[str]] = {}
    for name, item in form.form_values():
        data.setdefault(name, []).append(item)
    for element in form.inputs:
        if element.tag == "select" and not element.multiple and not data.get(element.name, [""])[0]:
            options = [o.get("value") for o in element.xpath(".//option") if o.get("value")]
            if options:
                data[element.name] = [options[0]]
    data[control] = [value]
    return data


def test_no_form_accepts_a_posted_object_of_another_region(scene, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    client, foreign = scene["client"], scene["foreign"]
    problems, posted = [], 0
    for url in coordinator_pages(scene["objects"]):
        with rolled_back():
            response = client.get(url)
        for form, national in forms_in(response.context):
            for name, field in scoped_fields(form, national):
                control = form.add_prefix(name)
                html = html_form_with(response.content, control)
                if html is None:  # a form of the context the page does not show (no permission to post it)
                    continue
                action = html.get("action") or url
                for obj in foreign.get(field.queryset.model._meta.label_lower, ()):
                    value = str(getattr(obj, field.to_field_name or "pk"))
                    before = references(obj)
                    with rolled_back():
                        answer = client.post(action, post_data(html, control, value))
                        after = references(obj)
                    posted += 1
                    if answer.status_code >= 500 or after != before:
                        problems.append(
                            f"POST {action} {control}={obj._meta.label_lower}:{obj.pk} ({obj}) was accepted "
                            f"(HTTP {answer.status_code}, references {before} -> {after})"
                        )
    assert posted >= 5, "the walk posted too few forms: are the pages' forms found?"
    assert not problems, "\n".join(problems)


# --- Searches: no match on what the page does not show ------------------------------------------------------------

HIDDEN_NAME = "Скрытый Свидетель"


@pytest.fixture
def hidden_person(scene):
    """A person of the coordinator's region on every list a coordinator searches (enrolled, certified, registered,
    acting for an organization), whose email, phone and IIN only some pages show."""
    from events.models import Certificate, Enrolment, Event, Registration, TrainingSession
    from members.models import Affiliation, Organization
    from tests.factories import iin_number

    objects = scene["objects"]
    karaganda = Region.objects.get(code="KZ-35")
    person = PersonFactory(
        full_name=HIDDEN_NAME, email="hidden.witness35@example.kz", phone="+77017770035", iin=iin_number()
    )
    person.region = karaganda
    person.save()
    session = TrainingSession.objects.get(pk=objects["session"]["pk"])
    enrolment = Enrolment.objects.create(session=session, person=person, attended=True, score=99)
    Certificate.objects.create(
        number="T-35-HIDDEN", enrolment=enrolment, person=person, course=session.course, issued_on=session.starts_at
    )
    Registration.objects.create(event=Event.objects.get(pk=objects["event"]["pk"]), person=person)
    organization = Organization.objects.get(pk=objects["organization"]["pk"])
    Affiliation.objects.create(person=person, organization=organization, role=Affiliation.Role.VOLUNTEER)
    return [person.email, person.email.split("@")[0][:8], str(person.phone), str(person.phone)[-7:], person.iin]


def search_fields(content: bytes) -> list[str]:
    """The text inputs of a page's search (GET) forms."""
    names = []
    for form in lxml.html.fromstring(content).forms:
        if (form.method or "get").lower() == "get":
            names += [i.name for i in form.inputs if i.tag == "input" and i.get("type", "text") in ("text", "search")]
    return [name for name in names if name]


def test_no_search_matches_a_coordinator_on_what_the_page_does_not_show(scene, hidden_person, caplog):
    """Searching a value the page does not show finds nothing: otherwise a coordinator reads it a letter at a time
    (an email via the enrolment search, a masked IIN via the people search)."""
    caplog.set_level(logging.ERROR, logger="django.request")
    client = scene["client"]
    problems, searched = [], 0
    for url in coordinator_pages(scene["objects"]):
        with rolled_back():
            page = client.get(url)
        if not page["Content-Type"].startswith("text/html"):
            continue
        shown = page.content.decode()
        for name in search_fields(page.content):
            nothing = client.get(url, {name: "zzqx-no-such-thing"}).content.decode()
            for secret in hidden_person:
                if secret in shown:  # the page shows it: searching it reveals nothing new
                    continue
                searched += 1
                found = client.get(url, {name: secret}).content.decode()
                if HIDDEN_NAME in found or found.count("<tr") != nothing.count("<tr"):
                    problems.append(f"{url}?{name}={secret} matches a value the page does not show")
    assert searched >= 10, "too few searches were tried: are the list pages' search forms found?"
    assert not problems, "\n".join(problems)
