"""Print DATABASE_URL with another database name, creating (or dropping) that database: the benchmark's own.

python -m bench.db coalition_bench          # create if missing, print its URL
python -m bench.db coalition_bench --drop   # drop it
"""

from __future__ import annotations

import argparse
import os
import sys

import environ
import psycopg


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("DATABASE_URL is not set")
    db = environ.Env.db_url_config(url)
    conninfo = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None}
    if db["PASSWORD"]:
        conninfo["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.name]).fetchone()
        if args.drop:
            if exists:
                conn.execute(f'DROP DATABASE "{args.name}" WITH (FORCE)')
            return
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.name}"')
    base, _, _old = url.partition("?")[0].rpartition("/")
    sys.stdout.write(f"{base}/{args.name}\n")


if __name__ == "__main__":
    main()
