"""HTTP load on a real gunicorn: start it, log in, drive it with wrk for a fixed number of requests."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# One connection per wrk thread: each connection's requests run in order, so the script knows which answer
# belongs to a GET and which to a POST and counts any unexpected status as an error.
WRK_SCRIPT = r"""
local cookie = "%(cookie)s"
local get_path, post_path = "%(get)s", "%(post)s"
local body_tpl = "%(body)s"
local mode = "%(mode)s"
local limit = %(limit)d
local stride = %(stride)d
local bins = {%(bins)s}
local threads = {}
sent, answered, bad = 0, 0, 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function request()
  sent = sent + 1
  local id = (tid or 0) * stride + sent
  local ip = string.format("10.%%d.%%d.%%d", tid or 0, math.floor(id / 250) %% 250, id %% 250)
  local headers = {["Cookie"] = cookie, ["X-Bench-Client"] = ip}
  if mode == "form" and sent %% 2 == 0 then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local body = string.gsub(body_tpl, "BINVALUE", bins[(tid or 0) * stride + sent / 2] or "000000000000")
    return wrk.format("POST", post_path, headers, body)
  end
  return wrk.format("GET", get_path, headers)
end

function response(status, headers, body)
  answered = answered + 1
  local expected = 200
  if mode == "form" and answered %% 2 == 0 then expected = %(post_status)d end
  if status ~= expected then bad = bad + 1 end
  if answered >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local wrong = 0
  for _, t in ipairs(threads) do wrong = wrong + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%%d duration_us=%%d p50_us=%%d p95_us=%%d wrong_status=%%d socket_errors=%%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), wrong,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, log_dir: Path):
    """Serve the app (bench settings) on 127.0.0.1 with ``workers`` sync workers; yield its base URL."""
    port = free_port()
    log = open(log_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # noqa: S603 - our own command line
        [
            sys.executable,
            "-m",
            "gunicorn",
            "coalition.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        env=env,
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/__bench__/floor/", timeout=5).read()  # noqa: S310 - loopback
                break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start: {(log_dir / 'gunicorn.log').read_text()[-2000:]}"
                    ) from exc
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


class Browser:
    """A cookie-keeping client for setting up a load run (CSRF token, login)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path, timeout=30).read().decode()

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode(data).encode()
        return self.opener.open(self.base + path, data=body, timeout=30).read().decode()

    def token(self, path: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path))
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def login(self, username: str, password: str) -> None:
        token = self.token("/accounts/login/")
        self.post("/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password})
        if not any(c.name == "sessionid" for c in self.jar):
            raise RuntimeError("login refused")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wrk(
    base: str,
    *,
    get: str,
    post: str = "",
    body: str = "",
    bins: list[str] | None = None,
    cookie: str = "",
    requests: int = 2000,
    threads: int = 4,
    log_dir: Path,
    post_status: int = 302,
) -> LoadResult:
    """Run wrk with ``threads`` connections until ``requests`` answers (GET, or GET+POST alternately)."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    limit = max(2, requests // threads)
    stride = limit + 4
    script = WRK_SCRIPT % {
        "cookie": cookie,
        "get": get,
        "post": post or get,
        "body": body,
        "mode": "form" if post else "get",
        "post_status": post_status,
        "limit": limit,
        "stride": stride,
        "bins": ",".join(f'"{b}"' for b in (bins or [])),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=log_dir, delete=False) as handle:
        handle.write(script)
    out = subprocess.run(  # noqa: S603 - our own command line
        [
            shutil.which("wrk") or "wrk",
            "-t",
            str(threads),
            "-c",
            str(threads),
            "-d",
            "300s",
            "--timeout",
            "30s",
            "-s",
            handle.name,
            f"{base}{get}",
        ],
        capture_output=True,
        text=True,
        timeout=400,
        check=True,
    ).stdout
    match = re.search(
        r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p95_us=(\d+) wrong_status=(\d+) socket_errors=(\d+)",
        out,
    )
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    n, us, p50, p95, wrong, sock = (int(g) for g in match.groups())
    return LoadResult(requests=n, seconds=us / 1e6, p50_ms=p50 / 1000, p95_ms=p95 / 1000, errors=wrong + sock)


def database_url() -> str:
    """Return the URL of the database this process uses, for the servers and workers it starts."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    if str(db["HOST"]).startswith("/"):
        return f"postgres://{db['USER']}@/{quote(str(db['HOST']))}/{db['NAME']}"
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a server or worker the benchmark starts: bench settings, this process's database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "60",
        **extra,
    }
