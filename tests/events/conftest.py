import pytest
from django.test import Client
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source strings, whatever catalogues the lead adds later."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """An anonymous client that asks for English pages (the source strings)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for():
    """Like the shared fixture, with English pages."""

    def login(user):
        from tests.factories import force_login

        return force_login(Client(HTTP_ACCEPT_LANGUAGE="en"), user)

    return login
