"""Query budgets of every list page and list API endpoint (issue 9 item 4).

Each case is requested with a few rows of what it lists and again with many more (copies of a demo row, made in the
test): the number of queries must stay the same — an N+1 shows as growth — and within the case's budget.
"""

import copy
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models.base import ModelState
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

FEW, MANY = 5, 50


@dataclass
class Case:
    name: str
    user: str | None
    url: str
    model: str  # app_label.Model of the rows listed
    where: dict[str, Any] = field(default_factory=dict)  # which demo row to copy
    budget: int = 0  # 0: the default, 15 for a page (session, user, memberships, menu) and 8 for the API
    grows: bool = True  # the response shows each row (checked, so that the copies are really listed)
    seed: Callable[[], models.Model] | None = None  # makes the row to copy where the demo has none
    more: Callable[[int], None] | None = None  # adds n rows where copying one does not fit

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")

    @property
    def max_queries(self) -> int:
        return self.budget or (8 if self.api else 15)


VILLAGE = "210105023201"
STREET = "210105023000"


def _user(username: str) -> Any:
    from accounts.models import User

    return User.objects.get(username=username)


def _certificate() -> models.Model:
    from certificates.models import Certificate
    from certificates.services import effective_catalog
    from regions.models import Region

    committee = Region.objects.get(code=VILLAGE)
    kind = effective_catalog(committee).types[0]
    return Certificate.objects.create(
        committee=committee, certificate_type=kind, type_code=kind.code, title=kind.name, serial="T-0001",
        issued_on="2026-03-01", subject_name="张三", token="t-0001", issued_by=_user("wenguan.village"))


def _submission() -> models.Model:
    from regions.models import Region
    from reporting.models import ReportingChannel, Submission

    channel = ReportingChannel.objects.filter(region__code="210105000000").order_by("pk").first()
    return Submission.objects.create(channel=channel, committee=Region.objects.get(code=VILLAGE), period="2026-01",
                                     data={}, submitted_by=_user("wenguan.village"))


def _notification() -> models.Model:
    from regions.models import Organisation
    from worklists.models import Notification

    return Notification.objects.create(recipient=Organisation.objects.get(region__code="210105000000", kind="civil_affairs"),
                                       text="测试通知", link="/")


def _published_lists(n: int) -> None:
    """n more counties with a published list of their own (the public index lists one row per list)."""
    from django.utils import timezone

    from regions.models import Region
    from worklists.models import ListVersion, WorkList

    counties = Region.objects.filter(level=3, worklist__isnull=True).order_by("code")[:n]
    for county in counties:
        worklist = WorkList.objects.create(region=county, kind="list", title=f"{county.name}工作事项清单")
        ListVersion.objects.create(worklist=worklist, number=1, title=worklist.title, status="published",
                                   published_at=timezone.now(), effective_from=timezone.localdate())

CASES = [
    # pages
    Case("audit log", "audit.admin", "/accounts/audit/", "core.AuditEvent"),
    Case("admission requests", "huanggu.health", "/admission/requests/", "admission.WorkRequest"),
    Case("admission inbox", "wenguan.village", "/admission/inbox/", "admission.RequestTarget", {"committee__code": VILLAGE}),
    Case("assessment plans", "yalujiang.street", "/assessment/plans/", "assessment.AssessmentPlan"),
    Case("assessment results", "yalujiang.street", "/assessment/results/", "assessment.AssessmentResult"),
    Case("inspection visits", "huanggu.ca", "/assessment/visits/", "assessment.InspectionVisit"),
    Case("certificate catalogs", None, "/certificates/catalogs/", "certificates.CatalogVersion", {"status": "published"}),
    Case("certificate register", "wenguan.village", "/certificates/register/", "certificates.Certificate",
         seed=_certificate),
    Case("supervision cases", "huanggu.ca", "/supervision/cases/", "supervision.Case"),
    Case("supervision notices", "huanggu.ca", "/supervision/notices/", "supervision.Notice"),
    Case("data elements", "huanggu.ca", "/reporting/elements/?q={t.name}", "reporting.DataElement"),
    Case("reporting channels", "huanggu.ca", "/reporting/channels/", "reporting.ReportingChannel"),
    Case("plan exceptions", "huanggu.ca", "/reporting/exceptions/", "reporting.PlanException"),
    Case("received submissions", "huanggu.ca", "/reporting/received/", "reporting.Submission", seed=_submission),
    Case("unresolved fields", "huanggu.ca", "/reporting/mapping/", "reporting.UnresolvedField"),
    Case("worklist notifications", "huanggu.ca", "/worklists/work/notifications/", "worklists.Notification",
         {"recipient__name": "皇姑区民政局"}, seed=_notification),
    Case("public work lists", None, "/worklists/", "worklists.WorkList", more=_published_lists),
    Case("my work lists", "huanggu.ca", "/worklists/work/", "worklists.ListVersion", {"worklist__region__code": "210105000000"}),
    Case("law-change flags", "province.ca", "/worklists/work/flags/", "worklists.ItemFlag"),
    Case("legal registry", None, "/legal/", "legal.LegalSource"),
    Case("region children", None, f"/regions/{STREET}/", "regions.Region", {"parent__code": STREET}),
    Case("region search", None, "/regions/?q={t.name}", "regions.Region", {"parent__code": STREET}),
    # API
    Case("api admission requests", "huanggu.health", "/api/v1/admission/requests", "admission.WorkRequest"),
    Case("api admission targets", "wenguan.village", "/api/v1/admission/targets", "admission.RequestTarget",
         {"committee__code": VILLAGE}),
    Case("api assessment plans", "yalujiang.street", "/api/v1/assessments/plans", "assessment.AssessmentPlan"),
    Case("api assessment results", "yalujiang.street", "/api/v1/assessments/results", "assessment.AssessmentResult"),
    Case("api inspection visits", "huanggu.ca", "/api/v1/assessments/visits", "assessment.InspectionVisit"),
    Case("api certificates", "wenguan.village", "/api/v1/certificates", "certificates.Certificate", seed=_certificate),
    Case("api legal sources", None, "/api/v1/legal/sources/", "legal.LegalSource"),
    Case("api region children", None, f"/api/v1/regions/{STREET}/children", "regions.Region", {"parent__code": STREET}),
    Case("api organisations", "huanggu.ca", "/api/v1/organisations/", "regions.Organisation",
         {"region__code__startswith": "210105"}),
    Case("api data elements", "huanggu.ca", "/api/v1/reporting/elements", "reporting.DataElement"),
    Case("api reporting channels", "huanggu.ca", "/api/v1/reporting/channels", "reporting.ReportingChannel"),
    Case("api submissions", "huanggu.ca", "/api/v1/reporting/submissions", "reporting.Submission", seed=_submission),
    Case("api supervision cases", "huanggu.ca", "/api/v1/supervision/cases/", "supervision.Case"),
    Case("api worklist versions", None, "/api/v1/worklists/versions/", "worklists.ListVersion", {"status": "published"}),
]


# --- copies of a demo row ---------------------------------------------------------------------------------------

_numbers = itertools.count(1000)

def _vary(model_field: models.Field, value: Any, i: int) -> Any:
    """A value for a unique field that no other copy (or demo row) has."""
    if isinstance(model_field, models.ForeignKey):
        target = model_field.related_model._default_manager.get(pk=value)
        return copies(target, 1)[0].pk
    if isinstance(model_field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(model_field, models.IntegerField):
        return next(_numbers)
    if isinstance(model_field, models.DateField):
        return value + timedelta(days=i + 1)
    if isinstance(model_field, models.CharField):
        suffix = f"{i:05d}{uuid.uuid4().hex[:6]}"
        text = str(value or "")
        return (text[: max(model_field.max_length - len(suffix), 0)] + suffix)[: model_field.max_length]
    raise AssertionError(f"cannot vary {model_field}")


def _unique_groups(model: type[models.Model]) -> list[list[models.Field]]:
    groups = [[f] for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    names = [list(c.fields) for c in model._meta.constraints if isinstance(c, models.UniqueConstraint) and c.fields]
    names += [list(t) for t in model._meta.unique_together]
    for group in names:
        fields = [model._meta.get_field(n) for n in group]
        plain = [f for f in fields if not f.is_relation]
        groups.append([plain[-1]] if plain else [fields[0]])
    return groups


def copies(template: models.Model, n: int) -> list[models.Model]:
    """n copies of a row, unique fields varied (a unique foreign key gets a copy of its target); no history rows:
    only reads are measured."""
    model = type(template)
    made = []
    for i in range(n):
        obj = copy.copy(template)
        obj._state = ModelState()
        obj.pk = None
        for group in _unique_groups(model):
            for f in group:
                setattr(obj, f.attname, _vary(f, getattr(template, f.attname), i))
        made.append(obj)
    if hasattr(model, "append_many"):  # the audit log is written only as a chain
        return model.append_many(made)
    return model._default_manager.bulk_create(made)


# --- the measurement ---------------------------------------------------------------------------------------------

def _client(case: Case, client_for, api_for):  # noqa: ANN001, ANN202
    if case.api:
        return api_for(case.user)
    return client_for(case.user) if case.user else Client()


def _measure(client, url: str) -> tuple[int, int, Any]:  # noqa: ANN001
    from django.core.cache import cache

    from core import httpcache

    cache.clear()  # the view itself is measured, not a body stored under its ETag (core/httpcache.py)
    httpcache.forget_stored_bodies()  # nor the copy this process keeps of it
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), _rows(response), response


def _rows(response: Any) -> int:
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):
            for key in ("count", "results", "items", "children"):
                if key in body:
                    return body[key] if isinstance(body[key], int) else len(body[key])
        return len(body) if isinstance(body, list) else 0
    return len(response.content)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_list_queries_do_not_grow_with_the_rows_listed(case, client_for, api_for, django_assert_max_num_queries):
    template = apps.get_model(case.model)._default_manager.filter(**case.where).order_by("-pk").first()
    if template is None and case.seed is not None:
        template = case.seed()
    assert template is not None, f"no demo row of {case.model} to copy for {case.name}"
    url = case.url.format(t=template)

    def add(n: int) -> None:
        case.more(n) if case.more else copies(template, n)

    add(FEW)
    client = _client(case, client_for, api_for)
    client.get(url)  # warm per-process caches (memberships, content types, compiled templates)
    few_queries, few_rows, _ = _measure(client, url)
    add(MANY - FEW)
    with django_assert_max_num_queries(case.max_queries):
        many_queries, many_rows, _ = _measure(client, url)
    print(f"QUERIES {case.name}: {few_queries} with {FEW} rows, {many_queries} with {MANY}")
    if case.grows:
        assert many_rows > few_rows, f"{case.name}: the copies are not listed"
    assert many_queries <= few_queries, f"{case.name}: {few_queries} queries with {FEW} rows, {many_queries} with {MANY}"
