"""The embedded development services start, answer, report their URLs and stop."""

import socket

import environ
import pytest

from coalition import devservices


def test_postgres_url_is_read_by_django_environ_as_a_socket():
    config = environ.Env.db_url_config(devservices.postgres_url(devservices.Path("/tmp/some dir/pg")))
    assert config["HOST"] == "/tmp/some dir/pg"
    assert config["NAME"] == "coalition"
    assert config["USER"] == "postgres"


def test_redis_starts_reuses_and_stops(tmp_path):
    data = tmp_path / "redis"
    url, started = devservices.start_redis(data)
    try:
        assert started and url.startswith("redis://127.0.0.1:")
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        assert devservices._redis_alive(port)
        again, started_again = devservices.start_redis(data)
        assert again == url and not started_again
    finally:
        devservices.stop_redis(data)
    assert not devservices._redis_alive(port)


@pytest.mark.slow
def test_run_starts_missing_services_and_stops_only_those(tmp_path, monkeypatch):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://given@example/db")  # given: must not be started
    monkeypatch.delenv("REDIS_URL", raising=False)
    out = tmp_path / "out.txt"
    code = devservices.main(["run", "--", "sh", "-c", f'echo "$DATABASE_URL $REDIS_URL" > {out}; exit 3'])
    assert code == 3
    database_url, redis_url = out.read_text().split()
    assert database_url == "postgres://given@example/db"
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        pass
    assert not (tmp_path / "postgres").exists()
