"""Class 8 of issue #16: behind the reverse proxy, each client is itself.

Behind nginx every request comes from 127.0.0.1. These tests stand a trusted proxy at 127.0.0.1 (TRUSTED_PROXIES) and
send clients through it with X-Forwarded-For, and check generically:

* the client address is believed only from a trusted proxy: a direct client's X-Forwarded-For changes nothing;
* every rate-limited public view (found by watching which ones write a rate-limit counter, not from a list) counts
  per client, so one client's posts do not limit another's;
* the counters' cache keys hold no address, no plain hash of one, and cannot be recomputed without SECRET_KEY;
* the staff login locks per username, from any address, with a backoff that doubles while the tries go on.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from coalition.proxy import client_ip
from tests.security.urlmap import routes

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"
PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY, "::1"]
    return settings


def via_proxy(client_address: str) -> dict:
    """The request headers nginx sends for a client at ``client_address`` (proxy_add_x_forwarded_for)."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


# --- whose address --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxy configured: the header is ignored
        (["127.0.0.1"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # a direct client cannot claim another address
        (["127.0.0.1"], "127.0.0.1", "198.51.100.1", "198.51.100.1"),  # through nginx
        (
            ["127.0.0.1"],
            "127.0.0.1",
            "6.6.6.6, 198.51.100.1",
            "198.51.100.1",
        ),  # the client's own prefix is not believed
        (["127.0.0.1", "10.0.0.0/8"], "127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", "198.51.100.1"),  # two proxies
        (["127.0.0.1"], "127.0.0.1", "", "127.0.0.1"),  # the proxy itself (a health check)
        (["127.0.0.1"], "127.0.0.1", "not-an-address", "127.0.0.1"),  # garbage is not an address
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_address_is_believed_only_from_a_trusted_proxy(settings, trusted, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_no_code_but_the_proxy_module_reads_remote_addr():
    """One place decides whose address a request is; everything else asks it (coalition.proxy.client_ip)."""
    reads = re.compile(r"""META(\.get\(|\[)\s*["']REMOTE_ADDR""")
    offenders = []
    for app in ["coalition", "members", "donations", "events"]:
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "proxy.py" and path.parent.name == "coalition":
                continue
            if reads.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- rate limits: per client, under a secret key ----------------------------------------------------------------


def _rate_keys() -> set[str]:
    client = cache._cache.get_client()  # the Redis connection of the default cache
    return {key.decode() for key in client.keys("*") if b":rl:" in key}


def _counter_keys(path: str, method: str, **headers) -> set[str]:
    """The rate-limit counters one request writes (the cache is emptied first)."""
    cache.clear()
    Client().generic(method, path, **headers)
    return _rate_keys()


def _rate_limited_public_endpoints() -> list[tuple[str, str]]:
    """Every (path, method) of a public view that keeps a rate-limit counter, found by trying each once."""
    found = []
    for route in routes():
        if not route.is_public or route.name in {"set_language"}:
            continue
        path = route.url()
        for method in ("GET", "POST"):
            if _counter_keys(path, method, **via_proxy("192.0.2.1")):
                found.append((path, method))
    return found


FROZEN = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # counters are per time window: one window for the whole test


@time_machine.travel(FROZEN, tick=False)
def test_every_rate_limited_public_view_counts_per_client_behind_the_proxy(behind_proxy, settings):
    endpoints = _rate_limited_public_endpoints()
    paths = {path for path, _method in endpoints}
    # the public forms everyone knows are rate-limited are among those found (the discovery itself works)
    for name in ["members:join", "donations:donate", "hotline:report", "hotline:status"]:
        assert reverse(name) in paths, name
    for path, method in endpoints:
        alice = _counter_keys(path, method, **via_proxy("198.51.100.10"))
        bob = _counter_keys(path, method, **via_proxy("198.51.100.20"))
        assert alice and bob and alice != bob, (path, method)  # two clients, two counters
        # a client talking to the app directly cannot pick its counter with the header
        spoof_one = _counter_keys(path, method, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.1")
        spoof_two = _counter_keys(path, method, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.2")
        assert spoof_one == spoof_two, (path, method)
        # nor can a client behind the proxy, by prefixing its own X-Forwarded-For
        prefixed = _counter_keys(path, method, **via_proxy("10.9.9.3, 198.51.100.10"))
        assert prefixed == alice, (path, method)


@time_machine.travel(FROZEN, tick=False)
def test_one_client_posting_too_much_does_not_close_the_hotline_for_the_others(behind_proxy, settings):
    settings.HOTLINE_RATE = "3/h"
    cache.clear()
    noisy, other = Client(), Client()
    answers = [noisy.post(reverse("hotline:report"), {}, **via_proxy("198.51.100.10")).status_code for _ in range(4)]
    assert answers[-1] == 429 and 429 not in answers[:3]
    assert other.post(reverse("hotline:report"), {}, **via_proxy("198.51.100.20")).status_code != 429
    assert noisy.post(reverse("hotline:report"), {}, **via_proxy("198.51.100.10")).status_code == 429


def _hashes(address: str) -> set[str]:
    raw = address.encode()
    return {algorithm(raw).hexdigest() for algorithm in (hashlib.md5, hashlib.sha1, hashlib.sha256)}


@time_machine.travel(FROZEN, tick=False)
def test_rate_limit_keys_hold_no_address_and_depend_on_the_secret_key(behind_proxy, settings):
    """What Redis keeps about a hotline reporter cannot be turned back into an address without SECRET_KEY."""
    address = "198.51.100.77"
    path, method = reverse("hotline:report"), "POST"
    keys = _counter_keys(path, method, **via_proxy(address))
    assert keys
    for key in keys:
        assert address not in key
        assert not any(digest in key for digest in _hashes(address)), key
    # the same request under another secret key gives other keys: the address alone does not determine them
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-" + "x" * 20
    assert _counter_keys(path, method, **via_proxy(address)).isdisjoint(keys)


# --- the staff login: per username, with backoff ------------------------------------------------------------------


def _login(username: str, password: str, address: str, agent: str = "Firefox"):
    data = {"username": username, "password": password}
    return Client().post(reverse("login"), data, HTTP_USER_AGENT=agent, **via_proxy(address))


def test_a_lockout_is_per_username_from_any_address_and_records_the_client(behind_proxy, staff_user, trainer):
    from axes.models import AccessAttempt

    for n in range(5):  # five wrong passwords for one account, each from another address and browser
        _login(staff_user.username, "wrong-password", f"198.51.100.{n + 1}", agent=f"Browser/{n}")
    assert _login(staff_user.username, PASSWORD, "198.51.100.99").status_code == 429  # the account is locked
    assert _login(trainer.username, PASSWORD, "198.51.100.1").status_code == 302  # others are not, same address
    recorded = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert recorded >= {f"198.51.100.{n + 1}" for n in range(5)} and PROXY not in recorded


def test_a_lockout_starts_short_and_doubles_while_the_tries_go_on(behind_proxy, settings, staff_user):
    settings.LOGIN_LOCKOUT_MINUTES = 10
    settings.AXES_FAILURE_LIMIT = 5
    name, address = staff_user.username, "198.51.100.1"
    with time_machine.travel(FROZEN, tick=False) as clock:
        for _ in range(5):
            _login(name, "wrong-password", address)
        clock.shift(timedelta(minutes=11))  # the first lockout lasts LOGIN_LOCKOUT_MINUTES
        assert _login(name, PASSWORD, address).status_code == 302
        for _ in range(5):
            _login(name, "wrong-password", address)
        clock.shift(timedelta(minutes=1))
        assert _login(name, PASSWORD, address).status_code == 429  # a try while locked: now 20 minutes
        clock.shift(timedelta(minutes=11))
        assert _login(name, PASSWORD, address).status_code == 429  # still locked; and this try makes it 40
        clock.shift(timedelta(minutes=39))
        assert _login(name, PASSWORD, address).status_code == 429  # 80 from here
        clock.shift(timedelta(minutes=81))
        assert _login(name, PASSWORD, address).status_code == 302


def test_another_usernames_failures_do_not_end_a_lockout(behind_proxy, settings, staff_user):
    """Each username's attempts expire on their own backoff: a stranger's failed login cleans up nothing of ours."""
    settings.LOGIN_LOCKOUT_MINUTES = 10
    with time_machine.travel(FROZEN, tick=False) as clock:
        for _ in range(7):  # locked, then two more tries: 40 minutes from the last
            _login(staff_user.username, "wrong-password", "198.51.100.1")
        clock.shift(timedelta(minutes=15))
        _login("someone-else", "wrong-password", "198.51.100.2")  # axes cleans expired attempts here
        assert _login(staff_user.username, PASSWORD, "198.51.100.3").status_code == 429
