"""The read replica: the situation room's and the results' selectors read through ``replica()``, which names the
replica when DATABASE_REPLICA_URL configures one and the primary otherwise; nothing is written to or migrated on it.

With a replica the settings differ, so that case runs in a child process whose replica is the test database again
(a second connection, told apart by its application_name), as a test mirror would be.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 # a child Python with our own argument list
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from coalition.dbrouter import PrimaryReplicaRouter, replica
from coalition.workers import database_url

CHILD = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from coalition.dbrouter import replica

alias = replica()
User = get_user_model()
probe = User.objects.using(alias).get(username="replica-probe")
with connections[alias].cursor() as cursor:
    cursor.execute("SELECT current_setting('application_name')")
    read_by = cursor.fetchone()[0]
probe.first_name = "Written"
probe.save(update_fields=["first_name"])  # an object read from the replica is saved to the primary
print(json.dumps({
    "alias": alias,
    "read_by": read_by,
    "saved_to": probe._state.db,
    "mirror": settings.DATABASES["replica"]["TEST"].get("MIRROR"),
}))
"""


def test_without_a_replica_reads_use_the_primary():
    assert "replica" not in settings.DATABASES  # the suite runs without DATABASE_REPLICA_URL
    assert replica() == "default"


def test_router_writes_and_migrates_only_on_the_primary():
    router = PrimaryReplicaRouter()
    User = get_user_model()
    assert router.db_for_write(User) == "default"
    assert router.db_for_read(User) is None  # no global read routing: a read after a write sees the write
    assert router.allow_migrate("default", "electionday") is True
    assert router.allow_migrate("replica", "electionday") is False


@pytest.mark.django_db(transaction=True)
def test_configured_replica_is_picked_and_never_written(django_user_model):
    django_user_model.objects.create(username="replica-probe")
    primary = database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": primary,
        "DATABASE_REPLICA_URL": f"{primary}?application_name=coalition-replica-test",
    }
    result = subprocess.run(  # nosec B603 # our own interpreter and script
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "alias": "replica",
        "read_by": "coalition-replica-test",
        "saved_to": "default",
        "mirror": "default",
    }
    assert django_user_model.objects.get(username="replica-probe").first_name == "Written"
