"""Authentication settings that must not silently weaken: password rules and session lifetime."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password",
    [
        "short-pass1",  # 11 characters
        "password1234",  # common
        "483920175539",  # numeric only
        "aigerim.sultanova",  # like the username
    ],
)
def test_weak_passwords_are_refused(password):
    user = UserFactory.build(username="aigerim.sultanova", first_name="Aigerim", last_name="Sultanova")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted():
    validate_password("tulip-river-quarter-71", UserFactory.build(username="aigerim"))


def test_sessions_last_a_working_day_and_end_with_the_browser():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_login_session_cookie_has_no_max_age(client, staff_user):
    response = client.post("/accounts/login/", {"username": staff_user.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie
    assert client.session.get_expiry_age() <= 8 * 3600
