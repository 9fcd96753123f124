"""Security headers and cookies on live responses with the production settings (issue 10 item 6; ASVS V3, V14).

QINGDAN_ENV is read when config/settings.py is imported, so the production values are taken from a subprocess that
imports the settings with QINGDAN_ENV=production, then applied to this process with the ``settings`` fixture: the test
checks what production really configures, through the real middleware.
"""

import json
import os
import subprocess
import sys
from http.cookies import Morsel
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]
HOST = "qingdan.example.gov.cn"
PRODUCTION_KEYS = (
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY",
)


def production_environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "QINGDAN_"))}
    return env | {
        "QINGDAN_ENV": "production", "DJANGO_SECRET_KEY": "headers-test-" + "k" * 60, "DJANGO_ALLOWED_HOSTS": HOST,
        "SUPERVISION_IDENTITY_KEY": "headers-test-key", "QINGDAN_VAR_DIR": str(tmp), "DJANGO_SETTINGS_MODULE": "config.settings",
    }


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory: pytest.TempPathFactory) -> dict:
    script = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        f"print(json.dumps({{k: getattr(s, k) for k in {PRODUCTION_KEYS!r}}}, default=list))"
    )
    env = production_environment(tmp_path_factory.mktemp("prod-var"))
    out = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    values = json.loads(out.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production(settings, production_settings):  # noqa: ANN001, ANN201
    for key, value in production_settings.items():
        setattr(settings, key, value)
    settings.ALLOWED_HOSTS = [HOST]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    return settings


def https_client() -> Client:
    """Requests as nginx passes them on: over TLS, with X-Forwarded-Proto (deploy/nginx)."""
    return Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")


def test_production_settings_are_what_the_deployment_check_wants(production_settings):
    assert production_settings["SESSION_COOKIE_SECURE"] and production_settings["CSRF_COOKIE_SECURE"]
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000 and production_settings["SECURE_SSL_REDIRECT"]
    assert production_settings["SESSION_COOKIE_NAME"].startswith("__Secure-")
    assert production_settings["CSRF_COOKIE_NAME"].startswith("__Secure-")


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/committees/210105023201/", "/api/v1/regions/210105000000",
                                  "/api/v1/me", "/no-such-page/", "/api/v1/no-such-endpoint", "/healthz"])
def test_every_kind_of_response_carries_the_security_headers(production, path):
    response = https_client().get(path)
    assert response.status_code in (200, 401, 404), response.status_code
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    hsts = {part.strip() for part in response["Strict-Transport-Security"].split(";")}
    assert "includeSubDomains" in hsts and "preload" in hsts
    assert int(next(p for p in hsts if p.startswith("max-age=")).split("=")[1]) >= 31536000
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_plain_http_is_redirected_to_https_and_gets_no_hsts(production):
    response = Client(HTTP_HOST=HOST).get("/committees/210105023201/")
    assert response.status_code == 301 and response["Location"] == f"https://{HOST}/committees/210105023201/"
    assert "Strict-Transport-Security" not in response, "HSTS is only meaningful (and only sent) over TLS"


def _cookie(response, name: str) -> Morsel:  # noqa: ANN001
    assert name in response.cookies, f"{name} not set; cookies: {list(response.cookies)}"
    return response.cookies[name]


def test_session_and_csrf_cookies_are_secure_httponly_samesite_and_prefixed(production, settings):
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.Argon2PasswordHasher"]
    client = https_client()
    form = client.get("/accounts/login/")
    csrf = _cookie(form, production.CSRF_COOKIE_NAME)
    assert production.CSRF_COOKIE_NAME == "__Secure-csrftoken"
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    signed_in = client.post("/accounts/login/", {"username": "huanggu.ca", "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    session = _cookie(signed_in, production.SESSION_COOKIE_NAME)
    assert production.SESSION_COOKIE_NAME == "__Secure-sessionid"
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["path"] == "/" and not session["domain"], "the cookie stays on this host"
    assert int(session["max-age"]) <= production.SESSION_ABSOLUTE_TIMEOUT
    assert client.get("/dashboard/").status_code == 200, "the secure cookie works over https"
    assert "sessionid" not in signed_in.cookies, "no unprefixed cookie is set as well"


def test_downloads_carry_nosniff_and_the_policy_too(production):
    from regions.models import Region
    from worklists.services import effective_list

    version = effective_list(Region.objects.get(code="210105023201")).version
    response = https_client().get(f"/worklists/v/{version.pk}/export.csv")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.get("Content-Disposition", "")


def test_the_deployment_check_passes_with_production_settings(tmp_path):
    env = production_environment(tmp_path)
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=BASE_DIR, env=env,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
