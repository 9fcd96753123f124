"""Conditional GET for public pages and the public API (issue 9 item 4, DESIGN.md §10).

A view decorated with ``conditional(validators)`` answers with an ETag and a Last-Modified computed by ``validators``
from the published data the response shows — one small query, never a rendering — and with 304 Not Modified when the
client already holds that version.

Cache-Control, decided once here:

* Shared pages (``page="shared"``: the committee page, region pages, public work lists, the legal registry), anonymous:
  ``public, no-cache``, and handled exactly like the API below. These pages render no CSRF token for anonymous
  visitors (the language button needs none, see ``config/urls.py``), so one visitor's page is every visitor's page.
  That is checked as each is rendered: a page that asked for a CSRF token anyway (Django then sets
  ``CSRF_COOKIE_NEEDS_UPDATE``) is never stored or shared; it is answered ``private, no-cache`` without validators
  and a warning is logged, since the view's declaration was wrong.
* Per-browser pages (``page=True``, the default: a page with a form for anonymous visitors), anonymous:
  ``private, no-cache`` with validators. Their CSRF token belongs to one browser, so a shared cache must never hand
  one visitor's page to another; the ETag covers the browser's CSRF secret.
* API (JSON) and the Atom feed (``page=False``), anonymous: ``public, no-cache``: shared caches (nginx, a CDN) may
  keep the body but must revalidate it each time. The body of a 200 is also stored here under its ETag (which names
  everything the body depends on), and the next client without it gets the stored body after the validators' query,
  without the view.
* ``no-cache`` rather than ``max-age=60`` everywhere because a newly published list is a legal act: the client
  revalidates each time (a query, no rendering) and sees a publication at once.
* Signed-in users (session or ``Authorization`` header), requests with flash messages waiting, and requests whose
  response must set the CSRF cookie (a malformed one was sent): ``private, no-cache`` and no validators at all, so
  they are never answered 304 on a copy cached while signed out, and never get a response stored for the public.

Every response also says ``Vary: Accept-Language, Cookie``. The ETag covers the validators' source, the language, the
full path (query strings change the page), the code release, and for per-browser pages the browser's CSRF secret (a
page cached before signing in and out again holds a token the browser no longer has).
"""

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import CharField, F, Field, Func, Model, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from .prepared import execute

# (etag source, last modified) — the source is anything with a stable repr(); None: no validators for this request.
Validators = tuple[Any, datetime | None]
ValidatorFunction = Callable[..., Validators | None]
View = Callable[..., Any]

VARY = ("Accept-Language", "Cookie")


PageMode = bool | Literal["shared"]

logger = logging.getLogger(__name__)


def conditional(validators: ValidatorFunction, *, page: PageMode = True) -> Callable[[View], View]:
    """Decorate a GET view (or an APIView's ``get`` through ``method_decorator``); ``validators`` takes the view's
    arguments. ``page``: ``True`` for a page that holds a CSRF token (per browser, private), ``"shared"`` for a page
    that renders none for anonymous visitors (verified at render time), ``False`` for JSON and feeds. Shared pages and
    ``False`` responses are public: their body is stored under the ETag and served to the next client without the view."""
    shared = page is not True

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            if signed_in(request) or _messages_waiting(request) or (shared and _csrf_cookie_pending(request)):
                return _finish(view(request, *args, **kwargs), shared=False)
            found = validators(request, *args, **kwargs)
            if found is None:
                return _settle(request, view(request, *args, **kwargs), page)
            source, modified = found
            etag = _etag(request, source, per_browser=not shared)
            stamp = int(modified.timestamp()) if modified else None
            answer = _conditional_response(request, etag, stamp)
            if answer is None and shared:
                answer = _stored(etag)
            if answer is None:
                answer = view(request, *args, **kwargs)
                if answer.status_code != 200:
                    return _settle(request, answer, page)
                answer["ETag"] = etag
                if stamp is not None:
                    answer["Last-Modified"] = _http_date(stamp)
                return _settle(request, answer, page, store_under=etag if shared else None)
            answer["ETag"] = etag
            if stamp is not None:
                answer["Last-Modified"] = _http_date(stamp)
            return _finish(answer, shared=shared)

        return wrapper

    return decorator


_PRECONDITIONS = ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


def _conditional_response(request: Any, etag: str, stamp: int | None) -> HttpResponse | None:
    """Django's 304/412 decision; a request with none of the four precondition headers (most first visits) has
    nothing to decide, and Django would answer None after parsing four absent headers."""
    meta = request.META
    if not any(header in meta for header in _PRECONDITIONS):
        return None
    return get_conditional_response(request, etag=etag, last_modified=stamp)


@lru_cache(maxsize=256)
def _http_date(stamp: int) -> str:
    # Validators give the same few Last-Modified times request after request: format each once.
    return http_date(stamp)


def _csrf_cookie_pending(request: Any) -> bool:
    # Set before the view only when the browser sent a malformed CSRF cookie: the response will carry a Set-Cookie,
    # which a public response must not; and the flag could no longer tell whether the page used a token.
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


def _settle(request: Any, response: Any, page: PageMode, store_under: str | None = None) -> Any:
    """Cache-Control for a response the view made, decided once it is rendered (a DRF or template response renders
    after the view returns): a shared page that used a CSRF token is made private and not stored."""
    _finish(response, shared=page is not True)
    if page is True:
        return response

    def settle(rendered: Any) -> None:
        if page == "shared" and request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            logger.warning("%s rendered a CSRF token although its view is declared page='shared'; not shared",
                           request.path)
            for header in ("ETag", "Last-Modified"):
                if header in rendered:
                    del rendered[header]
            rendered["Cache-Control"] = "private, no-cache"
            return
        if store_under is not None and not rendered.streaming:
            _store(store_under, rendered.content, rendered["Content-Type"])

    if hasattr(response, "add_post_render_callback") and not response.is_rendered:
        response.add_post_render_callback(settle)
    else:
        settle(response)
    return response


BODY_SECONDS = 300  # bounded memory in the local-memory cache; Redis keeps them for every process

# Stored bodies are also kept in the process itself, in front of the Django cache: a body read from there costs a
# dictionary lookup, not a cache round trip (Redis: a network call and 20 KB copied; local memory: a lock, a key check
# and an unpickling). This is safe for the same reason the store is: the ETag names everything the body depends on
# (the validators' values, the language, the path, the release), so a body is only ever served under the ETag it was
# made for, and new data gives a new ETag, which misses here. Bounded by count and size, least recently used out first.
BODY_MEMORY_ENTRIES = 512
BODY_MEMORY_BYTES = 32 * 1024 * 1024
_bodies: "OrderedDict[str, tuple[bytes, str]]" = OrderedDict()
_bodies_size = 0
_bodies_lock = threading.Lock()


def _body_key(etag: str) -> str:
    return f"httpcache:body:{etag.strip(chr(34))}"


def _stored(etag: str) -> HttpResponse | None:
    with _bodies_lock:
        stored = _bodies.get(etag)
        if stored is not None:
            _bodies.move_to_end(etag)
    if stored is None:
        stored = cache.get(_body_key(etag))
        if stored is None:
            return None
        _remember(etag, stored)
    content, content_type = stored
    return HttpResponse(content, content_type=content_type)


def _store(etag: str, content: bytes, content_type: str) -> None:
    cache.set(_body_key(etag), (content, content_type), BODY_SECONDS)
    _remember(etag, (content, content_type))


def _remember(etag: str, stored: tuple[bytes, str]) -> None:
    global _bodies_size
    size = len(stored[0])
    if size > BODY_MEMORY_BYTES // 8:  # a very large body would push out many others: the Django cache keeps it
        return
    with _bodies_lock:
        previous = _bodies.pop(etag, None)
        if previous is not None:
            _bodies_size -= len(previous[0])
        _bodies[etag] = stored
        _bodies_size += size
        while _bodies and (len(_bodies) > BODY_MEMORY_ENTRIES or _bodies_size > BODY_MEMORY_BYTES):
            _, dropped = _bodies.popitem(last=False)
            _bodies_size -= len(dropped[0])


def forget_stored_bodies() -> None:
    """Empty this process's store of bodies (the Django cache's copies are the caller's to clear): for tests that
    measure the view itself."""
    global _bodies_size
    with _bodies_lock:
        _bodies.clear()
        _bodies_size = 0


def signed_in(request: Any) -> bool:
    """A session user, a DRF-authenticated user, or credentials sent at all (a shared cache must not answer those)."""
    if request.META.get("HTTP_AUTHORIZATION"):
        return True
    for candidate in (request, getattr(request, "_request", None)):
        user = getattr(candidate, "user", None) if candidate is not None else None
        if user is not None and user.is_authenticated:
            return True
    return False


def _messages_waiting(request: Any) -> bool:
    # A 304 would show the cached page without the message, and the message would then appear on a later page.
    if "messages" in request.COOKIES:
        return True
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    session = getattr(getattr(request, "_request", request), "session", None)
    return bool(session is not None and session.get("_messages"))


_CACHE_CONTROL = {True: "public, no-cache", False: "private, no-cache"}
_VARY = ", ".join(VARY)


def _finish(response: Any, *, shared: bool) -> Any:
    headers = response.headers
    if "Cache-Control" not in headers and "Vary" not in headers:
        # A response that says nothing yet (a stored body, a 304, most views): what the two patches below would
        # write, without parsing headers that are not there.
        headers["Cache-Control"] = _CACHE_CONTROL[shared]
        headers["Vary"] = _VARY
        return response
    if shared:
        patch_cache_control(response, public=True, no_cache=True)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, VARY)
    return response


def _etag(request: Any, source: Any, *, per_browser: bool) -> str:
    parts = [release(), translation.get_language() or "", request.get_full_path(), repr(source)]
    if per_browser:
        # The CSRF secret the page's form token is made from; created now if the browser has none, so that the
        # page rendered next uses the same one and the very next revalidation can be a 304.
        if "CSRF_COOKIE" not in request.META:
            get_token(request)
        parts.append(request.META.get("CSRF_COOKIE", ""))
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f'"{digest}"'


@lru_cache(maxsize=1)
def release() -> str:
    """Changes when the code, templates or translations change, so that a deployment is not answered 304 with pages
    rendered by the code before. The same on every host with the same files (content, not file times);
    ``QINGDAN_RELEASE`` overrides it."""
    if os.environ.get("QINGDAN_RELEASE"):
        return os.environ["QINGDAN_RELEASE"]
    base = Path(settings.BASE_DIR)
    skip = {".venv", "var", "staticfiles", "tests", "bench", "data", "node_modules", ".git", "media"}
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if relative.parts[0] in skip or path.suffix not in (".py", ".html", ".mo") or not path.is_file():
            continue
        try:
            content = path.read_bytes()
        except OSError:  # removed while we walk (an editor's temporary file): not part of the release
            continue
        digest.update(str(relative).encode())
        digest.update(content)
    return digest.hexdigest()


# --- cheap validators: several one-value subqueries in one round trip -----------------------------------------------

def scalars(**subqueries: QuerySet) -> dict[str, Any]:
    """``SELECT (q1), (q2), …``: each queryset gives one value (``.values(field)[:1]`` or one of the helpers below)."""
    sql, params = _compile(subqueries)
    return _run(sql, params, list(subqueries))


class _Input:
    """Where a request's value goes in a compiled validator query (see ``compiled_scalars``)."""

    def __init__(self, name: str) -> None:
        self.name = name


def param(name: str, output_field: Field | None = None) -> RawSQL:
    """A request value in a validator query built for ``compiled_scalars``: compiled once, filled in per request."""
    return RawSQL("%s", (_Input(name),), output_field=output_field or CharField())


_COMPILED: dict[tuple[str, str], tuple[str, list[Any], list[str], list[tuple[int, str]]]] = {}


def compiled_scalars(key: str, build: Callable[[], dict[str, QuerySet]], **values: Any) -> dict[str, Any]:
    """``scalars`` for a query whose shape never changes, only its inputs (``param(name)`` in ``build``): the ORM
    compiles it once per process; afterwards a request costs the database round trip alone (the compilation of a
    dozen subqueries costs more than running them)."""
    db = connections[DEFAULT_DB_ALIAS]  # what `connection` stands for, looked up once (each use of it looks again)
    vendor = db.vendor
    entry = _COMPILED.get((vendor, key))
    if entry is None:
        subqueries = build()
        sql, params = _compile(subqueries)
        inputs = [(i, p.name) for i, p in enumerate(params) if isinstance(p, _Input)]
        entry = _COMPILED[(vendor, key)] = (sql, params, list(subqueries), inputs)
    sql, template, names, inputs = entry
    params = list(template)
    for i, name in inputs:
        params[i] = _prepared(values[name], db)
    # PostgreSQL: psycopg prepares the statement once it has run a few times on a connection (settings:
    # server_side_binding, prepare_threshold), so planning a dozen subqueries, which costs more than running them
    # (0.8 ms against 0.3 ms for the committee page), is done once per connection.
    return _run(db, sql, params, names)


def _prepared(value: Any, db: Any = connection) -> Any:
    if isinstance(value, datetime):
        return db.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return db.ops.adapt_datefield_value(value)
    return value


def _compile(subqueries: dict[str, QuerySet]) -> tuple[str, list[Any]]:
    sqls: list[str] = []
    params: list[Any] = []
    for queryset in subqueries.values():
        sql, values = queryset.query.sql_with_params()
        sqls.append(f"({sql})")
        params.extend(values)
    return "SELECT " + ", ".join(sqls), params


def _run(db: Any, sql: str, params: list[Any], names: list[str]) -> dict[str, Any]:
    # The statement (2 KB for a validator query) is converted to the database's placeholders once, not on every
    # request, unless someone watches the queries (core.prepared.execute).
    with db.cursor() as cursor:
        row = execute(cursor, sql, params).fetchone()
    return dict(zip(names, row, strict=True))


def first(queryset: QuerySet, field: str) -> QuerySet:
    """One field of the queryset's first row (mind the ordering)."""
    return queryset.values(field)[:1]


def row(queryset: QuerySet, *fields: str) -> QuerySet:
    """Several fields of the queryset's first row as one value, "a|b|c": one subquery (and one join) instead of one
    per field — the database's planning time grows with the number of subqueries."""
    return queryset.annotate(_row=_joined(*[Cast(f, CharField()) for f in fields])).values("_row")[:1]


def summary(queryset: QuerySet, field: str = "updated_at") -> QuerySet:
    """"count|latest" of the queryset's rows (plain functions, not aggregates: no GROUP BY, one row)."""
    return queryset.order_by().annotate(_summary=_joined(
        Cast(Func(F("pk"), function="COUNT"), CharField()), Cast(Func(F(field), function="MAX"), CharField()),
    )).values("_summary")


def count(queryset: QuerySet) -> QuerySet:
    return queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")


def total(queryset: QuerySet, field: str) -> QuerySet:
    return queryset.order_by().annotate(_s=Func(F(field), function="SUM")).values("_s")


def _joined(*parts: Any) -> Concat:
    pieces: list[Any] = []
    for part in parts:
        pieces += [part, Value("|")]
    return Concat(*pieces[:-1], output_field=CharField())


def history_stamp(*models: type[Model]) -> dict[str, QuerySet]:
    """The newest history row of each tracked model ("history_id|history_date"): every create, edit and delete of a
    tracked model writes one (DESIGN.md §5, bulk paths through the history helpers), and reading it is one index lookup.

    History ids are handed out at insert, not commit: two overlapping writers of one model may commit out of order on
    PostgreSQL. Use stamps for data written rarely and by one writer (divisions, the legal registry, organisations);
    read published versions themselves (``row``/``summary``) for what changes in the daily workflow."""
    out: dict[str, QuerySet] = {}
    for model in models:
        historical = model.history.model  # type: ignore[attr-defined]
        out[model._meta.label_lower.replace(".", "_")] = row(historical.objects.order_by("-history_id"), "history_id", "history_date")
    return out


def as_datetime(value: Any) -> datetime | None:
    """A time read through ``scalars`` (SQLite gives text in UTC, PostgreSQL an aware datetime or text with offset)."""
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or UTC) if value else None
    return _parsed(str(value))


@lru_cache(maxsize=1024)
def _parsed(text: str) -> datetime | None:
    # Validators read the same few stamps on every request: parse each once.
    if "-" not in text or ":" not in text:
        return None
    try:
        parsed = parse_datetime(text)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def newest(values: dict[str, Any]) -> datetime | None:
    """The latest time among the values (and the parts of "a|b|c" values): the Last-Modified of what they describe."""
    times = []
    for value in values.values():
        for part in (value.split("|") if isinstance(value, str) else [value]):
            if (moment := as_datetime(part)) is not None:
                times.append(moment)
    return max(times) if times else None


def validators_from(values: dict[str, Any], *extra: Any) -> Validators:
    """(etag source, last modified) from ``scalars`` results plus anything else the response depends on."""
    items = tuple(sorted(values.items()))
    try:
        modified = _newest_of(items)
    except TypeError:  # an unhashable value
        modified = newest(values)
    return (items, *extra), modified


@lru_cache(maxsize=1024)
def _newest_of(items: tuple[tuple[str, Any], ...]) -> datetime | None:
    # The same values come back request after request until the data changes: split and compare them once.
    return newest(dict(items))
