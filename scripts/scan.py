"""Run the security scanners and print the findings per tool and severity; exit 1 on any high finding.

Called by ``make scan`` with DATABASE_URL and REDIS_URL set (the embedded servers unless given)::

    python scripts/scan.py [--skip-wapiti]

- bandit (config in pyproject.toml) on the code, from .venv-scan;
- semgrep with the project's own rules (.semgrep/*.yml), offline (--metrics=off, no registry);
- wapiti3 against the app on 127.0.0.1: a dedicated database ``<name>_wapiti`` is created, migrated and loaded with
  the demo data, gunicorn serves it on a free loopback port, wapiti crawls it logged in as the demo committee staff
  (a session cookie made here) with an explicit module list, scope limited to that host; the database is dropped after.
  wapiti findings listed in .wapiti/reviewed.toml (each with the reason it is safe) are printed as reviewed and not
  counted; every other finding counts.

Reports land in var/scan/ (bandit.json, semgrep.json, wapiti.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess  # nosec B404 # runs the scanners and gunicorn with argument lists
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path
from urllib.request import urlopen

BASE_DIR = Path(__file__).resolve().parent.parent
OUT = BASE_DIR / "var" / "scan"
SCAN_BIN = BASE_DIR / ".venv-scan" / "bin"
WAPITI_BIN = BASE_DIR / ".venv-wapiti" / "bin"
# Never wapiti's default set: it includes modules that call out to the Internet (ssrf uses an external endpoint).
# Headers and cookie flags are production settings, checked by `manage.py check --deploy`, not on this DEBUG server.
WAPITI_MODULES = "xss,permanentxss,sql,timesql,exec,file,crlf,redirect,csrf,methods"
# tests and bench/ (the load/benchmark harness) are tooling run by developers, never served; see docs/scanning.md.
EXCLUDES = [".venv", ".venv-scan", ".venv-wapiti", "var", "tests", "bench", "node_modules", "static", "locale", "docs"]
SEVERITIES = ("high", "medium", "low")
REVIEWED = BASE_DIR / ".wapiti" / "reviewed.toml"


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=BASE_DIR, check=False, **kwargs)  # nosec B603 # our own argument lists


def bandit() -> Counter:
    report = OUT / "bandit.json"
    _run([str(SCAN_BIN / "bandit"), "-c", "pyproject.toml", "-r", ".", "-q", "-f", "json", "-o", str(report)])
    results = json.loads(report.read_text())["results"]
    for item in results:
        print(f"  bandit {item['issue_severity']}: {item['test_id']} {item['filename']}:{item['line_number']}")
    return Counter(item["issue_severity"].lower() for item in results)


def semgrep() -> Counter:
    report = OUT / "semgrep.json"
    cmd = [str(SCAN_BIN / "semgrep"), "scan", "--metrics=off", "--disable-version-check", "--config", ".semgrep/"]
    for name in EXCLUDES:
        cmd += ["--exclude", name]
    _run([*cmd, "-q", "--json", "-o", str(report), "."])
    data = json.loads(report.read_text())
    if data.get("errors"):
        raise SystemExit(f"semgrep failed: {data['errors'][0].get('message', data['errors'][0])}")
    levels = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}
    for item in data["results"]:
        print(f"  semgrep {item['extra']['severity']}: {item['check_id']} {item['path']}:{item['start']['line']}")
    return Counter(levels.get(item["extra"]["severity"], "low") for item in data["results"])


# --- wapiti ------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(base_url: str, name: str) -> str:
    head, _, tail = base_url.rpartition("/")
    query = "?" + tail.split("?", 1)[1] if "?" in tail else ""
    return f"{head}/{name}{query}"


def _manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = _run([sys.executable, "manage.py", *args], env=env, capture_output=capture, text=True)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr if capture else ''}")
    return result.stdout if capture else ""


SESSION_SNIPPET = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils.module_loading import import_string
user = get_user_model().objects.get(username="staff")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
# The first backend that can load a user (axes' backend only counts failures and has no get_user).
session[BACKEND_SESSION_KEY] = next(
    path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "get_user")
)
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()
print(settings.SESSION_COOKIE_NAME + "=" + session.session_key)
"""


def wapiti() -> Counter:
    from coalition.backup import Server

    base = Server.from_url(os.environ["DATABASE_URL"])
    name = f"{base.name}_wapiti"
    env = {**os.environ, "DATABASE_URL": _database_url(os.environ["DATABASE_URL"], name), "DEBUG": "1"}
    # DEBUG=1 so the session and CSRF cookies work over plain http on loopback (the attack modules post forms).
    from psycopg import sql

    with base.connect("postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    server = None
    try:
        _manage(env, "migrate", "--no-input", "-v0")
        _manage(env, "load_demo", capture=True)
        cookie = _manage(env, "shell", "-c", SESSION_SNIPPET, capture=True).strip().splitlines()[-1]
        # The session goes into wapiti's cookie jar (-c), never as a fixed Cookie header (-C): httpx sends the jar only
        # when a request has no Cookie header, so with -C the csrftoken cookie Django sets was never sent back and
        # every POST of the scan, crawl and attacks, was refused by the CSRF check (403 "CSRF cookie not set").
        cookie_file = OUT / "wapiti-cookies.json"
        cookie_name, _, value = cookie.partition("=")
        jar = {"value": value, "expires": None, "secure": False, "port": None, "version": 0}
        cookie_file.write_text(json.dumps({"127.0.0.1": {"/": {cookie_name: jar}}}))
        port = _free_port()
        log = (OUT / "gunicorn.log").open("w")
        server = subprocess.Popen(  # nosec B603 # gunicorn on loopback with our own arguments
            [str(Path(sys.executable).parent / "gunicorn"), "coalition.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                urlopen(url, timeout=2)  # nosec B310 # our own loopback server
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"gunicorn did not start; see {OUT / 'gunicorn.log'}") from None
                time.sleep(0.5)
        report = OUT / "wapiti.json"
        # --flush-session only flushes this port's session file: drop earlier runs' (the 500 count reads them all).
        shutil.rmtree(OUT / "wapiti-session", ignore_errors=True)
        cmd = [
            str(WAPITI_BIN / "wapiti"),
            "-u",
            url,
            "--scope",
            "domain",
            "-m",
            WAPITI_MODULES,
            "-c",
            str(cookie_file),
            # Every endpoint an attack module could call is this loopback host: nothing leaves the machine.
            "--endpoint",
            url,
            "--dns-endpoint",
            "localhost",
            "-x",
            f"{url}*logout*",  # keep the session
            "-d",
            os.environ.get("WAPITI_DEPTH", "3"),
            "--max-links-per-page",
            "40",
            "--max-scan-time",
            os.environ.get("WAPITI_MAX_SCAN_TIME", "900"),
            "--max-attack-time",
            os.environ.get("WAPITI_MAX_ATTACK_TIME", "120"),
            "--flush-session",
            "--store-session",
            str(OUT / "wapiti-session"),
            "-f",
            "json",
            "-o",
            str(report),
        ]
        result = _run(cmd, capture_output=True, text=True)
        (OUT / "wapiti.log").write_text(result.stdout + result.stderr)
        if not report.exists():
            raise SystemExit(f"wapiti wrote no report; see {OUT / 'wapiti.log'}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with base.connect("postgres") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    counts = _wapiti_counts(json.loads(report.read_text()))
    _crawled()
    counts["medium"] += _server_errors()
    return counts


def _crawled() -> None:
    import sqlite3

    for db in (OUT / "wapiti-session").glob("*.db"):
        with sqlite3.connect(db) as conn:
            crawled = conn.execute("SELECT count(DISTINCT path) FROM paths").fetchone()[0]
        print(f"  wapiti crawled {crawled} distinct URLs")


def _server_errors() -> int:
    """Count the paths the app answered with a server error during the scan, crawl and attacks, from gunicorn.log.

    wapiti reports a 500 only from some attack modules (not crlf, not the crawl), so Django's own log line is the
    count: one finding per path, with how many requests failed there.
    """
    prefix = "Internal Server Error: "
    log = (OUT / "gunicorn.log").read_text(errors="replace").splitlines()
    paths = Counter(line[len(prefix) :].strip() for line in log if line.startswith(prefix))
    for path, times in sorted(paths.items()):
        print(f"  wapiti medium: HTTP 500 on {path} ({times} requests; tracebacks in var/scan/gunicorn.log)")
    return len(paths)


def _reviewed() -> list[dict]:
    """The wapiti findings reviewed and judged safe (.wapiti/reviewed.toml), each with its reason."""
    entries = tomllib.loads(REVIEWED.read_text())["finding"] if REVIEWED.exists() else []
    for entry in entries:
        missing = {"category", "method", "path", "info", "reason"} - set(entry)
        if missing or not entry["reason"].strip():
            raise SystemExit(f"{REVIEWED.relative_to(BASE_DIR)}: an entry lacks {sorted(missing) or ['a reason']}")
    return entries


def _review_of(category: str, item: dict, reviewed: list[dict]) -> dict | None:
    """The allow-list entry that covers a finding: same category, method, path and message (query strings aside)."""
    path = item.get("path", "").split("?", 1)[0]
    for entry in reviewed:
        if (entry["category"], entry["method"], entry["path"], entry["info"]) == (
            category,
            item.get("method", ""),
            path,
            item.get("info", ""),
        ):
            return entry
    return None


def _wapiti_counts(data: dict) -> Counter:
    # wapiti levels: 4 critical, 3 high, 2 medium, 1 low, 0 info. Anomalies (timeouts; 500s are counted from the
    # server's log) count as medium.
    names = {4: "high", 3: "high", 2: "medium", 1: "low", 0: "low"}
    reviewed = _reviewed()
    counts: Counter = Counter()
    seen: Counter = Counter()  # reviewed findings per allow-list entry
    for section in ("vulnerabilities", "anomalies"):
        for category, items in data.get(section, {}).items():
            for item in items:
                level = names.get(int(item.get("level", 1)), "low")
                if section == "anomalies" and level == "low":
                    level = "medium"
                if category == "Internal Server Error":  # counted from gunicorn.log, per path (_server_errors)
                    print(f"  wapiti (500, counted below): {item.get('method', '')} {item.get('path', '')}")
                    continue
                where = f"{item.get('method', '')} {item.get('path', '')}"
                entry = _review_of(category, item, reviewed) if section == "vulnerabilities" else None
                if entry is not None:
                    seen[id(entry)] += 1
                    counts["reviewed"] += 1
                    continue
                counts[level] += 1
                print(f"  wapiti {level}: {category}: {where} {item.get('info', '')}")
    for entry in reviewed:
        label = f"{entry['category']}: {entry['method']} {entry['path']} {entry['info']}"
        print(f"  wapiti reviewed ({seen[id(entry)]}x, not counted): {label}")
    crawled = len(data.get("infos", {}).get("crawled_pages", [])) or data.get("infos", {}).get("crawled_pages_nbr", 0)
    print(f"  wapiti crawled {crawled} pages with modules {WAPITI_MODULES}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-wapiti", action="store_true", help="static scanners only")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    totals: dict[str, Counter] = {}
    for name, scanner in (("bandit", bandit), ("semgrep", semgrep), ("wapiti", wapiti)):
        if name == "wapiti" and args.skip_wapiti:
            continue
        started = time.monotonic()
        totals[name] = scanner()
        print(f"{name}: done in {time.monotonic() - started:.0f} s")
    print()
    columns = (*SEVERITIES, "reviewed")  # reviewed: wapiti findings in .wapiti/reviewed.toml, not counted
    print(f"{'tool':<10}" + "".join(f"{level:>10}" for level in columns))
    for name, counts in totals.items():
        print(f"{name:<10}" + "".join(f"{counts.get(level, 0):>10}" for level in columns))
    high = sum(counts.get("high", 0) for counts in totals.values())
    print(f"\nHigh findings: {high} (must be 0). Reports in {OUT.relative_to(BASE_DIR)}/")
    return 1 if high else 0


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR))
    sys.exit(main())
