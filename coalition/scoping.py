"""Region scoping of every choice a form offers (issue #16, class 3).

Every staff form that offers model choices inherits :class:`ScopedForm` (a filter set: :class:`ScopedFilterSet`) and
is built with the ``user`` it is shown to. After the form is built, each ``ModelChoiceField`` /
``ModelMultipleChoiceField`` is narrowed to that user's region by the rule :data:`REGION_SCOPES` holds for its
model, so a coordinator is neither offered nor can post an object of another region (the field's own validation
refuses an id outside its queryset). A field offering data that is the same for every region (courses, agencies,
the list of regions on a public form) says so in the form's ``national_fields``, with the reason.

A model-choice field with neither a rule nor an opt-out is refused when the form is built (fail closed), and
``tests/security/test_form_scoping.py`` walks every form class of the project to catch it before that.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from coalition.access import scoped_region


def _by(path: str) -> Callable[[QuerySet, Any], QuerySet]:
    return lambda queryset, region: queryset.filter(**{path: region})


def _people(queryset: QuerySet, region) -> QuerySet:
    # The people a coordinator sees on the people list (members.selectors.people): recorded in the region, or
    # acting for one of its organizations. A subquery keeps the affiliations join from duplicating choices.
    in_region = queryset.model._default_manager.filter(Q(region=region) | Q(affiliations__organization__region=region))
    return queryset.filter(pk__in=in_region.values("pk"))


def _users(queryset: QuerySet, region) -> QuerySet:
    # Staff accounts of the region, and national ones (HQ staff, trainers: no region in their profile).
    return queryset.filter(Q(profile__region=region) | Q(profile__region__isnull=True))


# model label -> how to narrow a queryset of that model to one region.
REGION_SCOPES: dict[str, Callable[[QuerySet, Any], QuerySet]] = {
    "coalition.region": lambda queryset, region: queryset.filter(pk=region.pk),
    "auth.user": _users,
    "members.organization": _by("region"),
    "members.person": _people,
    "events.event": _by("region"),
    "events.trainingsession": _by("region"),
    "events.pollingstation": _by("region"),
    "events.accreditation": _by("organization__region"),
    "events.enrolment": _by("session__region"),
    "events.certificate": _by("enrolment__session__region"),
    "events.assignment": _by("station__region"),
    "events.registration": _by("event__region"),
    "hotline.report": _by("region"),
}

MODEL_CHOICE_FIELDS = (forms.ModelChoiceField,)  # ModelMultipleChoiceField is a subclass
MODEL_CHOICE_FILTERS = (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)


def scope_fields(fields: Mapping[str, forms.Field], user, national: Mapping[str, str], owner: str) -> None:
    """Narrow every model-choice field of ``fields`` to ``user``'s region (nothing to narrow for national roles)."""
    region = None
    for name, field in fields.items():
        if not isinstance(field, MODEL_CHOICE_FIELDS) or name in national:
            continue
        queryset = field.queryset
        if queryset is None:
            raise ImproperlyConfigured(f"{owner}.{name} is a model-choice field without a queryset.")
        label = queryset.model._meta.label_lower
        rule = REGION_SCOPES.get(label)
        if rule is None:
            raise ImproperlyConfigured(
                f"{owner}.{name} offers {label} objects: add a rule to coalition.scoping.REGION_SCOPES, or name the "
                "field in national_fields with the reason it is the same for every region."
            )
        if region is None:
            region = scoped_region(user)
            if region is None:
                return
        field.queryset = rule(queryset, region)
        if label == "coalition.region" and field.initial is None:
            field.initial = region.pk  # the one region there is to choose


class ScopedForm:
    """A staff form whose model choices are limited to the region of the user it is built for.

    Subclasses take ``user`` and pass it on (``super().__init__(*args, user=user, **kwargs)``); querysets they set
    in their own ``__init__`` are narrowed too, since the narrowing runs when the outermost ``__init__`` returns.
    """

    national_fields: Mapping[str, str] = {}  # field name -> why its choices are the same for every region

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _narrow_after(cls.__dict__["__init__"])  # type: ignore[method-assign]  # the point


def _narrow_after(init):
    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        depth = self.__dict__.get("_scoping_depth", 0)
        self._scoping_depth = depth + 1
        try:
            init(self, *args, **kwargs)
        finally:
            self._scoping_depth = depth
        if depth == 0:
            scope_fields(self.fields, self.user, self.national_fields, type(self).__name__)

    return wrapper


# A subclass without its own __init__ is narrowed too.
ScopedForm.__init__ = _narrow_after(ScopedForm.__init__)  # type: ignore[method-assign]


class ScopedFilterSet(django_filters.FilterSet):
    """A filter set (search form of a staff list) whose model choices are limited to the user's region."""

    national_fields: Mapping[str, str] = {}

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        self.user = user
        super().__init__(data, queryset, **kwargs)

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_region_scoped", False):
            scope_fields(form.fields, self.user, self.national_fields, type(self).__name__)
            form._region_scoped = True  # type: ignore[attr-defined]  # a mark of ours on the built form
        return form
