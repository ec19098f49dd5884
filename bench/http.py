"""HTTP load on a real gunicorn: start it, log in, drive it with wrk for a fixed number of requests."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from coalition.workers import database_url

BASE_DIR = Path(__file__).resolve().parent.parent

# One connection per wrk thread: each connection's requests run in order, so the script knows which answer
# belongs to a GET and which to a POST and counts any unexpected status as an error.
#
# wrk runs for its whole -d duration even when every thread has stopped (wrk.thread:stop() only ends that thread's
# loop), and divides by that duration. So each thread notes when it sent its first request and when its last
# answer came (CLOCK_MONOTONIC through LuaJIT's ffi) and leaves a marker file; the caller interrupts wrk (SIGINT,
# which wrk handles by printing its summary) once every thread is done, and the rate is computed from the threads'
# own first and last moments.
WRK_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *t);
]]
local function now_us()
  local t = ffi.new("bench_timespec")
  ffi.C.clock_gettime(1, t)
  return tonumber(t.tv_sec) * 1000000 + tonumber(t.tv_nsec) / 1000
end
local marker_dir = "%(marker_dir)s"
local cookie = "%(cookie)s"
local get_path, post_path = "%(get)s", "%(post)s"
local body_tpl = "%(body)s"
local mode = "%(mode)s"
local limit = %(limit)d
local stride = %(stride)d
local run_id = %(run_id)d
local bins = {%(bins)s}
local threads = {}
sent, answered, bad, started, finished = 0, 0, 0, 0, 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

-- Form mode plays one new visitor per GET+POST pair, as browsers do: the GET carries no cookie, the answer's CSRF
-- cookie and every hidden input of the form (in document order, duplicates included) go with the POST that follows.
local form_marker = "%(form_marker)s"
local visitor_cookie, visitor_fields, last_kind = nil, nil, nil

local function urlencode(text)
  return (string.gsub(text, "[^%%w%%-_%%.~]", function(c) return string.format("%%%%%%02X", string.byte(c)) end))
end

local function unescape_html(text)
  text = string.gsub(text, "&quot;", '"')
  text = string.gsub(text, "&#x27;", "'")
  text = string.gsub(text, "&lt;", "<")
  text = string.gsub(text, "&gt;", ">")
  return (string.gsub(text, "&amp;", "&"))
end

local function read_visitor(headers, body)
  local cookie = headers["Set-Cookie"] or headers["set-cookie"] or ""
  local name, value = string.match(cookie, "^%%s*([^=;]+)=([^;]*)")
  local start = string.find(body or "", form_marker, 1, true)
  if not start or not name then return end
  local stop = string.find(body, "</form>", start, true) or #body
  local pairs_ = {}
  for tag in string.gmatch(string.sub(body, start, stop), "<input[^>]*>") do
    if string.find(tag, 'type="hidden"', 1, true) then
      local field = string.match(tag, 'name="([^"]*)"')
      local val = string.match(tag, 'value="([^"]*)"') or ""
      if field then table.insert(pairs_, urlencode(field) .. "=" .. urlencode(unescape_html(val))) end
    end
  end
  visitor_cookie, visitor_fields = name .. "=" .. value, table.concat(pairs_, "&")
end

function request()
  if started == 0 then started = now_us() end
  sent = sent + 1
  local id = (tid or 0) * stride + sent
  -- A new client address per request and per run (the rate limit keys IPv6 on its first 64 bits).
  local ip = string.format("fd00:%%x:%%x:%%x::1", run_id, tid or 0, id %% 65536)
  if mode == "form" and visitor_fields then
    local headers = {["Cookie"] = visitor_cookie, ["X-Bench-Client"] = ip,
                     ["Content-Type"] = "application/x-www-form-urlencoded"}
    local body = string.gsub(body_tpl, "BINVALUE", bins[(tid or 0) * stride + sent] or "000000000000")
    if visitor_fields ~= "" then body = body .. "&" .. visitor_fields end
    visitor_cookie, visitor_fields, last_kind = nil, nil, "POST"
    return wrk.format("POST", post_path, headers, body)
  end
  last_kind = "GET"
  if mode == "form" then  -- a new visitor: no cookie at all
    return wrk.format("GET", get_path, {["X-Bench-Client"] = ip})
  end
  return wrk.format("GET", get_path, {["Cookie"] = cookie, ["X-Bench-Client"] = ip})
end

function response(status, headers, body)
  answered = answered + 1
  -- Which request an answer belongs to is not known for sure (wrk re-sends on a new connection when the server
  -- closes a kept-alive one, calling request() again), so an answer is judged by itself: the page (200, with no
  -- form error in it) or, for the form's POST, the redirect to its confirmation page. A 403 (CSRF) is an error.
  local ok = status == 200 and not string.find(body or "", "is-invalid", 1, true)
  if mode == "form" and status == %(post_status)d and status ~= 200 then
    ok = string.find(headers["Location"] or "", "%(post_location)s", 1, true) ~= nil
  end
  if mode == "form" and last_kind == "GET" and status == 200 then
    read_visitor(headers, body)
    if not visitor_fields then ok = false end  -- the page lacks its form or its CSRF cookie
  end
  if not ok then
    bad = bad + 1
    wrong_codes = (wrong_codes or "") .. " " .. tostring(status)
  end
  if answered == limit then
    finished = now_us()
    local marker = io.open(string.format("%%s/thread-%%d.done", marker_dir, tid or 0), "w")
    marker:write(tostring(finished))
    marker:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local wrong, first, last = 0, nil, 0
  for _, t in ipairs(threads) do
    wrong = wrong + (t:get("bad") or 0)
    local s, f = t:get("started") or 0, t:get("finished") or 0
    if s > 0 and (first == nil or s < first) then first = s end
    if f > last then last = f end
  end
  for _, t in ipairs(threads) do
    local codes = t:get("wrong_codes")
    if codes then io.write("WRONG" .. codes .. "\n") end
  end
  local duration = summary.duration
  if first ~= nil and last > first then duration = last - first end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%%d duration_us=%%d p50_us=%%d p95_us=%%d wrong_status=%%d socket_errors=%%d\n",
    summary.requests, duration, latency:percentile(50), latency:percentile(95), wrong,
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
    """Serve the app (bench settings) on 127.0.0.1 with ``workers`` threaded workers; yield its base URL."""
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
            # Threaded workers: a sync worker blocks on a connection that wrk opened but no longer uses (a stopped
            # thread's reconnect) until the worker timeout, starving the threads still running.
            "-k",
            "gthread",
            "--threads",
            "4",
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

    def login(self, username: str, password: str, *, totp_key: str = "") -> None:
        """Log in through the login form and, with ``totp_key``, the second-factor page (the current TOTP code)."""
        token = self.token("/accounts/login/")
        self.post("/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password})
        if not any(c.name == "sessionid" for c in self.jar):
            raise RuntimeError("login refused")
        if totp_key:
            from binascii import unhexlify

            from django_otp.oath import totp

            token = self.token("/accounts/two-factor/verify/")
            code = f"{totp(unhexlify(totp_key)):06d}"
            page = self.post("/accounts/two-factor/verify/", {"csrfmiddlewaretoken": token, "code": code})
            if 'name="code"' in page:
                raise RuntimeError("second factor refused")

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
    post_location: str = "/done/",
    form_marker: str = 'id="join-form"',
) -> LoadResult:
    """Run wrk with ``threads`` connections until ``requests`` answers (GET, or GET+POST alternately)."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    limit = max(2, requests // threads)
    stride = limit + 4
    markers = Path(tempfile.mkdtemp(prefix="wrk-", dir=log_dir))
    script = WRK_SCRIPT % {
        "marker_dir": str(markers),
        "cookie": cookie,
        "get": get,
        "post": post or get,
        "body": body,
        "mode": "form" if post else "get",
        "post_status": post_status,
        "post_location": post_location,
        "form_marker": form_marker.replace('"', '\\"'),
        "limit": limit,
        "stride": stride,
        "run_id": secrets.randbelow(65536),
        "bins": ",".join(f'"{b}"' for b in (bins or [])),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=log_dir, delete=False) as handle:
        handle.write(script)
    proc = subprocess.Popen(  # noqa: S603 - our own command line
        [
            shutil.which("wrk") or "wrk",
            "-t",
            str(threads),
            "-c",
            str(threads),
            "-d",
            "600s",
            "--timeout",
            "30s",
            "-s",
            handle.name,
            f"{base}{get}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 590
    while len(list(markers.glob("thread-*.done"))) < threads and proc.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # wrk prints its summary and runs done() on SIGINT
    out, _ = proc.communicate(timeout=60)
    match = re.search(
        r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p95_us=(\d+) wrong_status=(\d+) socket_errors=(\d+)",
        out,
    )
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    for line in out.splitlines():
        if line.startswith("WRONG"):
            sys.stderr.write(f"wrk: unexpected statuses:{line[5:]}\n")
    n, us, p50, p95, wrong, sock = (int(g) for g in match.groups())
    return LoadResult(requests=n, seconds=us / 1e6, p50_ms=p50 / 1000, p95_ms=p95 / 1000, errors=wrong + sock)


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a server or worker the benchmark starts: bench settings, this process's database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "60",
        **extra,
    }
