"""Which model fields hold personal data or secrets, and who may see them on the admin sites.

Each app lists its classified fields in its own ``privacy.py`` as ``CLASSIFIED = {"Model": {"field": Privacy.X}}``
(this module holds the coalition app's own list, as ``coalition/roles.py`` holds its permissions). The two admin
sites are built from that list (:class:`PrivacyAdminMixin`, applied by ``coalition.admin_sites`` to every model
registered there): a field hidden from a site's audience is not listed, shown, searched, filtered or looked up on
that site, and no object's name (``__str__``, used in titles, breadcrumbs, history and related-object links) shows
it there either (:func:`guard_names`).

| level | /admin/ (superusers) | /audit/ (auditors) |
|---|---|---|
| ``AUDITED`` personal data the auditors must check (the fund's donors, reported to the commission) | shown | shown |
| ``PERSONAL`` personal data (names, contacts, IINs, free text about people) | shown | hidden |
| ``SECRET`` secrets, capability tokens, a hotline reporter's identity and contact | hidden | hidden |

A hotline reporter's identity is seen by the integrity officer alone, through the logged view; a superuser is not
the integrity officer, so it is ``SECRET`` for the full admin too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from enum import StrEnum
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.checks import Error, register
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.mixins import FieldCacheMixin

if TYPE_CHECKING:
    # The mixins below are only ever combined with these admin classes: let mypy check them as such.
    from django.contrib.admin import ModelAdmin
    from django.contrib.admin.options import InlineModelAdmin

    _AdminBase = ModelAdmin[Any]
    _InlineBase = InlineModelAdmin[Any, Any]
else:
    _AdminBase = _InlineBase = object


class Privacy(StrEnum):
    AUDITED = "audited"
    PERSONAL = "personal"
    SECRET = "secret"  # noqa: S105 - the name of a level, not a password


class Audience(StrEnum):
    """Who reads an admin site."""

    SUPERUSER = "superuser"
    AUDITOR = "auditor"


HIDDEN_FROM: dict[Audience, frozenset[Privacy]] = {
    Audience.SUPERUSER: frozenset({Privacy.SECRET}),
    Audience.AUDITOR: frozenset({Privacy.PERSONAL, Privacy.SECRET}),
}

# The coalition app's own classification.
CLASSIFIED: dict[str, dict[str, Privacy]] = {
    "Profile": {"phone": Privacy.PERSONAL},
    # The audit log's details and object names carry the people acted on (names, emails): auditors follow the
    # chain by time, actor, action, object type and id.
    "AuditEntry": {"object_repr": Privacy.PERSONAL, "data": Privacy.PERSONAL},
    # A message may go to a hotline reporter: its address and text tie them to the case code. Keys name staff
    # addresses (one message per officer), subjects may name the person.
    "OutboundMessage": {
        "recipient": Privacy.SECRET,
        "body": Privacy.SECRET,
        "html_body": Privacy.SECRET,
        "last_error": Privacy.SECRET,  # a refused address is quoted in the gateway's error
        "subject": Privacy.PERSONAL,
        "key": Privacy.PERSONAL,
    },
    # The candidate's IIN identifies their own money in the fund: the auditors check it.
    "Election": {"candidate_iin": Privacy.AUDITED},
}


_UNKNOWN: list[str] = []


@cache
def classification() -> dict[type[models.Model], dict[str, Privacy]]:
    """Gather every app's ``CLASSIFIED`` into one mapping model -> {field name: level}.

    A name that is not a model or a field of its model is left out and reported by the system check
    ``coalition.E010`` (a renamed field must be classified again, not silently dropped).
    """
    merged: dict[type[models.Model], dict[str, Privacy]] = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.privacy")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.privacy":
                raise
            continue
        for model_name, fields in getattr(module, "CLASSIFIED", {}).items():
            try:
                model = config.get_model(model_name)
            except LookupError:
                _UNKNOWN.append(f"{config.name}.privacy: no model {model_name!r}")
                continue
            for name, level in fields.items():
                try:
                    model._meta.get_field(name)
                except FieldDoesNotExist:
                    _UNKNOWN.append(f"{config.name}.privacy: {model_name} has no field {name!r}")
                    continue
                merged.setdefault(model, {})[name] = Privacy(level)
    return merged


@register()
def check_classification(app_configs, **kwargs) -> list[Error]:
    """Report classified names that are no field (``manage.py check``, run by the test suite)."""
    classification()
    return [Error(problem, id="coalition.E010") for problem in _UNKNOWN]


def classified_fields(model: type[models.Model]) -> dict[str, Privacy]:
    """Return the classified fields of ``model`` (of its concrete model for a proxy)."""
    return classification().get(model._meta.concrete_model or model, {})


def hidden_fields(model: type[models.Model], audience: Audience) -> frozenset[str]:
    """Return the names of the fields of ``model`` that ``audience`` may not see."""
    hidden = HIDDEN_FROM[audience]
    return frozenset(name for name, level in classified_fields(model).items() if level in hidden)


def path_is_hidden(model: type[models.Model], path: str, audience: Audience) -> bool:
    """Whether a lookup path (``person__email__icontains``, ``recipient``) reads a field hidden from ``audience``.

    Every step is checked against the model it belongs to; transforms and lookups after the last field are fine.
    """
    current = model
    for part in path.lstrip("-").split("__"):
        if part == "pk":
            return False
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a transform or lookup (contains, isnull, year...): the field before it was checked
        if field.name in hidden_fields(current, audience) or getattr(field, "attname", None) in hidden_fields(
            current, audience
        ):
            return True
        related = field.related_model
        if not field.is_relation or related is None or isinstance(related, str):
            return False
        current = related
    return False


# --- Object names -----------------------------------------------------------------------------------------------

_audience: ContextVar[Audience | None] = ContextVar("privacy_audience", default=None)


@contextlib.contextmanager
def reading_as(audience: Audience) -> Iterator[None]:
    """Name objects for ``audience`` while the block runs (the admin sites wrap each of their views in this)."""
    token = _audience.set(audience)
    try:
        yield
    finally:
        _audience.reset(token)


def neutral_name(obj: models.Model) -> str:
    """Return a name that shows nothing classified: the kind of object and its id."""
    return f"{obj._meta.verbose_name} #{obj.pk}"


def _hidden_values(obj: models.Model, audience: Audience, depth: int = 2) -> Iterator[str]:
    """Yield the values of ``obj``'s hidden fields, and of the related objects already loaded on it."""
    hidden = hidden_fields(type(obj), audience)
    for field in obj._meta.concrete_fields:
        if field.name in hidden:
            value = obj.__dict__.get(field.attname)
            if value not in (None, "", b"") and not isinstance(value, bool | bytes | memoryview):
                yield str(value)
        elif depth and field.is_relation and isinstance(field, FieldCacheMixin) and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if related is not None:
                yield from _hidden_values(related, audience, depth - 1)


def _reveals(obj: models.Model, text: str, audience: Audience) -> bool:
    lowered = text.casefold()
    for value in _hidden_values(obj, audience):
        shown = value.strip().casefold()
        if len(shown) >= 2 and shown in lowered:
            return True
    return False


def _guarded(original):
    def __str__(self) -> str:
        text = original(self)
        audience = _audience.get()
        if audience is not None and _reveals(self, text, audience):
            return neutral_name(self)
        return text

    __str__.privacy_guarded = True  # type: ignore[attr-defined]
    return __str__


def _models_near_classified() -> set[type[models.Model]]:
    """Return the models with classified fields and those whose name may read one through a relation."""
    near = {model for model, fields in classification().items() if set(fields.values()) - {Privacy.AUDITED}}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in near:
                continue
            related = (f.related_model for f in model._meta.concrete_fields if f.is_relation)
            if any(isinstance(r, type) and r._meta.concrete_model in near for r in related):
                near.add(model)
                changed = True
    return near


def guard_names() -> None:
    """Make the name of every model with classified fields (or a relation to one) safe on the admin sites.

    While a site's view runs (:func:`reading_as`), an object whose ``__str__`` contains the value of a field hidden
    from that audience — its own, or one of a related object it loaded (``CommitteeMember`` named after its
    person) — is named :func:`neutral_name` instead. Outside the admin sites (the staff pages, which check roles
    themselves) names are unchanged.
    """
    for model in _models_near_classified():
        original = model.__str__
        if not getattr(original, "privacy_guarded", False):
            model.__str__ = _guarded(original)  # type: ignore[method-assign]  # replacing it is the point


# --- Admin ------------------------------------------------------------------------------------------------------


class PrivacyAdminMixin(_AdminBase):
    """Build a ModelAdmin's pages from the classification for its site's audience.

    Hidden fields are left out of the form, the change and list pages, search, filters, sorting and date drilling,
    and any lookup through one (``?recipient__contains=``) is refused, even via a relation. Inlines get the same.
    """

    privacy_audience: Audience

    def _hidden(self) -> frozenset[str]:
        return hidden_fields(self.model, self.privacy_audience)

    def _visible(self, names) -> list:
        return [name for name in names if not _names_hidden(self.model, name, self.privacy_audience)]

    def get_fields(self, request, obj=None):
        return self._visible(super().get_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        return [
            (title, {**options, "fields": _visible_fieldset(self.model, options["fields"], self.privacy_audience)})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_readonly_fields(self, request, obj=None):
        return self._visible(super().get_readonly_fields(request, obj))

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), *sorted(self._hidden())]

    def get_list_display(self, request):
        return self._visible(super().get_list_display(request))

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        return None if links is None else [link for link in links if link in list_display] or list_display[:1]

    def get_search_fields(self, request):
        return [
            field
            for field in super().get_search_fields(request)
            if not path_is_hidden(self.model, field.lstrip("^=@"), self.privacy_audience)
        ]

    def get_list_filter(self, request):
        return [
            spec
            for spec in super().get_list_filter(request)
            if not (
                (path := _filter_path(spec)) is not None and path_is_hidden(self.model, path, self.privacy_audience)
            )
        ]

    def get_sortable_by(self, request):
        return self._visible(super().get_sortable_by(request))

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if path_is_hidden(self.model, lookup, self.privacy_audience):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_inlines(self, request, obj):
        return [private_inline(inline, self.privacy_audience) for inline in super().get_inlines(request, obj)]


def _filter_path(spec: object) -> str | None:
    """Return the field path a ``list_filter`` entry reads: a name, or the name of a ``(name, filter)`` pair."""
    if isinstance(spec, tuple):
        spec = spec[0]
    return spec if isinstance(spec, str) else None


def _names_hidden(model, name, audience: Audience) -> bool:
    return isinstance(name, str) and path_is_hidden(model, name, audience)


def _visible_fieldset(model, fields, audience: Audience) -> list:
    visible = []
    for entry in fields:
        if isinstance(entry, list | tuple):
            kept = [name for name in entry if not _names_hidden(model, name, audience)]
            if kept:
                visible.append(tuple(kept))
        elif not _names_hidden(model, entry, audience):
            visible.append(entry)
    return visible


@cache
def private_inline(inline_class, audience: Audience):
    """Return ``inline_class`` built from the classification for ``audience`` (made once per class)."""
    if issubclass(inline_class, _PrivateInlineMixin):
        return inline_class
    return type(inline_class.__name__, (_PrivateInlineMixin, inline_class), {"privacy_audience": audience})


class _PrivateInlineMixin(_InlineBase):
    privacy_audience: Audience

    def get_fields(self, request, obj=None):
        return [n for n in super().get_fields(request, obj) if not _names_hidden(self.model, n, self.privacy_audience)]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [n for n in fields if not _names_hidden(self.model, n, self.privacy_audience)]

    def get_exclude(self, request, obj=None):
        hidden = sorted(hidden_fields(self.model, self.privacy_audience))
        return [*(super().get_exclude(request, obj) or []), *hidden]
