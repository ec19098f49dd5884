"""Capability links in outgoing messages: stored as a reference, made into a link only when the message is sent.

A link that grants a power by itself (open a portal account, confirm or cancel someone's registration) must never
sit in a stored message, where the auditors' site, a backup or a database reader could take it. A message
carries :func:`placeholder` instead (``[[capability:events.registration:42]]``) and the delivery swaps it for the
link in the copy it hands to the gateway (:func:`render`), so the outbox row never holds the link.

Each kind of link is listed in :data:`CAPABILITIES` with the function that makes it from the object's id; the
function is imported when the first message needs it (a worker need not have imported the app's services).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from django.utils.module_loading import import_string

CAPABILITIES: dict[str, str] = {
    "members.invitation": "members.services.portal.invitation_link",
    "events.registration": "events.services.registration_manage_link",
    "electionday.signin": "electionday.services.devices.signin_url",
}

_PLACEHOLDER = re.compile(r"\[\[capability:([a-z_.]+):(\d+)\]\]")


def placeholder(kind: str, pk: int) -> str:
    """Return the reference a stored message carries in place of the link ``kind`` for object ``pk``."""
    if kind not in CAPABILITIES:
        raise KeyError(f"Unknown capability link {kind!r}: add it to coalition.outbox.links.CAPABILITIES.")
    return f"[[capability:{kind}:{pk}]]"


@cache
def _maker(kind: str) -> Callable[[int], str]:
    return import_string(CAPABILITIES[kind])


def render(text: str) -> str:
    """Return ``text`` with every placeholder replaced by its link (called by the delivery, for the gateway)."""
    if "[[capability:" not in text:
        return text
    return _PLACEHOLDER.sub(lambda match: _maker(match.group(1))(int(match.group(2))), text)
