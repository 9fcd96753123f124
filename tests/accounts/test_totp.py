"""TOTP second factor for administrators (等保 2.0 8.1.4.1 d): enrolment at first sign-in, a code at every sign-in,
wrong and replayed codes refused, nothing reachable before the code, API tokens need it too."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.models import AuditAction, AuditEvent
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
ADMIN = "system.admin"
OTP_PAGE = "/accounts/otp/"


@pytest.fixture(autouse=True)
def _demo_passwords_verify(settings):  # noqa: ANN001, ANN202
    """Demo users were hashed with Argon2 when the demo loaded; the shared fixture keeps only MD5 for speed."""
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.Argon2PasswordHasher"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A six-digit code valid in none of the accepted time steps (tolerance of one step either side)."""
    valid = {code_for(device, n) for n in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in valid)


def signed_in_with_password(username: str = ADMIN) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302
    return client


@pytest.fixture
def enrolled(demo_user):  # noqa: ANN001, ANN201
    """The administrator's confirmed authenticator."""
    user = demo_user(ADMIN)
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_an_administrator_without_a_device_is_shown_a_qr_code_and_enrols_with_a_valid_code(demo_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise delay the right one by a second
    user = demo_user(ADMIN)
    TOTPDevice.objects.filter(user=user).delete()
    client = signed_in_with_password()
    first = client.get("/dashboard/")
    assert first.status_code == 302 and first["Location"].startswith(OTP_PAGE)
    page = client.get(first["Location"]).content.decode()
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', page), "the enrolment page shows a QR code"
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert TOTPDevice.objects.filter(user=user).count() == 1, "showing the page twice does not make a second device"
    client.get(OTP_PAGE)
    assert TOTPDevice.objects.filter(user=user).count() == 1

    refused = client.post(OTP_PAGE, {"token": wrong_code(device), "next": "/dashboard/"})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/dashboard/").status_code == 302

    confirmed = client.post(OTP_PAGE, {"token": code_for(device), "next": "/dashboard/"})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/dashboard/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/dashboard/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=user, detail__factor="totp").exists()


def test_an_enrolled_administrator_needs_a_valid_code_and_the_key_is_never_shown_again(enrolled):
    client = signed_in_with_password()
    assert client.get("/dashboard/").status_code == 302
    page = client.get(OTP_PAGE).content.decode()
    assert "data:image/png" not in page and enrolled.key.upper() not in page.upper()
    import base64

    assert base64.b32encode(enrolled.bin_key).decode() not in page, "the secret is shown only while setting up"
    response = client.post(OTP_PAGE, {"token": code_for(enrolled), "next": "/accounts/profile/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200
    assert TOTPDevice.objects.filter(user=enrolled.user).count() == 1


def test_a_wrong_code_is_refused_audited_and_slows_down_the_next_attempt(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # django-otp's exponential back-off: 60 s after the first failure
    settings.AXES_FAILURE_LIMIT = 100  # seven tries below; the lockout they also count toward is tested further down
    client = signed_in_with_password()
    refused = client.post(OTP_PAGE, {"token": wrong_code(enrolled), "next": "/dashboard/"})
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    assert client.get("/dashboard/").status_code == 302
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor=enrolled.user, detail__factor="totp")
    assert failed.count() == 1
    enrolled.refresh_from_db()
    assert enrolled.throttling_failure_count == 1
    # Guessing is throttled: inside the back-off even the right code is refused.
    assert client.post(OTP_PAGE, {"token": code_for(enrolled)}).status_code == 200
    assert client.get("/dashboard/").status_code == 302
    for junk in ("", "abcdef", "12345678901234567890", "１２３４５６", "0' OR '1'='1"):
        assert client.post(OTP_PAGE, {"token": junk}).status_code == 200
    assert client.get("/dashboard/").status_code == 302


# --- Wrong codes count toward the password lockout (django-axes: user name + address) --------------------------------

IP = "10.0.0.9"  # signed_in_with_password's address; the lockout is per user name and address


def wrong_code_from(client: Client, device: TOTPDevice, ip: str = IP):  # noqa: ANN201
    return client.post(OTP_PAGE, {"token": wrong_code(device), "next": "/dashboard/"}, REMOTE_ADDR=ip)


def test_wrong_codes_lock_the_account_out_like_wrong_passwords_and_the_session_ends(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's back-off aside: the lockout alone is tested here
    limit = settings.AXES_FAILURE_LIMIT
    client = signed_in_with_password()
    statuses = [wrong_code_from(client, enrolled).status_code for _ in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]
    assert "_auth_user_id" not in client.session, "the half-open session ends with the lockout"
    assert AccessAttempt.objects.get(username=ADMIN, ip_address=IP).failures_since_start == limit
    assert client.get("/dashboard/").status_code == 302
    right = client.post(OTP_PAGE, {"token": code_for(enrolled)}, REMOTE_ADDR=IP)
    assert right.status_code == 302 and right["Location"].startswith("/accounts/login/")
    again = Client().post("/accounts/login/", {"username": ADMIN, "password": DEMO_PASSWORD}, REMOTE_ADDR=IP)
    assert again.status_code == 429, "the right password does not open an account locked by wrong codes"
    token = APIClient().post("/api/v1/auth/token/", {"username": ADMIN, "password": DEMO_PASSWORD,
                                                     "otp": code_for(enrolled, 1)}, format="json", REMOTE_ADDR=IP)
    assert token.status_code == 429 and token.json()["error"]["code"] == "locked_out"
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor=enrolled.user, detail__factor="totp")
    assert failed.count() == limit
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, actor_name=ADMIN).exists()
    # as for passwords, the lock is per user name and address
    other = Client().post("/accounts/login/", {"username": ADMIN, "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.8")
    assert other.status_code == 302


def test_a_half_signed_in_session_gets_no_more_tries_once_the_name_is_locked_out(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = signed_in_with_password()
    for i in range(settings.AXES_FAILURE_LIMIT):  # meanwhile, someone guesses the password from the same address
        Client().post("/accounts/login/", {"username": ADMIN, "password": f"wrong-{i}"}, REMOTE_ADDR=IP)
    response = client.post(OTP_PAGE, {"token": code_for(enrolled), "next": "/dashboard/"}, REMOTE_ADDR=IP)
    assert response.status_code == 429, "even the right code is not tried while the name is locked out"
    assert "_auth_user_id" not in client.session and client.get("/dashboard/").status_code == 302
    enrolled.refresh_from_db()
    assert enrolled.last_t == -1, "the code was never checked"


def test_wrong_passwords_and_wrong_codes_add_up_and_a_right_password_alone_does_not_reset_them(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 3
    Client().post("/accounts/login/", {"username": ADMIN, "password": "wrong"}, REMOTE_ADDR=IP)
    for _ in range(limit - 2):
        assert wrong_code_from(signed_in_with_password(), enrolled).status_code == 200  # a new sign-in each time
    assert AccessAttempt.objects.get(username=ADMIN, ip_address=IP).failures_since_start == limit - 1
    last = signed_in_with_password()
    assert wrong_code_from(last, enrolled).status_code == 429
    assert Client().post("/accounts/login/", {"username": ADMIN, "password": DEMO_PASSWORD},
                         REMOTE_ADDR=IP).status_code == 429


def test_the_right_code_resets_the_failure_count(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    limit = settings.AXES_FAILURE_LIMIT
    client = signed_in_with_password()
    for _ in range(limit - 1):
        assert wrong_code_from(client, enrolled).status_code == 200
    signed = client.post(OTP_PAGE, {"token": code_for(enrolled), "next": "/dashboard/"}, REMOTE_ADDR=IP)
    assert signed.status_code == 302 and signed["Location"] == "/dashboard/"
    assert not AccessAttempt.objects.filter(username=ADMIN, ip_address=IP).exists()
    assert client.get("/dashboard/").status_code == 200


def test_users_without_a_second_factor_are_still_reset_by_the_right_password(settings):
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit - 1):
        Client().post("/accounts/login/", {"username": "huanggu.ca", "password": f"wrong-{i}"}, REMOTE_ADDR=IP)
    assert signed_in_with_password("huanggu.ca").get("/dashboard/").status_code == 200
    assert not AccessAttempt.objects.filter(username="huanggu.ca").exists()


def test_a_code_already_used_in_its_time_step_is_refused(enrolled):
    code = code_for(enrolled)
    first = signed_in_with_password()
    assert first.post(OTP_PAGE, {"token": code}).status_code == 302
    assert first.get("/dashboard/").status_code == 200
    second = signed_in_with_password()
    replay = second.post(OTP_PAGE, {"token": code})
    assert replay.status_code == 200, "a replayed code (same time step) must not open a second session"
    assert second.get("/dashboard/").status_code == 302


def _paths_without_parameters() -> list[str]:
    """Every route that takes no parameter (the others are covered by the redirect being global)."""
    paths: list[str] = []

    def walk(patterns: list, prefix: str) -> None:  # noqa: ANN001
        for entry in patterns:
            route = str(entry.pattern)
            if "<" in route or "(?P" in route or route.startswith("^"):
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                paths.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


def test_an_administrator_without_the_second_factor_reaches_nothing_but_the_otp_pages(enrolled):
    client = signed_in_with_password()
    paths = _paths_without_parameters()
    assert len(paths) > 30 and "/dashboard/" in paths and "/accounts/audit/" in paths
    allowed = ("/accounts/otp/", "/accounts/logout/", "/static/", "/i18n/", "/healthz", "/jsi18n/")
    reached = {}
    for path in paths:
        if path.startswith(allowed):
            continue
        response = client.get(path)
        if path.startswith("/api/"):  # API clients get the API's 401, pages the way to the code
            refused = response.status_code == 401 and response.json()["error"]["code"] == "otp_required"
        else:
            refused = response.status_code == 302 and response["Location"].startswith(OTP_PAGE)
        if not refused:
            reached[path] = response.status_code
    assert reached == {}, f"reachable before the second factor: {reached}"
    for path in ("/sysadmin/accounts/user/", "/worklists/work/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(OTP_PAGE), path
    for path in ("/api/v1/me", "/api/v1/admission/requests"):
        assert client.get(path).status_code == 401, path
    # Posting is refused the same way (CSRF aside): nothing changes before the code.
    assert client.post("/api/v1/jobs", {"kind": "core.sleep"}).status_code in (401, 403)


def test_an_api_call_with_a_session_that_has_not_passed_the_second_factor_is_a_401_in_the_api_error_format(enrolled):
    client = signed_in_with_password()
    for response in (client.get("/api/v1/me"), client.get("/api/v1/organisations/?page_size=5"),
                     client.post("/api/v1/jobs", {"kind": "core.sleep"}, content_type="application/json")):
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json") and response.has_header("WWW-Authenticate")
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
        assert body["error"]["code"] == "otp_required" and body["error"]["fields"] == {}
        assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), "in Chinese, like every API error"
        assert "Location" not in response
    page = client.get("/dashboard/")
    assert page.status_code == 302 and page["Location"].startswith(OTP_PAGE), "pages still lead to the code page"
    assert client.post(OTP_PAGE, {"token": code_for(enrolled)}).status_code == 302
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == ADMIN


def test_the_otp_page_does_not_redirect_to_another_site(enrolled):
    client = signed_in_with_password()
    response = client.post(OTP_PAGE, {"token": code_for(enrolled), "next": "https://evil.example/steal"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_an_administrators_api_token_needs_a_valid_unused_code(enrolled):
    api = APIClient()
    credentials = {"username": ADMIN, "password": DEMO_PASSWORD}
    without = api.post("/api/v1/auth/token/", credentials, format="json")
    assert without.status_code == 401 and without.json()["error"]["code"] == "otp_required"
    wrong = api.post("/api/v1/auth/token/", {**credentials, "otp": wrong_code(enrolled)}, format="json")
    assert wrong.status_code == 401 and "token" not in wrong.json()
    enrolled.throttling_failure_count = 0
    enrolled.save()
    code = code_for(enrolled)
    issued = api.post("/api/v1/auth/token/", {**credentials, "otp": code}, format="json")
    assert issued.status_code == 200 and issued.json()["token"]
    replay = api.post("/api/v1/auth/token/", {**credentials, "otp": code}, format="json")
    assert replay.status_code == 401, "the same code cannot fetch the token a second time"
    token = issued.json()["token"]
    me = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == ADMIN


def test_wrong_codes_at_the_token_endpoint_count_toward_the_lockout(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's back-off aside: the lockout alone is tested here
    limit = settings.AXES_FAILURE_LIMIT
    credentials = {"username": ADMIN, "password": DEMO_PASSWORD}
    api = APIClient()
    statuses = [api.post("/api/v1/auth/token/", {**credentials, "otp": wrong_code(enrolled)}, format="json",
                         REMOTE_ADDR=IP).status_code for _ in range(limit)]
    assert statuses[: limit - 1] == [401] * (limit - 1) and statuses[-1] in (401, 429)
    assert AccessAttempt.objects.get(username=ADMIN, ip_address=IP).failures_since_start == limit
    right = api.post("/api/v1/auth/token/", {**credentials, "otp": code_for(enrolled)}, format="json", REMOTE_ADDR=IP)
    assert right.status_code == 429 and "token" not in right.json(), "the right code does not open a locked name"


def test_other_users_need_no_second_factor(client):  # noqa: ANN001
    user_client = signed_in_with_password("huanggu.ca")
    assert user_client.get("/dashboard/").status_code == 200
    api = APIClient()
    assert api.post("/api/v1/auth/token/", {"username": "huanggu.ca", "password": DEMO_PASSWORD}, format="json").status_code == 200
