"""Shared fixtures: a test database holding the Liaoning demo data (loaded once per worker), demo users, clients."""

import os

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

DEMO_PASSWORD = "Test-Passw0rd!2026"
os.environ.setdefault("DEMO_PASSWORD", DEMO_PASSWORD)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    """The demo data, loaded once per test database; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        call_command("load_demo", "--if-empty", verbosity=0)


@pytest.fixture(autouse=True)
def _default_language():  # noqa: ANN202
    """Each test starts in the default language, whatever an earlier test switched to."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _public_checks_not_throttled_between_tests(monkeypatch):  # noqa: ANN001, ANN202
    """Hundreds of tests post to the public check endpoints from one address; the rate limit has tests of its own."""
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "public_check": "100000/min"})


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings):  # noqa: ANN001, ANN202
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]
    from django.core.cache import cache

    from core import httpcache

    cache.clear()
    # Each test builds the same demo data, so a page's ETag repeats from test to test: no body kept from another test.
    httpcache.forget_stored_bodies()


@pytest.fixture
def demo_user(db):  # noqa: ANN001, ANN201
    from accounts.models import User

    return lambda username: User.objects.get(username=username)


@pytest.fixture
def client_for(db, client):  # noqa: ANN001, ANN201
    """client_for("huanggu.ca") → a Django test client signed in as that demo user."""
    from django.test import Client

    from accounts.models import User

    def make(username: str) -> Client:
        c = Client()
        user = User.objects.get(username=username)
        c.force_login(user)
        verify_second_factor(c, user)
        return c

    return make


def verify_second_factor(client, user) -> None:  # noqa: ANN001
    """Administrators need a confirmed TOTP device in the session (accounts.middleware.AdminOTPMiddleware)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.otp import requires_otp

    if not requires_otp(user):
        return
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "test"})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def api_for(db):  # noqa: ANN001, ANN201
    """api_for("huanggu.ca") → a DRF APIClient authenticated as that demo user (None → anonymous)."""
    from accounts.models import User

    def make(username: str | None = None) -> APIClient:
        c = APIClient()
        if username:
            c.force_authenticate(User.objects.get(username=username))
        return c

    return make
