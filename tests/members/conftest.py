import itertools

import pytest
from django.test import Client

from tests.factories import bin_number, region

_ips = itertools.count(1)


@pytest.fixture
def public_client():
    """An anonymous client with its own IP address, so the per-IP rate limit of one test never hits another."""
    n = next(_ips)
    return Client(REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")


@pytest.fixture
def application_data(db):
    """A valid POST of the join form."""

    def make(**overrides):
        data = {
            "name_ru": "Общественное объединение «Тест»",
            "name_kk": "",
            "name_en": "",
            "short_name": "Тест",
            "bin": bin_number(),
            "kind": "public_association",
            "region": region("KZ-35").pk,
            "address": "Караганда, ул. Тестовая, 1",
            "phone": "8 701 123 45 67",
            "email": "org@example.kz",
            "website": "example.kz",
            "head_name": "Иванов Иван",
            "head_title": "Председатель",
            "declared_members": "120",
            "representative_name": "Петрова Анна",
            "representative_title": "Секретарь",
            "representative_phone": "+7 747 000 11 22",
            "representative_email": "anna@example.kz",
            "representative_iin": "",
            "consent": "on",
            "fax_number": "",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return make
