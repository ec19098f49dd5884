"""Every URL of the project, read from the resolver, for the deny-by-default test and the access-control matrix.

The two admin sites (/admin/ for superusers, /audit/ for auditors) each count as two entries: their index and one
model page; their hundreds of generated patterns are Django's, and the admin's own permission checks guard them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

ADMIN_SITES = {"admin", "audit"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    callback: object
    converters: dict  # argument name -> converter (int, str, slug)

    @property
    def is_public(self) -> bool:
        """Marked @login_not_required (LoginRequiredMiddleware lets anonymous users in)."""
        return getattr(self.callback, "login_required", True) is False

    def url(self, **values) -> str:
        """The path with ``values`` for its arguments; missing ones get a value that matches no object."""
        kwargs = {}
        for arg, converter in self.converters.items():
            if arg in values:
                kwargs[arg] = values[arg]
            else:
                kwargs[arg] = 999999 if type(converter).__name__ == "IntConverter" else "no-such-object"
        return reverse(self.name, kwargs=kwargs)


def routes() -> list[Route]:
    """Every named URL pattern outside the admin sites, with the converters of its arguments."""
    found: list[Route] = []

    def walk(patterns, namespace: list[str], converters: dict) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in ADMIN_SITES:
                    continue
                ns = [*namespace, pattern.namespace] if pattern.namespace else namespace
                walk(pattern.url_patterns, ns, {**converters, **getattr(pattern.pattern, "converters", {})})
            elif isinstance(pattern, URLPattern):
                if not pattern.name:
                    raise AssertionError(f"URL pattern {pattern.pattern} has no name: name it so tests can list it")
                name = ":".join([*namespace, pattern.name])
                found.append(
                    Route(name, pattern.callback, {**converters, **getattr(pattern.pattern, "converters", {})})
                )

    walk(get_resolver().url_patterns, [], {})
    return found


def admin_site_names() -> set[str]:
    """The namespaces of the admin sites mounted in the URLconf (to check none was added unseen)."""
    return {p.namespace for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.app_name == "admin"}
