"""The client's address behind the reverse proxy, and the salted hash that rate-limit counters are keyed by.

Behind nginx every request comes from 127.0.0.1; the client's address is in ``X-Forwarded-For``, which nginx appends
to (``proxy_add_x_forwarded_for``). That header is trusted only when the peer itself is a proxy listed in
``TRUSTED_PROXIES`` (addresses or networks; empty by default, which means REMOTE_ADDR is the client): then the
client is the right-most address in the header that is not a trusted proxy. A client talking to the app directly
cannot move its own key by sending the header. Django dropped its own X-Forwarded-For middleware (release notes of
1.1) because the header can only be believed from proxies one knows; this is that check, in one function: about
twenty lines of the standard library ``ipaddress``, keyed on the peer, rather than a dependency whose proxy options are
configured in terms of the header's contents.

django-axes (``AXES_CLIENT_IP_CALLABLE``) and django-ratelimit (``RATELIMIT_IP_META_KEY``) both ask
:func:`client_ip`; nothing else in the code reads ``REMOTE_ADDR`` (tests/security/test_behind_proxy.py checks).
django-ratelimit hashes its key material with ``RATELIMIT_HASH_ALGORITHM``: :class:`SaltedHash` is an HMAC keyed by
SECRET_KEY, so a cache key cannot be recomputed from a guessed address (an unsalted SHA-256 of 2^32 IPv4 addresses
is an afternoon's work) and Redis holds nothing that leads back to a hotline reporter.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES holds something that is not an address or network: {exc}") from exc


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or what a trusted proxy says it received the request from."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    proxies = trusted_proxies()
    if not proxies or not _is_trusted(_address(peer), proxies):
        return peer  # a direct client: its X-Forwarded-For, if any, is its own invention and is ignored
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    # Right to left: each trusted proxy appended the address it received the request from; the first address no
    # proxy of ours vouches for is the client. Anything left of it was written by the client and is not believed.
    for entry in reversed(forwarded.split(",")):
        address = _address(entry)
        if address is None:
            break  # garbage in the header: stop believing it, fall back to the last proxy
        if not _is_trusted(address, proxies):
            return str(address)
        peer = str(address)
    return peer


class SaltedHash:
    """A hashlib-like object for ``RATELIMIT_HASH_ALGORITHM``: HMAC-SHA256 of the key material, keyed by SECRET_KEY."""

    def __init__(self, data: bytes = b"") -> None:
        self._hmac = salted_hmac("coalition.proxy.ratelimit", data, algorithm="sha256")

    def hexdigest(self) -> str:
        return self._hmac.hexdigest()
