"""`make load`: wrk against gunicorn (2 workers) on 127.0.0.1 — the public form (GET+POST with CSRF) and the
dashboard (logged in) — for a fixed number of requests each; prints requests/s, p95 latency and errors (must be 0).

    DATABASE_URL=… REDIS_URL=… python -m bench.load --requests 2000 --scale 0.01
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario")
    parser.add_argument("--scale", type=float, default=0.01, help="data set to load when the database is empty")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from bench import http, run

    run.ensure_data(args.scale, sys.stdout)
    device = run.bench_device(run.bench_user())
    log_dir = Path(tempfile.mkdtemp(prefix="load-"))
    results = {}
    with http.gunicorn(http.server_env(), workers=args.workers, log_dir=log_dir) as base:
        run.form_load(base, requests=40, log_dir=log_dir)  # warm both workers
        results["/join/ GET+POST (CSRF)"] = run.form_load(base, requests=args.requests, log_dir=log_dir)
        browser = http.Browser(base)
        browser.login("bench-admin", run.BENCH_PASSWORD, totp_key=device.key)
        cookie = browser.cookie_header()
        http.wrk(base, get="/", cookie=cookie, requests=40, log_dir=log_dir)
        results["dashboard (logged in)"] = http.wrk(
            base, get="/", cookie=cookie, requests=args.requests, log_dir=log_dir
        )
    width = max(len(name) for name in results)
    sys.stdout.write(
        f"\nwrk, 4 connections, gunicorn {args.workers} workers on 127.0.0.1, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    sys.stdout.write(f"{'scenario':<{width}} | requests | req/s  | p50 ms | p95 ms | errors\n")
    for name, r in results.items():
        sys.stdout.write(
            f"{name:<{width}} | {r.requests:>8} | {r.rps:>6.0f} | {r.p50_ms:>6.1f} | {r.p95_ms:>6.1f} | {r.errors}\n"
        )
    errors = sum(r.errors for r in results.values())
    sys.stdout.write("OK: 0 errors\n" if not errors else f"FAILED: {errors} errors\n")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
