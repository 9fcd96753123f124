"""Messages (Django's) are built only when a request uses them: a request that adds one still carries it to the
next page, a request that reads them still uses them up, and one that never touches them builds no storage and
sets no cookie."""

from django.contrib import messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from core.middleware import LazyMessageMiddleware


def _through_middleware(view, cookies: dict[str, str] | None = None) -> tuple[HttpRequest, HttpResponse]:  # noqa: ANN001
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    chain = SessionMiddleware(LazyMessageMiddleware(view))
    return request, chain(request)


def test_a_request_that_never_touches_messages_builds_no_storage_and_sets_no_cookie(db, settings):  # noqa: ANN001
    assert "core.middleware.LazyMessageMiddleware" in settings.MIDDLEWARE
    request, response = _through_middleware(lambda request: HttpResponse("ok"))
    assert request._messages._wrapped is empty
    assert "messages" not in response.cookies


def test_a_message_added_reaches_the_next_request_and_is_used_up_once_read(db):  # noqa: ANN001
    def add(request: HttpRequest) -> HttpResponse:
        messages.success(request, "已保存")
        return HttpResponse("added")

    _request, response = _through_middleware(add)
    cookie = response.cookies["messages"].value
    assert cookie

    seen: list[str] = []

    def read(request: HttpRequest) -> HttpResponse:
        seen.extend(str(m) for m in messages.get_messages(request))
        return HttpResponse("read")

    _request, response = _through_middleware(read, {"messages": cookie})
    assert seen == ["已保存"]
    assert response.cookies["messages"].value == ""  # used up: the cookie is cleared

    _request, response = _through_middleware(lambda request: HttpResponse("ok"), {"messages": cookie})
    assert "messages" not in response.cookies  # an untouched request leaves the cookie as it came
