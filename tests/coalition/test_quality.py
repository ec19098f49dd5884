"""Quality gates that run with the suite: migrations complete, system checks and deploy checks clean."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


def test_deploy_checks_pass_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coalition.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k8#Jq2!vLx9@pZr4$Wm7^Tn1&Yb6*Hc3(Fd0)Gs5_Ae8+Ui2-Oe7=Rt4",
        "ALLOWED_HOSTS": "hq.coalition.example.kz",
        "DATABASE_URL": "postgres://coalition@db.internal:5432/coalition",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "EMAIL_URL": "smtp+tls://hq:secret@mail.internal:587",
        "VAR_DIR": "/nonexistent-var",
    }
    env.pop("EMAIL_BACKEND", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_secret_key_in_production():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "DJANGO_SETTINGS_MODULE": "coalition.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
