"""Sign-in, lockout, API tokens, demo accounts, disabled accounts: and the audit events each leaves."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from core.models import AuditAction, AuditEvent
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_passwords_verify(settings):  # noqa: ANN001, ANN202
    """Demo users were hashed with Argon2 when the demo loaded; the shared fixture keeps only MD5 for speed."""
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.Argon2PasswordHasher"]


def sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):  # noqa: ANN201
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def events(action: str, **filters):  # noqa: ANN201, ANN003
    return AuditEvent.objects.filter(action=action, **filters)


def test_signing_in_through_the_form_lands_on_the_dashboard_and_is_audited():
    client = Client()
    response = sign_in(client, "huanggu.ca", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    login = events(AuditAction.LOGIN).get()
    assert login.actor.username == "huanggu.ca" and login.ip_address == "10.0.0.1"
    assert client.get("/dashboard/").status_code == 200
    client.post("/accounts/logout/")
    assert events(AuditAction.LOGOUT, actor_name="huanggu.ca").count() == 1
    assert client.get("/dashboard/").status_code == 302


def test_a_failed_sign_in_is_audited_with_the_name_tried_and_the_address():
    response = sign_in(Client(), "huanggu.ca", "wrong-password", ip="10.0.0.7")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode() or "errorlist" in response.content.decode()
    failed = events(AuditAction.LOGIN_FAILED).get()
    assert failed.actor is None and failed.actor_name == "huanggu.ca" and failed.ip_address == "10.0.0.7"
    assert "wrong-password" not in str(failed.detail), "passwords never reach the audit log"


def test_an_account_is_locked_after_the_failure_limit_for_that_name_and_address(settings):
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    statuses = [sign_in(client, "huanggu.ca", f"wrong-{i}").status_code for i in range(limit)]
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert statuses[-1] == 429
    locked = sign_in(client, "huanggu.ca", DEMO_PASSWORD)
    assert locked.status_code == 429, "the right password does not open a locked account"
    assert "_auth_user_id" not in client.session
    assert events(AuditAction.LOGIN_FAILED, actor_name="huanggu.ca").count() >= limit
    assert events(AuditAction.LOCKED_OUT, actor_name="huanggu.ca").count() >= 1
    assert not events(AuditAction.LOGIN, actor_name="huanggu.ca").exists()
    # locks are per user name and address: others are not shut out
    assert sign_in(Client(), "huanggu.ca", DEMO_PASSWORD, ip="10.0.0.2").status_code == 302
    assert sign_in(Client(), "huanggu.gov", DEMO_PASSWORD, ip="10.0.0.1").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(settings):
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit - 1):
        sign_in(Client(), "huanggu.ca", f"wrong-{i}")
    assert sign_in(Client(), "huanggu.ca", DEMO_PASSWORD).status_code == 302
    for i in range(limit - 1):
        assert sign_in(Client(), "huanggu.ca", f"again-{i}").status_code == 200
    assert sign_in(Client(), "huanggu.ca", DEMO_PASSWORD).status_code == 302


def test_an_api_token_is_issued_for_a_name_and_password_and_then_authenticates_requests():
    response = APIClient().post("/api/v1/auth/token/", {"username": "huanggu.ca", "password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "huanggu.ca"
    assert {m["role"] for m in body["memberships"]} == {"editor", "approver"}
    assert body["memberships"][0]["organisation"]["region"]["code"] == "210105000000"
    orgs = client.get("/api/v1/organisations/?page_size=500").json()
    assert orgs["count"] > 0 and all(o["region"]["code"].startswith("210105") for o in orgs["results"])
    again = APIClient().post("/api/v1/auth/token/", {"username": "huanggu.ca", "password": DEMO_PASSWORD}, format="json")
    assert again.json()["token"] == token


def test_a_wrong_password_gets_no_token_and_counts_toward_lockout(settings):
    client = APIClient()
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/api/v1/auth/token/", {"username": "wenguan.village", "password": f"bad-{i}"}, format="json")
        assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"
    last = client.post("/api/v1/auth/token/", {"username": "wenguan.village", "password": "bad-last"}, format="json")
    assert last.status_code == 429 and last.json()["error"]["code"] == "locked_out"
    right = client.post("/api/v1/auth/token/", {"username": "wenguan.village", "password": DEMO_PASSWORD}, format="json")
    assert right.status_code == 429 and "token" not in right.json()
    assert AccessAttempt.objects.filter(username="wenguan.village").exists()
    assert events(AuditAction.LOCKED_OUT, actor_name="wenguan.village").exists()


def test_demo_accounts_are_refused_when_the_installation_forbids_them(settings):
    from accounts.models import User

    settings.QINGDAN = {**settings.QINGDAN, "DEMO_ALLOWED": False}
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="huanggu.ca", password=DEMO_PASSWORD) is None
    assert sign_in(Client(), "huanggu.ca", DEMO_PASSWORD).status_code == 200
    token = APIClient().post("/api/v1/auth/token/", {"username": "huanggu.ca", "password": DEMO_PASSWORD}, format="json")
    assert token.status_code == 401
    real = User.objects.create_user("real.officer", password=DEMO_PASSWORD)
    assert authenticate(RequestFactory().post("/accounts/login/"), username="real.officer", password=DEMO_PASSWORD) == real
    settings.QINGDAN = {**settings.QINGDAN, "DEMO_ALLOWED": True}
    assert authenticate(RequestFactory().post("/accounts/login/"), username="huanggu.ca", password=DEMO_PASSWORD) is not None


def test_disabling_an_account_ends_its_sessions_and_tokens(client_for, demo_user):
    from rest_framework.authtoken.models import Token

    browser = client_for("huanggu.health")
    other = client_for("huanggu.ca")
    token = Token.objects.create(user=demo_user("huanggu.health"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert browser.get("/dashboard/").status_code == 200 and api.get("/api/v1/me").status_code == 200
    sessions_before = Session.objects.count()
    user = demo_user("huanggu.health")
    user.is_active = False
    user.save()
    assert Session.objects.count() == sessions_before - 1
    assert browser.get("/dashboard/").status_code == 302
    assert api.get("/api/v1/me").status_code == 401
    assert other.get("/dashboard/").status_code == 200, "other users keep their sessions"
    assert sign_in(Client(), "huanggu.health", DEMO_PASSWORD).status_code == 200


def test_passwords_are_stored_hashed_and_the_policy_wants_long_mixed_passwords(demo_user):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = demo_user("huanggu.ca")
    assert DEMO_PASSWORD not in user.password
    for weak in ("short1!A", "alllowercaseletters", "123456789012345"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("Quite-L0ng-Passphrase", user)
