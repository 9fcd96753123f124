"""Session timeouts, security headers and the language switch."""

import re
import time

import pytest
from django.test import Client

from core import middleware
from core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):  # noqa: ANN001, ANN201
    """Moves the middleware's clock forward without sleeping."""
    state = {"now": time.time()}
    monkeypatch.setattr(middleware.time, "time", lambda: state["now"])

    def advance(seconds: float) -> None:
        state["now"] += seconds

    return advance


def test_a_session_idle_longer_than_the_timeout_ends(client_for, clock, settings):
    client = client_for("huanggu.ca")
    assert client.get("/dashboard/").status_code == 200
    clock(settings.SESSION_IDLE_TIMEOUT - 5)
    assert client.get("/dashboard/").status_code == 200, "activity within the idle timeout keeps the session"
    clock(settings.SESSION_IDLE_TIMEOUT - 5)
    assert client.get("/dashboard/").status_code == 200, "the idle clock restarts at each request"
    clock(settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_EXPIRED, actor_name="huanggu.ca").count() == 1
    login_page = client.get(response["Location"])
    assert "qd_expired" not in client.session
    assert "会话已结束" in login_page.content.decode(), "the login page says why the user must sign in again"


def test_a_session_ends_after_the_absolute_timeout_even_when_busy(client_for, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    settings.SESSION_ABSOLUTE_TIMEOUT = 3000
    client = client_for("wenguan.village")
    for _ in range(5):
        assert client.get("/dashboard/").status_code == 200
        clock(500)
    assert client.get("/dashboard/").status_code == 200  # 2,500 s in
    clock(501)
    assert client.get("/dashboard/").status_code == 302


def test_api_sessions_time_out_too(client_for, clock, settings):
    client = client_for("huanggu.ca")
    assert client.get("/api/v1/me").status_code == 200
    clock(settings.SESSION_IDLE_TIMEOUT + 1)
    assert client.get("/api/v1/me").status_code == 401


def test_content_security_policy_forbids_inline_code(client_for):
    for response in (Client().get("/"), client_for("huanggu.ca").get("/dashboard/")):
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)


@pytest.mark.parametrize("path,username", [
    ("/", None), ("/regions/210105000000/", None), ("/committees/210105023201/", None), ("/regulation/", None),
    ("/accounts/login/", None), ("/about/", None), ("/dashboard/", "huanggu.ca"), ("/accounts/profile/", "wenguan.village"),
    ("/accounts/audit/", "audit.admin"),
])
def test_pages_carry_no_inline_script_or_style_that_the_policy_would_block(path, username, client_for):
    client = client_for(username) if username else Client()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html)


def test_switching_language_to_english_changes_the_page_language():
    client = Client()
    chinese = client.get("/")
    assert '<html lang="zh-Hans">' in chinese.content.decode()
    assert "行政区划" in chinese.content.decode() or "区划" in chinese.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/regions/210105000000/"})
    assert response.status_code == 302
    assert response["Location"] == "/regions/210105000000/"
    english = client.get("/regions/210105000000/").content.decode()
    assert '<html lang="en">' in english
    assert "Regions" in english and "Division code" in english
    assert "皇姑区" in english, "names of places stay as they are"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-Hans">' in client.get("/").content.decode()


def test_the_language_switch_refuses_an_outside_redirect():
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
