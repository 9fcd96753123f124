"""Access control everywhere (issue 10 item 1): every route, every model; anonymous, in scope, out of scope, wrong role.

Every business object of the Liaoning demo lives in 皇姑区 (210105); the neighbouring county's users (大连市中山区:
zhongshan.ca, chunhai.community) must find nothing of it, and the system, security and audit administrators no business
data at all (core/scoping.py). New routes and new models fail these tests until they are classified here.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.forms.models import model_to_dict

from tests.security.access import HUANGGU, WENGUAN, ZHONGSHAN, Route, all_routes, fill

pytestmark = pytest.mark.django_db

ROUTES = all_routes()
ADMINS = ["audit.admin", "security.admin", "system.admin"]
NEIGHBOURS = ["zhongshan.ca", "zhongshan.gov", "chunhai.community"]
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _plain_static_storage_and_private_media(settings, tmp_path):  # noqa: ANN001, ANN202
    """Pages render without a collectstatic manifest (make test builds one; a run of this file alone need not);
    attachments made here go to a temporary directory."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.MEDIA_ROOT = str(tmp_path)

# --- 1a. every route is classified ------------------------------------------------------------------------------------
# Anyone may read these (the regulation, the regions, published lists and plans, the four check endpoints, the complaint
# form and tracking, certificate verification, health, API schema and docs). Their private objects still answer 404.
PUBLIC_PAGES = {
    "healthz", "ping", "set_language", "javascript-catalog", "accounts:login", "accounts:logout",
    "regions:browse", "regions:detail", "legal:index", "legal:source",
    "worklists:index", "worklists:region", "worklists:public_version", "worklists:diff", "worklists:export",
    "worklists:search", "worklists:feed",
    "admission:check", "admission:plaques", "reporting:index", "reporting:elements", "reporting:plan",
    "assessment:check", "assessment:plan",
    "certificates:catalogs", "certificates:catalog_version", "certificates:check", "certificates:guide", "certificates:verify",
    "supervision:complaint_new", "supervision:track", "verify",
    "admission:index", "assessment:index", "certificates:index", "supervision:index",
    "portal:home", "portal:regulation", "portal:about", "portal:committee",
}
PUBLIC_API = {
    "api-root", "api-schema", "api-docs", "api-token",
    "api-region", "api-region-children", "api-legal-sources", "api-legal-source",
    "api-committee-worklist", "api-worklist-versions", "api-worklist-version", "api-worklist-diff",
    "api-admission-check", "api-admission-plaques", "api-reporting-analyze", "api-reporting-elements",
    "api-assessment-check", "api-assessment-plans", "api-assessment-plan",
    "api-certificates-check", "api-certificates-verify", "api-committee-certificates",
    "api-complaints", "api-complaint-status",
}
PRIVATE_PAGES = {
    "accounts:profile", "accounts:otp", "accounts:audit", "portal:dashboard",
    "legal:change", "legal:new_provision", "legal:new_source",
    "worklists:work", "worklists:create_draft", "worklists:version", "worklists:item_new", "worklists:item_edit",
    "worklists:item_remove", "worklists:omission", "worklists:transition", "worklists:filing", "worklists:flags",
    "worklists:notifications",
    "admission:requests", "admission:request_new", "admission:request", "admission:request_step", "admission:attachment",
    "admission:inbox", "admission:target", "admission:target_step",
    "reporting:channels", "reporting:channel_new", "reporting:channel", "reporting:channel_step", "reporting:review",
    "reporting:mapping", "reporting:plan_edit", "reporting:exceptions", "reporting:fill", "reporting:received",
    "reporting:channel_edit", "reporting:analyze",
    "assessment:plans", "assessment:plan_create", "assessment:plan_edit", "assessment:indicator_new",
    "assessment:indicator_edit", "assessment:indicator_delete", "assessment:finding_dismiss", "assessment:plan_results",
    "assessment:plan_step", "assessment:results", "assessment:visits", "assessment:visit_new", "assessment:visit_totals",
    "certificates:issue", "certificates:register", "certificates:detail", "certificates:pdf", "certificates:revoke",
    "certificates:refuse", "certificates:manage", "certificates:derive", "certificates:catalog_edit",
    "certificates:catalog_type_add", "certificates:catalog_type", "certificates:catalog_type_remove",
    "certificates:catalog_type_restore", "certificates:catalog_publish",
    "supervision:my_complaints", "supervision:cases", "supervision:case", "supervision:case_step", "supervision:attachment",
    "supervision:notices", "supervision:violations", "supervision:dashboard", "supervision:scorecards", "supervision:scorecard",
}
PRIVATE_API = {
    "api-jobs", "api-job", "api-organisations", "api-me",
    "api-worklist-import", "api-worklist-step", "api-worklist-filing",
    "api-admission-requests", "api-admission-request", "api-admission-contract", "api-admission-request-step",
    "api-admission-targets", "api-admission-target-step",
    "api-reporting-channels", "api-reporting-channel", "api-reporting-channel-step", "api-reporting-submissions",
    "api-assessment-record-result", "api-assessment-plan-step", "api-assessment-results", "api-assessment-visits",
    "api-assessment-visit-totals",
    "api-certificates", "api-certificates-issue", "api-certificate", "api-certificate-pdf", "api-certificate-revoke",
    "api-supervision-cases", "api-supervision-case",
}
ADMIN_PREFIX = "sysadmin/"  # the Django admin: every route but its login page sends strangers to that login
ADMIN_PUBLIC = {"admin:login", "admin:logout"}


def _sample_values() -> dict[str, Any]:
    """Path arguments taken from the demo data, so that public routes answer with real objects."""
    from assessment.models import AssessmentPlan, PlanFinding
    from certificates.models import CatalogVersion
    from legal.models import LegalSource
    from regions.models import Organisation
    from reporting.models import ReportingChannel, ReportingPlan
    from supervision.models import Case
    from worklists.models import Filing, ListVersion

    version = ListVersion.objects.filter(worklist__region__code=HUANGGU).order_by("-number").first()
    plan = AssessmentPlan.objects.filter(status="published").first()
    return {
        "code": WENGUAN, "token": "no-such-token", "fmt": "csv", "step": "submit", "decision": "accept", "url": "x",
        "number": Case.objects.order_by("pk").first().number,
        "item_pk": version.items.first().pk, "upper_pk": 1,
        "indicator_pk": plan.indicators.first().pk, "finding_pk": PlanFinding.objects.first().pk,
        "app_label": "accounts", "object_id": 1, "id": 1, "content_type_id": 1,
        # pk per route (namespace), the rest fall back to 1
        "pk:legal": LegalSource.objects.first().pk, "pk:worklists": version.pk, "pk:api-worklist": version.pk,
        "pk:worklists:filing": Filing.objects.first().pk, "pk:assessment": plan.pk, "pk:api-assessment": plan.pk,
        "pk:reporting:plan": ReportingPlan.objects.first().pk, "pk:reporting": ReportingChannel.objects.first().pk,
        "pk:certificates:catalog_version": CatalogVersion.objects.first().pk,
        "pk:supervision:scorecard": Organisation.objects.get(region__code=HUANGGU, kind="department",
                                                             name__contains="卫生健康").pk,
    }


def path_of(route: Route, samples: dict[str, Any]) -> str:
    values = {}
    for param in route.params:
        if param == "pk":
            keys = [k for k in samples if k.startswith("pk:") and route.name.startswith(k[3:])]
            values[param] = samples[max(keys, key=len)] if keys else 1
        else:
            values[param] = samples[param]
    return fill(route.pattern, values)


def _no_data(body: bytes) -> bool:
    """An API refusal carries only the error envelope (DESIGN §8)."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and set(data) == {"error"}


def test_every_route_is_classified_as_public_or_private():
    names = {r.name for r in ROUTES if not r.pattern.startswith(ADMIN_PREFIX)}
    classified = PUBLIC_PAGES | PUBLIC_API | PRIVATE_PAGES | PRIVATE_API
    assert not names - classified, f"classify these routes in tests/security/test_access_matrix.py: {sorted(names - classified)}"
    assert not classified - names, f"these classified routes no longer exist: {sorted(classified - names)}"
    assert not (PUBLIC_PAGES | PUBLIC_API) & (PRIVATE_PAGES | PRIVATE_API)
    for r in ROUTES:
        if r.name in PUBLIC_API | PRIVATE_API:
            assert r.is_api, r
        elif r.name in PUBLIC_PAGES | PRIVATE_PAGES:
            assert not r.is_api, r


def test_anonymous_get_of_every_route():
    """Private pages send strangers to the sign-in page, private API paths answer 401/403 with no data; public routes
    answer without a server error."""
    from django.test import Client

    client = Client()
    samples = _sample_values()
    wrong: list[str] = []
    for route in ROUTES:
        path = path_of(route, samples)
        response = client.get(path)
        status, location = response.status_code, response.get("Location", "")
        if route.pattern.startswith(ADMIN_PREFIX):
            ok = route.name in ADMIN_PUBLIC or (status == 302 and location.startswith("/sysadmin/login/"))
        elif route.name in PRIVATE_PAGES:
            ok = status == 302 and location.startswith(LOGIN)
        elif route.name in PRIVATE_API:
            ok = status in (401, 403) and _no_data(response.content)
        else:
            ok = status < 500
        if not ok:
            wrong.append(f"{route.name} {path} → {status} {location}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_writes_to_every_private_route_are_refused():
    """POST, PATCH, DELETE, OPTIONS and HEAD by a stranger: sign-in page or 401/403 (405 where the method does not exist)."""
    from django.test import Client

    client = Client()
    samples = _sample_values()
    wrong: list[str] = []
    for route in ROUTES:
        if route.name not in PRIVATE_PAGES | PRIVATE_API:
            continue
        path = path_of(route, samples)
        for method in ("post", "patch", "delete", "options", "head"):
            if method == "head":
                response = client.head(path)
            else:
                response = getattr(client, method)(path, "{}", content_type="application/json")
            status = response.status_code
            if route.is_api:
                ok = status == 405 or (status in (401, 403) and (method == "head" or _no_data(response.content)))
            else:
                ok = status == 405 or (status == 302 and response["Location"].startswith(LOGIN))
            if not ok:
                wrong.append(f"{method} {path} → {status}")
    assert not wrong, "\n".join(wrong)


def test_public_pages_of_a_version_answer_404_for_a_draft_whoever_asks(client, clients):  # noqa: ANN001
    version = _draft_version(None)
    for c in (client, clients("huanggu.ca"), clients("zhongshan.ca")):
        for url in (f"/worklists/v/{version.pk}/", f"/worklists/v/{version.pk}/diff/", f"/worklists/v/{version.pk}/export.csv",
                    f"/worklists/v/{version.pk}/export.xlsx", f"/worklists/v/{version.pk}/export.json"):
            assert c.get(url).status_code == 404, url


def _schema(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def _route_for_schema_path(path: str) -> Route | None:
    for route in ROUTES:
        # the schema names a pk "{id}": compare with every parameter blanked
        if route.is_api and "/" + re.sub(r"<[^>]+>", "{}", route.pattern) == re.sub(r"\{[^}]+\}", "{}", path):
            return route
    return None


def test_the_openapi_schema_lists_exactly_the_classified_api_routes():
    from django.test import Client

    paths = _schema(Client())["paths"]
    unknown = [p for p in paths if _route_for_schema_path(p) is None]
    assert not unknown, f"schema paths without a route: {unknown}"
    documented = {_route_for_schema_path(p).name for p in paths}
    undocumented = {r.name for r in ROUTES if r.is_api} - documented
    assert undocumented <= {"api-schema", "api-docs", "api-root"}, f"API routes missing from the schema: {undocumented}"


def test_no_private_api_path_answers_an_anonymous_get_with_data():
    from django.test import Client

    client = Client()
    samples = _sample_values()
    leaks = []
    for path, operations in _schema(client)["paths"].items():
        route = _route_for_schema_path(path)
        if "get" not in operations or route is None or route.name in PUBLIC_API:
            continue
        response = client.get(path_of(route, samples))
        if response.status_code not in (401, 403) or not _no_data(response.content):
            leaks.append(f"{path} → {response.status_code} {response.content[:120]!r}")
    assert not leaks, "\n".join(leaks)


# --- 1b. every model: a registry of what to try -----------------------------------------------------------------------
@dataclass
class Entry:
    """One model with pages or API paths of its own. ``make`` returns an in-scope object of 皇姑区 (created through the
    services when the demo has none that is private). Users in ``inside`` see it; ``outside`` (the neighbouring county)
    and ``wrong_role`` find nothing: 404, or 403 for a role refused outright."""

    model: str
    make: Callable[[Any], Any]
    pages: list[Callable[[Any], str]] = field(default_factory=list)
    apis: list[Callable[[Any], str]] = field(default_factory=list)
    inside: list[str] = field(default_factory=lambda: ["huanggu.ca"])
    outside: list[str] = field(default_factory=lambda: list(NEIGHBOURS))
    wrong_role: list[str] = field(default_factory=lambda: list(ADMINS))
    # list pages, searches and exports (query strings included), and list APIs that must show the object in scope only
    list_pages: list[Any] = field(default_factory=list)  # url(obj), or (url(obj), marker(obj))
    list_apis: list[str] = field(default_factory=list)
    text: Callable[[Any], str] = str  # what identifies the object in a list page or an export
    list_inside: list[str] | None = None  # who sees it in the lists, when not everyone in ``inside``
    api_key: str = "id"  # how a list API names the object
    public: bool = False  # a published object: anyone may read it

    def __str__(self) -> str:
        return self.model


def _user(username: str) -> Any:
    from accounts.models import User

    return User.objects.get(username=username)


def _draft_version(_ctx: Any) -> Any:
    """A draft of 皇姑区's list with a local item that exists nowhere else."""
    from regions.models import Region
    from worklists import services

    user = _user("huanggu.ca")
    version = services.create_draft(user, Region.objects.get(code=HUANGGU))
    services.save_item(user, version, {"code": "ACL-1", "name": "访问控制测试事项", "content": "仅草稿中可见", "category": "self_governance",
                                       "applies_to": "both"}, [], lock=version.lock)
    return version


def _draft_item(ctx: Any) -> Any:
    return _draft_version(ctx).items.get(code="ACL-1")


def _request(_ctx: Any) -> Any:
    from admission.models import WorkRequest

    return WorkRequest.objects.order_by("pk").first()


def _target(_ctx: Any) -> Any:
    from admission.models import RequestTarget

    return RequestTarget.objects.filter(committee__code=WENGUAN).order_by("pk").first()


def _draft_plan(_ctx: Any) -> Any:
    from assessment.models import AssessmentPlan

    return AssessmentPlan.objects.filter(status="draft").get()


def _result(_ctx: Any) -> Any:
    from assessment.models import AssessmentResult

    return AssessmentResult.objects.order_by("pk").first()


def _visit(_ctx: Any) -> Any:
    from assessment.models import InspectionVisit

    return InspectionVisit.objects.order_by("pk").first()


def _channel(_ctx: Any) -> Any:
    from reporting.models import ReportingChannel

    return ReportingChannel.objects.filter(status="registered").order_by("pk").first()


def _certificate(_ctx: Any) -> Any:
    from certificates import services
    from regions.models import Region

    return services.issue(
        _user("wenguan.village"), Region.objects.get(code=WENGUAN), "C01", subject_name="访问控",
        subject_id_number="210105199001011234", values={"hours": "8", "period": "2025年"}, base_url="http://testserver",
    ).certificate


def _request_attachment(ctx: Any) -> Any:
    from django.core.files.base import ContentFile

    from admission.models import Attachment

    attachment = Attachment(request=_request(ctx), name="通知.txt", size=6)
    attachment.file.save("acl.txt", ContentFile(b"secret"), save=True)
    return attachment


def _complaint_attachment(ctx: Any) -> Any:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from supervision.models import Attachment, Case

    case = Case.objects.filter(complaint__isnull=False).order_by("pk").first()
    stored = default_storage.save("acl-evidence.txt", ContentFile(b"secret"))
    return Attachment.objects.create(complaint=case.complaint,
                                     original_name="证据.txt", stored_name=stored, content_type="text/plain", size=6, sha256="0" * 64)


def _case(_ctx: Any) -> Any:
    from supervision.models import Case

    return Case.objects.order_by("pk").first()


def _filing(_ctx: Any) -> Any:
    from worklists.models import Filing

    return Filing.objects.get(version__worklist__region__code=HUANGGU)


def _department(_ctx: Any) -> Any:
    from regions.models import Organisation

    return Organisation.objects.get(region__code=HUANGGU, kind="department", name__contains="卫生健康")


def _published(model: str, **lookup: Any) -> Callable[[Any], Any]:
    return lambda _ctx: apps.get_model(model).objects.filter(**lookup).order_by("pk").first()


REGISTRY = [
    Entry("worklists.ListVersion", _draft_version,
          pages=[lambda v: f"/worklists/work/v/{v.pk}/"],
          apis=[lambda v: f"/api/v1/worklists/versions/{v.pk}", lambda v: f"/api/v1/worklists/versions/{v.pk}/diff"],
          inside=["huanggu.ca", "huanggu.gov"], wrong_role=[*ADMINS, "wenguan.village", "yalujiang.street"],
          list_pages=[lambda v: "/worklists/work/"], list_apis=["/api/v1/worklists/versions/"],
          text=lambda v: f"/worklists/work/v/{v.pk}/"),
    Entry("worklists.WorkItem", _draft_item,
          pages=[lambda i: f"/worklists/work/v/{i.version_id}/item/{i.pk}/"],
          wrong_role=[*ADMINS, "wenguan.village"],
          list_pages=[(lambda i: f"/worklists/search/?q={i.name}", lambda i: i.code)], text=lambda i: i.name, list_inside=[]),
    # An accepted filing is a public record (public_q): other counties' users and the administrators may read it too,
    # strangers may not; nobody but the receiving city may decide on it (writes below).
    Entry("worklists.Filing", _filing, pages=[lambda f: f"/worklists/work/filing/{f.pk}/"], inside=["huanggu.ca", "shenyang.ca"],
          outside=[], wrong_role=[]),
    Entry("admission.WorkRequest", _request,
          pages=[lambda r: f"/admission/requests/{r.pk}/"], apis=[lambda r: f"/api/v1/admission/requests/{r.pk}"],
          inside=["huanggu.ca", "huanggu.health"],
          list_pages=[(lambda r: "/admission/requests/", lambda r: f"/admission/requests/{r.pk}/"),
                      (lambda r: f"/admission/requests/?q={r.title}", lambda r: f"/admission/requests/{r.pk}/"),
                      lambda r: "/admission/requests/?format=csv", lambda r: "/admission/requests/?format=xlsx"],
          list_apis=["/api/v1/admission/requests"], text=lambda r: r.title),
    Entry("admission.Attachment", _request_attachment, pages=[lambda a: f"/admission/attachments/{a.pk}/"],
          inside=["huanggu.ca", "huanggu.health"]),
    # complaint evidence may reveal the reporter: the handling bureau only, never the agencies of the county
    Entry("supervision.Attachment", _complaint_attachment, pages=[lambda a: f"/supervision/attachments/{a.pk}/"],
          wrong_role=[*ADMINS, "wenguan.village", "huanggu.health", "huanggu.gov", "yalujiang.street"]),
    Entry("admission.RequestTarget", _target,
          pages=[lambda t: f"/admission/inbox/{t.pk}/"], inside=["wenguan.village", "huanggu.ca"],
          list_pages=[lambda t: "/admission/inbox/"], list_apis=["/api/v1/admission/targets"],
          text=lambda t: f"/admission/inbox/{t.pk}/", list_inside=["wenguan.village"]),
    Entry("assessment.AssessmentPlan", _draft_plan,
          pages=[lambda p: f"/assessment/plans/{p.pk}/"],
          apis=[lambda p: f"/api/v1/assessments/plans/{p.pk}"], inside=["huanggu.ca", "yalujiang.street"],
          wrong_role=[*ADMINS, "wenguan.village"],
          list_pages=[lambda p: "/assessment/plans/?status=draft", lambda p: f"/assessment/plans/?q={p.title}"],
          list_apis=["/api/v1/assessments/plans?status=draft"], text=lambda p: f"/assessment/plans/{p.pk}/"),
    Entry("assessment.AssessmentResult", _result,
          list_pages=[lambda r: "/assessment/results/", lambda r: "/assessment/results/?format=csv",
                      lambda r: "/assessment/results/?format=xlsx"],
          list_apis=["/api/v1/assessments/results"], text=lambda r: r.committee.code),
    Entry("assessment.InspectionVisit", _visit,
          list_pages=[lambda v: "/assessment/visits/", lambda v: "/assessment/visits/?format=csv",
                      lambda v: "/assessment/visits/totals/?by=committee", lambda v: "/assessment/visits/totals/?by=committee&format=xlsx"],
          list_apis=["/api/v1/assessments/visits", "/api/v1/assessments/visits/totals?by=committee"],
          text=lambda v: v.committee.code),
    Entry("reporting.ReportingChannel", _channel,
          pages=[lambda c: f"/reporting/channels/{c.pk}/"], apis=[lambda c: f"/api/v1/reporting/channels/{c.pk}"],
          wrong_role=[*ADMINS, "wenguan.village"],
          list_pages=[(lambda c: "/reporting/channels/", lambda c: f"/reporting/channels/{c.pk}/"),
                      (lambda c: f"/reporting/channels/?q={c.name}", lambda c: f"/reporting/channels/{c.pk}/"),
                      lambda c: "/reporting/channels/?format=csv", lambda c: "/reporting/channels/?format=xlsx"],
          list_apis=["/api/v1/reporting/channels"], text=lambda c: c.name),
    Entry("certificates.Certificate", _certificate,
          pages=[lambda c: f"/certificates/{c.pk}/"],
          apis=[lambda c: f"/api/v1/certificates/{c.pk}", lambda c: f"/api/v1/certificates/{c.pk}/pdf"],
          inside=["wenguan.village"], list_inside=["wenguan.village", "huanggu.ca"],  # only the committee reprints
          list_pages=[lambda c: "/certificates/register/", lambda c: "/certificates/register/?format=csv",
                      lambda c: "/certificates/register/?format=xlsx"],
          list_apis=["/api/v1/certificates"], text=lambda c: c.serial),
    Entry("supervision.Case", _case,
          pages=[lambda c: f"/supervision/cases/{c.number}/"], apis=[lambda c: f"/api/v1/supervision/cases/{c.number}"],
          list_pages=[lambda c: "/supervision/cases/"], list_apis=["/api/v1/supervision/cases/"],
          text=lambda c: c.number, api_key="number"),
    Entry("regions.Organisation", _department,
          pages=[lambda o: f"/supervision/scorecards/{o.pk}/"], list_apis=["/api/v1/organisations/?page_size=1000&search=卫生健康"],
          wrong_role=[*ADMINS, "wenguan.village"]),
    # Published objects: anyone reads them (public_q); their drafts are covered by the entries above.
    Entry("worklists.WorkList", _published("worklists.WorkList", region__code=HUANGGU),
          pages=[lambda w: f"/worklists/r/{w.region.code}/"], public=True),
    Entry("legal.LegalSource", _published("legal.LegalSource"), pages=[lambda s: f"/legal/s/{s.pk}/"],
          apis=[lambda s: f"/api/v1/legal/sources/{s.pk}"], public=True),
    Entry("reporting.ReportingPlan", _published("reporting.ReportingPlan", status="published"),
          pages=[lambda p: f"/reporting/plans/{p.pk}/"], public=True),
    Entry("certificates.CatalogVersion", _published("certificates.CatalogVersion", catalog__region__code=HUANGGU),
          pages=[lambda v: f"/certificates/catalogs/{v.pk}/"], public=True),
    Entry("regions.Region", _published("regions.Region", code=WENGUAN),
          pages=[lambda r: f"/committees/{r.code}/", lambda r: f"/worklists/r/{r.code}/"],
          apis=[lambda r: f"/api/v1/regions/{r.code}", lambda r: f"/api/v1/committees/{r.code}/worklist"], public=True),
]

# Models with no page or API path of their own, with the reason; new models must be added here or to REGISTRY.
EXEMPT = {
    "core.AuditEvent": "read only by audit administrators through accounts:audit (tests/accounts/test_audit_log.py)",
    "core.AuditAnchor": "audit-chain anchors, read by manage.py verify_audit only",
    "core.Job": "system administrators' jobs API, tested in tests/core/",
    "regions.RegionCodeChange": "import bookkeeping, shown on no page",
    "regions.SubtreeCount": "cached counts of the public region tree",
    "accounts.User": "only /api/v1/me and the profile page, both of the signed-in user",
    "accounts.Membership": "shown only on the user's own profile",
    "legal.Provision": "shown inside the public legal source page",
    "legal.LawChange": "shown inside the public legal source page",
    "worklists.Citation": "shown inside its item's version (ListVersion, WorkItem)",
    "worklists.Omission": "shown inside its draft version (ListVersion)",
    "worklists.ItemFlag": "listed on worklists:flags, reached through the version (ListVersion)",
    "worklists.Notification": "listed on worklists:notifications for the recipient organisation only",
    "admission.ServicePurchase": "shown inside its work request (WorkRequest)",
    "reporting.DataElement": "the public data-element dictionary (public_q)",
    "reporting.LearntMapping": "used by the mapping page of its county only",
    "reporting.UnresolvedField": "shown inside its county's review page",
    "reporting.ChannelField": "shown inside its channel (ReportingChannel)",
    "reporting.PlanEntry": "shown inside its annual plan (ReportingPlan)",
    "reporting.PlanException": "shown inside the exceptions page of its county",
    "reporting.ElementValue": "the committee's own filled data, shown on its fill page",
    "reporting.Submission": "listed on reporting:received for the receiving agency",
    "reporting.IdempotencyRecord": "request bookkeeping, shown on no page",
    "assessment.PlanFinding": "shown inside its plan (AssessmentPlan)",
    "assessment.Indicator": "edited inline on its plan's page (AssessmentPlan); writes are tested below",
    "certificates.NegativeListVersion": "the public national negative list",
    "certificates.NegativeItem": "the public national negative list",
    "certificates.Catalog": "reached through its versions (CatalogVersion)",
    "certificates.CertificateType": "shown inside its catalog version (CatalogVersion)",
    "certificates.RefusedDemand": "recorded by the committee, shown in supervision's violations of its county",
    "supervision.Complaint": "the complainant reaches it by tracking code; agencies through its case (Case)",
    "supervision.CorrectionOrder": "shown inside its case (Case)",
    "supervision.Notice": "listed on supervision:notices, shown inside its case",
    "supervision.DisciplineReferral": "shown inside its case (Case)",
    "supervision.CaseEvent": "shown inside its case (Case)",
}
OUR_APPS = {"core", "regions", "accounts", "legal", "worklists", "admission", "reporting", "assessment", "certificates",
            "supervision", "portal", "textmatch"}


def test_every_model_is_in_the_registry_or_exempt_with_a_reason():
    models = {m._meta.label for m in apps.get_models() if m._meta.app_label in OUR_APPS
              and not m.__name__.startswith("Historical")}  # history rows are shown only inside their object's pages
    registered = {e.model for e in REGISTRY}
    missing = models - registered - set(EXEMPT)
    assert not missing, f"add these models to REGISTRY or EXEMPT in tests/security/test_access_matrix.py: {sorted(missing)}"
    assert not (registered | set(EXEMPT)) - models, "stale entries"
    assert all(EXEMPT.values())
    for label in registered:
        model = apps.get_model(label)
        assert hasattr(model, "scope_code_field") or hasattr(model, "public_q"), f"{label} is not scoped (core/scoping.py)"


DETAIL = [e for e in REGISTRY if e.pages or e.apis]
PRIVATE_DETAIL = [e for e in DETAIL if not e.public]
LISTS = [e for e in REGISTRY if e.list_pages or e.list_apis]


def _urls(entry: Entry, obj: Any) -> list[tuple[str, bool]]:
    return [(make(obj), False) for make in entry.pages] + [(make(obj), True) for make in entry.apis]


@pytest.fixture
def clients(db) -> Callable[[str | None], Any]:  # noqa: ANN001
    """One client per user for the test (signed-in sessions are rows of the test transaction)."""
    from django.test import Client

    from tests.conftest import verify_second_factor

    made: dict[str | None, Any] = {}

    def get(username: str | None) -> Any:
        if username not in made:
            client = Client()
            if username:
                user = _user(username)
                client.force_login(user)
                verify_second_factor(client, user)
            made[username] = client
        return made[username]

    return get


@pytest.mark.parametrize("entry", PRIVATE_DETAIL, ids=str)
def test_anonymous_finds_no_private_object(entry, client):  # noqa: ANN001
    obj = entry.make(None)
    for url, is_api in _urls(entry, obj):
        response = client.get(url)
        if is_api:
            assert response.status_code in (401, 403, 404) and _no_data(response.content), url
        else:
            assert response.status_code == 404 or response["Location"].startswith(LOGIN), url


@pytest.mark.parametrize("entry", DETAIL, ids=str)
def test_users_in_scope_see_the_object(entry, clients):  # noqa: ANN001
    obj = entry.make(None)
    for username in entry.inside + (NEIGHBOURS[:1] + [None] if entry.public else []):
        for url, _is_api in _urls(entry, obj):
            response = clients(username).get(url)
            assert response.status_code == 200, f"{username} {url} → {response.status_code}"


@pytest.mark.parametrize("entry", PRIVATE_DETAIL, ids=str)
def test_users_of_the_neighbouring_county_find_nothing(entry, clients):  # noqa: ANN001
    obj = entry.make(None)
    for username in entry.outside:
        for url, is_api in _urls(entry, obj):
            response = clients(username).get(url)
            assert response.status_code == 404, f"{username} {url} → {response.status_code}"
            if is_api:
                assert _no_data(response.content)


@pytest.mark.parametrize("entry", PRIVATE_DETAIL, ids=str)
def test_users_of_a_wrong_role_find_nothing(entry, clients):  # noqa: ANN001
    obj = entry.make(None)
    for username in entry.wrong_role:
        for url, is_api in _urls(entry, obj):
            response = clients(username).get(url)
            assert response.status_code in (403, 404), f"{username} {url} → {response.status_code}"
            if is_api:
                assert _no_data(response.content)


def _text(response: Any) -> str:
    """What a page or an export says: HTML, CSV, JSON, or the XML inside an xlsx workbook."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", ""):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return "".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))
    return body.decode(errors="replace")


def _api_keys(response: Any, key: str) -> set[Any]:
    data = response.json()
    rows = data.get("results", data.get("rows", data)) if isinstance(data, dict) else data
    return {row.get(key) for row in rows if isinstance(row, dict)} if isinstance(rows, list) else set()


@pytest.mark.parametrize("entry", LISTS, ids=str)
def test_lists_searches_and_exports_show_the_object_in_scope_only(entry, clients):  # noqa: ANN001
    obj = entry.make(None)
    inside = entry.inside if entry.list_inside is None else entry.list_inside
    for page in entry.list_pages:
        # a search echoes its query: such pages name what marks the object in their results
        url_of, marker_of = page if isinstance(page, tuple) else (page, entry.text)
        url, marker = url_of(obj), marker_of(obj)
        for username in inside:
            response = clients(username).get(url)
            assert response.status_code == 200 and marker in _text(response), f"{username} misses it in {url}"
        for username in entry.outside + entry.wrong_role:
            response = clients(username).get(url)
            assert marker not in _text(response), f"{username} sees it in {url}"
    marker = entry.text(obj)
    for url in entry.list_apis:
        key = getattr(obj, entry.api_key)
        for username in inside:
            response = clients(username).get(url)
            assert response.status_code == 200, f"{username} {url} → {response.status_code}"
            assert key in _api_keys(response, entry.api_key) or marker in response.content.decode(), f"{username} misses it in {url}"
        for username in entry.outside + entry.wrong_role:
            response = clients(username).get(url)
            assert response.status_code in (200, 403, 404), f"{username} {url} → {response.status_code}"
            if response.status_code == 200:
                assert key not in _api_keys(response, entry.api_key) and marker not in response.content.decode(), \
                    f"{username} sees it in {url}"


def test_the_public_region_page_of_a_list_shows_no_draft(client, clients):  # noqa: ANN001
    version = _draft_version(None)
    for c in (client, clients("zhongshan.ca"), clients("audit.admin")):
        for url in (f"/worklists/r/{HUANGGU}/", f"/committees/{WENGUAN}/", "/worklists/feed.atom", f"/api/v1/committees/{WENGUAN}/worklist",
                    "/worklists/search/?q=访问控制测试事项", "/worklists/search/?q=ACL-1"):
            body = c.get(url).content.decode()
            # the draft's link and its item's code and content (a search echoes its query, never these)
            assert f"/v/{version.pk}/" not in body and "item-ACL-1" not in body and "仅草稿中可见" not in body, url
    assert "访问控制测试事项" in clients("huanggu.ca").get(f"/worklists/work/v/{version.pk}/").content.decode()  # control


# --- 1b. dropdowns offer nothing out of scope ----------------------------------------------------------------------
# (form page, user, select name → model whose scope_code_field places the option)
DROPDOWNS = [
    ("/admission/requests/new/", "huanggu.health", {"sender": "regions.Organisation"}),
    ("/admission/requests/new/", "huanggu.ca", {"sender": "regions.Organisation"}),
    ("/admission/requests/new/", "zhongshan.ca", {"sender": "regions.Organisation"}),
    ("/reporting/channels/new/", "huanggu.health", {"owner": "regions.Organisation"}),
    ("/reporting/channels/new/", "huanggu.ca", {"owner": "regions.Organisation"}),
    ("/reporting/channels/new/", "zhongshan.ca", {"owner": "regions.Organisation"}),
    ("/reporting/plan/", "yalujiang.street", {"channel": "reporting.ReportingChannel"}),
    ("/reporting/plan/", "zhongshan.ca", {"channel": "reporting.ReportingChannel"}),
    (f"/assessment/visits/new/?committee={WENGUAN}", "huanggu.health", {"plan": "assessment.AssessmentPlan", "agency": "regions.Organisation"}),
    (f"/assessment/visits/new/?committee={WENGUAN}", "zhongshan.ca", {"plan": "assessment.AssessmentPlan", "agency": "regions.Organisation"}),
    # the agency that must correct may sit above the county (supervision.services.agencies_over): ancestors allowed
    ("/supervision/cases/{case}/", "huanggu.ca", {"agency": "regions.Organisation^"}),
    ("/reporting/channels/{channel}/", "huanggu.ca", {"into": "reporting.ReportingChannel"}),
]


def _options(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        found.setdefault(name, []).extend(v for v in re.findall(r'<option value="([^"]*)"', body) if v)
    return found


def _in_subtrees(username: str, code: str, above: bool = False) -> bool:
    """Whether ``code`` lies in the user's subtrees (or, with ``above``, on the path down to one of them)."""
    from accounts.choices import Action
    from core.scoping import scope_q
    from regions.models import Region

    q = scope_q(_user(username), Action.VIEW, "code")
    if q is not None and Region.objects.filter(q, code=code).exists():
        return True
    if above and q is not None:
        region = Region.objects.get(code=code)
        return any(r.is_within(region) for r in Region.objects.filter(q, level__lte=3))
    return False


@pytest.mark.parametrize(("url", "username", "selects"), DROPDOWNS, ids=[f"{u}-{n}" for u, n, _s in DROPDOWNS])
def test_form_dropdowns_offer_nothing_out_of_scope(url, username, selects, clients):  # noqa: ANN001
    url = url.format(case=_case(None).number, channel=_channel(None).pk)
    response = clients(username).get(url)
    assert response.status_code in (200, 403, 404), f"{url} → {response.status_code}"
    options = _options(response.content.decode()) if response.status_code == 200 else {}
    for name, label in selects.items():
        above = label.endswith("^")
        model = apps.get_model(label.rstrip("^"))
        for value in options.get(name, []):
            found = model.objects.filter(pk=int(value))
            assert found.exists(), f"{name}={value}"
            if hasattr(model, "public_q") and found.filter(model.public_q()).exists():
                continue  # published: anyone may see it
            code = found.values_list(model.scope_code_field, flat=True).first()
            assert _in_subtrees(username, code, above), f"{username} is offered {label} {value} ({code}) in {url}"


def test_dropdown_check_would_catch_an_option_of_the_neighbouring_county():
    """The check above can fail: a 中山区 organisation is out of 皇姑区 users' subtrees."""
    from regions.models import Organisation

    zhongshan_org = Organisation.objects.filter(region__code__startswith="210202").first()
    assert not _in_subtrees("huanggu.ca", zhongshan_org.region.code)
    assert _in_subtrees("zhongshan.ca", zhongshan_org.region.code)


# --- 1c. writes by strangers are refused and change nothing -----------------------------------------------------------
@dataclass
class Write:
    entry: str
    method: str
    url: Callable[[Any], str]
    data: dict[str, Any] = field(default_factory=dict)
    users: list[str] | None = None  # default: the entry's outside and wrong-role users
    invalid_ok: bool = False  # a creation naming objects out of scope may be refused as invalid input (400)
    extra: list[str] = field(default_factory=list)  # users in scope whose role does not allow this step

    def __str__(self) -> str:
        return f"{self.entry}:{self.method}:{self.url.__doc__ or ''}"


def _w(entry: str, method: str, url: str, data: dict[str, Any] | None = None, users: list[str] | None = None,
       invalid_ok: bool = False, extra: list[str] | None = None) -> Write:
    def make(obj: Any) -> str:
        if hasattr(obj, "indicators"):
            obj.indicator_pk = obj.indicators.order_by("pk").first().pk
        return url.format(o=obj)

    make.__doc__ = url
    return Write(entry, method, make, data or {}, users, invalid_ok, extra or [])


WRITES = [
    # a functional department, the government (approver) and the committees below do not compile the county's list
    _w("worklists.ListVersion", "post", "/worklists/work/v/{o.pk}/submit/", extra=["huanggu.health", "huanggu.gov"]),
    _w("worklists.ListVersion", "post", "/worklists/work/v/{o.pk}/item/new/", {"code": "X9", "name": "越权", "content": "越权",
                                                                              "category": "self_governance", "applies_to": "both"}),
    _w("worklists.ListVersion", "post", "/api/v1/worklists/versions/{o.pk}/submit", extra=["huanggu.health", "huanggu.gov"]),
    _w("worklists.ListVersion", "post", "/worklists/work/region/{o.worklist.region.code}/new/", users=["zhongshan.ca", *ADMINS]),
    _w("worklists.WorkItem", "post", "/worklists/work/v/{o.version_id}/item/{o.pk}/", {"code": "ACL-1", "name": "改", "content": "改",
                                                                                   "category": "self_governance", "applies_to": "both"}),
    _w("worklists.WorkItem", "post", "/worklists/work/v/{o.version_id}/item/{o.pk}/remove/", {"reason": "越权"}),
    _w("worklists.Filing", "post", "/api/v1/worklists/filings/{o.pk}/return", {"comments": "越权"},
       users=["dalian.ca", "zhongshan.ca", "wenguan.village", *ADMINS]),
    _w("worklists.Filing", "post", "/worklists/work/filing/{o.pk}/", {"decision": "return", "comments": "越权"},
       users=["dalian.ca", "zhongshan.ca", "wenguan.village", *ADMINS]),
    _w("admission.WorkRequest", "patch", "/api/v1/admission/requests/{o.pk}", {"title": "越权"}),
    _w("admission.WorkRequest", "delete", "/api/v1/admission/requests/{o.pk}"),
    _w("assessment.AssessmentPlan", "patch", "/api/v1/assessments/plans/{o.pk}", {"title": "越权"}),
    _w("assessment.AssessmentPlan", "delete", "/api/v1/assessments/plans/{o.pk}"),
    _w("reporting.ReportingChannel", "patch", "/api/v1/reporting/channels/{o.pk}", {"name": "越权"}),
    _w("reporting.ReportingChannel", "delete", "/api/v1/reporting/channels/{o.pk}"),
    _w("supervision.Case", "patch", "/api/v1/supervision/cases/{o.number}", {"status": "closed"}),
    _w("certificates.Certificate", "delete", "/api/v1/certificates/{o.pk}"),
    _w("admission.WorkRequest", "put", "/api/v1/admission/requests/{o.pk}/contract", {"provider": "越权"}),
    _w("admission.WorkRequest", "post", "/api/v1/admission/requests/{o.pk}/withdraw"),
    _w("admission.WorkRequest", "post", "/admission/requests/{o.pk}/withdraw/"),
    _w("admission.WorkRequest", "post", "/api/v1/admission/requests",
       {"title": "越权派单", "content": "请统计老年人信息", "deadline": "2026-12-31", "committees": [WENGUAN], "submit": True},
       users=["zhongshan.ca", "chunhai.community", *ADMINS], invalid_ok=True),
    _w("admission.WorkRequest", "post", "/api/v1/admission/requests",
       {"title": "越权派单", "content": "请统计老年人信息", "deadline": "2026-12-31", "subtree": "210105023000", "submit": True},
       users=["zhongshan.ca", *ADMINS], invalid_ok=True),
    _w("admission.WorkRequest", "post", "/admission/requests/new/",
       {"kind": "task", "title": "越权派单", "content": "请统计老年人信息", "deadline": "2026-12-31", "committees": WENGUAN},
       users=["zhongshan.ca", *ADMINS], invalid_ok=True),
    # only the committee answers work sent to it
    _w("admission.RequestTarget", "post", "/admission/inbox/{o.pk}/refuse/", {"note": "越权"}, extra=["huanggu.health"]),
    _w("admission.RequestTarget", "post", "/api/v1/admission/targets/{o.pk}/refuse", {"note": "越权"},
       extra=["huanggu.health", "huanggu.ca"]),
    _w("assessment.AssessmentPlan", "post", "/assessment/plans/{o.pk}/edit/", {"title": "越权", "year": 2026}),
    _w("assessment.AssessmentPlan", "post", "/assessment/plans/{o.pk}/submit/"),
    _w("assessment.AssessmentPlan", "post", "/api/v1/assessments/plans/{o.pk}/submit"),
    _w("assessment.AssessmentPlan", "post", "/api/v1/assessments/plans/{o.pk}/results",
       {"committee": WENGUAN, "band": "good", "reasons": "越权"}),
    _w("assessment.AssessmentPlan", "post", "/assessment/plans/{o.pk}/indicators/{o.indicator_pk}/delete/"),
    _w("assessment.InspectionVisit", "post", "/assessment/visits/new/",
       {"committee": "{o.committee.code}", "visited_on": "2026-01-05", "kind": "inspection", "purpose": "越权"},
       users=["zhongshan.ca", "chunhai.community", "wenguan.village", *ADMINS]),
    _w("assessment.InspectionVisit", "post", "/api/v1/assessments/visits",
       {"committee": "{o.committee.code}", "visited_on": "2026-01-05", "kind": "inspection", "purpose": "越权"},
       users=["zhongshan.ca", "chunhai.community", "wenguan.village", *ADMINS]),
    # the county's civil-affairs bureau reviews channels, not the agencies nor the committees
    _w("reporting.ReportingChannel", "post", "/reporting/channels/{o.pk}/approve/", extra=["huanggu.health"]),
    _w("reporting.ReportingChannel", "post", "/api/v1/reporting/channels/{o.pk}/approve", extra=["huanggu.health"]),
    _w("reporting.ReportingChannel", "post", "/reporting/channels/{o.pk}/edit/", {"name": "越权", "kind": "report", "frequency": "monthly"}),
    _w("certificates.Certificate", "post", "/certificates/{o.pk}/revoke", {"reason": "越权"}),
    _w("certificates.Certificate", "post", "/api/v1/certificates/{o.pk}/revoke", {"reason": "越权"}),
    # the handling bureau decides, not the agency complained of nor the committee
    _w("supervision.Case", "post", "/supervision/cases/{o.number}/assign/", extra=["huanggu.health", "wenguan.village"]),
    _w("supervision.Case", "post", "/supervision/cases/{o.number}/decide/", {"founded": "0", "reason": "越权"},
       extra=["huanggu.health", "wenguan.village"]),
    _w("legal.LegalSource", "post", "/legal/s/{o.pk}/change/", {"new_status": "repealed", "note": "越权"},
       users=["zhongshan.ca", "huanggu.ca", "wenguan.village", *ADMINS]),
]
ENTRIES = {e.model: e for e in REGISTRY}


def _snapshot(obj: Any) -> tuple[Any, ...]:
    """The object's fields and history, and how many rows each model of its app has."""
    model = type(obj)
    fresh = model.objects.get(pk=obj.pk)
    history = getattr(fresh, "history", None)
    counts = {m._meta.label: m.objects.count() for m in apps.get_app_config(model._meta.app_label).get_models()}
    return (repr(sorted(model_to_dict(fresh).items())), getattr(fresh, "updated_at", None),
            history.count() if history is not None else None, counts)


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_writes_by_users_out_of_scope_or_of_a_wrong_role_are_refused_and_change_nothing(write, clients):  # noqa: ANN001
    entry = ENTRIES[write.entry]
    obj = entry.make(None)
    before = _snapshot(obj)
    # The three administrators share one (empty) business scope and the GET tests above try all three: writes try one.
    users = write.users if write.users is not None else [
        u for u in entry.outside + entry.wrong_role if u not in ("zhongshan.gov", "audit.admin", "security.admin")]
    users = users + write.extra
    for username in users:
        c = clients(username)
        url = write.url(obj)
        data = {k: v.format(o=obj) if isinstance(v, str) else v for k, v in write.data.items()}
        if url.startswith("/api/"):
            response = getattr(c, write.method)(url, json.dumps(data), content_type="application/json")
            allowed = (400, 403, 404, 405) if write.invalid_ok else (403, 404, 405)
            assert response.status_code in allowed, f"{username} {write.method} {url} → {response.status_code}"
        else:
            response = getattr(c, write.method)(url, data)
            # a page may answer a refusal by going back with a message; the snapshot below proves nothing changed
            allowed = (200, 302, 400, 403, 404, 405) if write.invalid_ok else (302, 403, 404, 405)  # 200: the form again
            assert response.status_code in allowed, f"{username} {write.method} {url} → {response.status_code}"
            assert response.status_code != 302 or not response["Location"].startswith(LOGIN)
        assert _snapshot(obj) == before, f"{username} {write.method} {url} changed something"


def test_the_snapshot_sees_a_write_by_a_user_in_scope(clients):  # noqa: ANN001
    """Control for the test above: the same kind of request by a user in scope does change the row."""
    plan = _draft_plan(None)
    before = _snapshot(plan)
    response = clients("yalujiang.street").post(f"/api/v1/assessments/plans/{plan.pk}/submit", "{}", content_type="application/json")
    assert response.status_code == 200, response.content
    assert _snapshot(plan) != before


# --- every list API returns rows in the user's scope only (core.scoping.restrict), whatever else is in the database ----
LIST_APIS = [
    ("/api/v1/worklists/versions/", "worklists.ListVersion", "id"),
    ("/api/v1/admission/requests", "admission.WorkRequest", "id"),
    ("/api/v1/admission/targets", "admission.RequestTarget", "id"),
    ("/api/v1/assessments/plans", "assessment.AssessmentPlan", "id"),
    ("/api/v1/assessments/results", "assessment.AssessmentResult", "id"),
    ("/api/v1/assessments/visits", "assessment.InspectionVisit", "id"),
    ("/api/v1/reporting/channels", "reporting.ReportingChannel", "id"),
    ("/api/v1/reporting/submissions", "reporting.Submission", "id"),
    ("/api/v1/certificates", "certificates.Certificate", "id"),
    ("/api/v1/supervision/cases/", "supervision.Case", "number"),
    ("/api/v1/organisations/", "regions.Organisation", "id"),
]  # legal sources are all public (LegalSource.public_q), so their list has nothing to restrict
ANONYMOUS_LISTS = {"/api/v1/worklists/versions/", "/api/v1/assessments/plans"}  # published rows only
LIST_USERS = [None, "huanggu.ca", "huanggu.health", "yalujiang.street", "wenguan.village", "zhongshan.ca",
              "chunhai.community", "system.admin"]


@pytest.mark.parametrize(("url", "label", "key"), LIST_APIS, ids=[u for u, _l, _k in LIST_APIS])
def test_list_apis_return_only_rows_in_the_users_scope(url, label, key, clients):  # noqa: ANN001
    from core.scoping import restrict

    if label == "certificates.Certificate":
        _certificate(None)  # the demo issues none (issuing signs a PDF: only where needed)
    model = apps.get_model(label)
    for username in LIST_USERS:
        response = clients(username).get(url)
        if username is None and url not in ANONYMOUS_LISTS:
            assert response.status_code in (401, 403), url
            continue
        assert response.status_code in (200, 403), f"{username} {url} → {response.status_code}"
        if response.status_code == 403:
            continue
        returned = _api_keys(response, key)
        user = _user(username) if username else None
        if user is None:
            from django.contrib.auth.models import AnonymousUser

            user = AnonymousUser()
        allowed = set(restrict(model.objects.all(), user).values_list(key, flat=True))
        assert returned <= allowed, f"{username} gets rows out of scope from {url}: {sorted(returned - allowed)[:5]}"


def test_a_committee_does_not_see_the_work_sent_to_its_neighbouring_committee(clients):  # noqa: ANN001
    from admission.models import RequestTarget

    sibling = RequestTarget.objects.exclude(committee__code=WENGUAN).filter(committee__code__startswith="210105").first()
    assert sibling is not None
    assert clients("wenguan.village").get(f"/admission/inbox/{sibling.pk}/").status_code == 404
    assert sibling.pk not in _api_keys(clients("wenguan.village").get("/api/v1/admission/targets"), "id")
    response = clients("wenguan.village").post(f"/api/v1/admission/targets/{sibling.pk}/refuse", "{}", content_type="application/json")
    assert response.status_code == 404


# --- system administration: jobs and the Django admin hold no business data -----------------------------------------
def test_jobs_are_seen_by_system_administrators_and_their_submitter_only(clients):  # noqa: ANN001
    from core.models import Job

    job = Job.objects.create(kind="core.sleep", created_by=_user("system.admin"))
    assert clients("system.admin").get(f"/api/v1/jobs/{job.pk}").status_code == 200
    for username in ("huanggu.ca", "zhongshan.ca", "audit.admin", "security.admin"):
        response = clients(username).get(f"/api/v1/jobs/{job.pk}")
        assert response.status_code == 404 and _no_data(response.content), username
        response = clients(username).post("/api/v1/jobs", json.dumps({"kind": "core.sleep"}), content_type="application/json")
        assert response.status_code == 403, username
    assert Job.objects.count() == 1


ADMIN_APPS = {"auth", "authtoken", "axes", "otp_totp", "accounts", "regions"}


def test_the_django_admin_registers_no_business_models():
    from django.contrib import admin

    labels = {model._meta.app_label for model in admin.site._registry}
    assert labels <= ADMIN_APPS, f"business data in the admin console: {sorted(labels - ADMIN_APPS)}"


def test_only_the_system_administrator_enters_the_admin_and_only_for_accounts(clients):  # noqa: ANN001
    for username in ("huanggu.ca", "province.ca", "zhongshan.ca", "audit.admin", "security.admin"):
        response = clients(username).get("/sysadmin/accounts/user/")
        assert response.status_code == 302 and response["Location"].startswith("/sysadmin/login/"), username
    system = clients("system.admin")
    assert system.get("/sysadmin/accounts/user/").status_code == 200
    assert system.get("/sysadmin/regions/organisation/").status_code == 403
    assert system.get("/sysadmin/regions/region/").status_code == 403


# --- pages that take a region, a committee or an area as an argument --------------------------------------------------
REGION_ARGUMENT_PAGES = [
    f"/reporting/review/{HUANGGU}/",
    f"/supervision/dashboard/?region={HUANGGU}",
    f"/supervision/scorecards/?region={HUANGGU}&all=1",
    f"/supervision/scorecards/?region={HUANGGU}&all=1&format=xlsx",
    f"/supervision/cases/?region={HUANGGU}",
    f"/supervision/violations/?region={HUANGGU}",
    f"/supervision/notices/?region={HUANGGU}",
    f"/assessment/visits/totals/?within={HUANGGU}&by=committee",
    f"/assessment/visits/?within={HUANGGU}",
    f"/assessment/results/?within={HUANGGU}",
    f"/admission/requests/?within={HUANGGU}",
    f"/api/v1/admission/requests?within={HUANGGU}",
    f"/api/v1/assessments/visits?within={HUANGGU}",
    f"/api/v1/supervision/cases/?region={HUANGGU}",
    f"/certificates/issue/?committee={WENGUAN}",
    f"/certificates/register/?committee={WENGUAN}",
    f"/certificates/derive/{HUANGGU}/",
    "/certificates/catalogs/manage/",
    f"/reporting/fill/?committee={WENGUAN}",
]


def _huanggu_data(body: str, echoed: str) -> list[str]:
    """Division codes of 皇姑区 below the county, and its case numbers, other than the one the page was asked for."""
    found = set(re.findall(r"210105\d{6}|210105-\d{4}-\d{4}", body)) - {echoed, HUANGGU}
    return sorted(found)


def test_the_leak_detector_finds_the_countys_data_on_its_own_pages(clients):  # noqa: ANN001
    """Control for the test below: 皇姑区's own users do see its cases and committees on these pages."""
    assert _huanggu_data(clients("huanggu.ca").get(f"/supervision/cases/?region={HUANGGU}").content.decode(), HUANGGU)
    assert _huanggu_data(clients("huanggu.ca").get(f"/assessment/visits/?within={HUANGGU}").content.decode(), HUANGGU)


# ...and every private page or API path without arguments (dashboards, inboxes, registers, notifications).
PRIVATE_WITHOUT_ARGUMENTS = sorted("/" + r.pattern for r in ROUTES if r.name in PRIVATE_PAGES | PRIVATE_API and not r.params)


# One administrator stands for the three here (same empty business scope; the detail tests try each).
@pytest.mark.parametrize("username", ["zhongshan.ca", "chunhai.community", "system.admin"])
def test_pages_asked_about_the_neighbouring_county_show_none_of_its_data(username, clients):  # noqa: ANN001
    _certificate(None)
    c = clients(username)
    wrong = []
    for url in REGION_ARGUMENT_PAGES + PRIVATE_WITHOUT_ARGUMENTS:
        echoed = WENGUAN if WENGUAN in url else HUANGGU
        response = c.get(url)
        if response.status_code not in (200, 302, 400, 403, 404, 405):
            wrong.append(f"{url} → {response.status_code}")
            continue
        if response.status_code == 200 and "/pdf" not in response.get("Content-Type", "") and (
                leaked := _huanggu_data(_text(response), echoed)):
            wrong.append(f"{url} shows {leaked[:5]}")
    assert not wrong, "\n".join(wrong)


# --- certificate catalogs: a county's draft (certificates.CatalogVersion drafts; the published ones are public) -------
def _draft_catalog() -> Any:
    from certificates import services
    from regions.models import Region

    return services.derive_catalog(_user("huanggu.ca"), Region.objects.get(code=HUANGGU), title="皇姑区证明事项清单（访问控制测试）")


def test_a_draft_catalog_is_seen_in_scope_only(client, clients):  # noqa: ANN001
    version = _draft_catalog()
    pages = [f"/certificates/catalogs/{version.pk}/", f"/certificates/catalogs/{version.pk}/edit/"]
    for url in pages:
        assert clients("huanggu.ca").get(url).status_code == 200, url
        response = client.get(url)
        assert response.status_code == 404 or response["Location"].startswith(LOGIN), url
        for username in [*NEIGHBOURS, *ADMINS, "wenguan.village"]:
            assert clients(username).get(url).status_code in (403, 404), f"{username} {url}"
    for username in [*NEIGHBOURS, *ADMINS]:
        assert f"/certificates/catalogs/{version.pk}/" not in clients(username).get("/certificates/catalogs/").content.decode()


CATALOG_WRITES = [
    ("/certificates/catalogs/{pk}/publish", {"approval_document": "越权〔2026〕1号", "effective_from": "2026-01-01", "lock": "{lock}"}),
    ("/certificates/catalogs/{pk}/types/new/", {"name": "越权证明", "applies_to": "both", "lock": "{lock}"}),
    ("/certificates/catalogs/{pk}/types/C01/remove", {"reason": "越权", "lock": "{lock}"}),
    ("/certificates/catalogs/{pk}/types/C01/restore", {"lock": "{lock}"}),
    (f"/certificates/derive/{HUANGGU}/", {"title": "越权"}),
]


@pytest.mark.parametrize(("url", "data"), CATALOG_WRITES, ids=[u for u, _d in CATALOG_WRITES])
def test_catalog_writes_by_strangers_are_refused_and_change_nothing(url, data, clients):  # noqa: ANN001
    version = _draft_catalog()
    before = _snapshot(version)
    url = url.format(pk=version.pk)
    data = {k: v.format(lock=version.lock_version) for k, v in data.items()}
    for username in [*NEIGHBOURS, *ADMINS, "wenguan.village"]:
        response = clients(username).post(url, data)
        assert response.status_code in (302, 403, 404), f"{username} {url} → {response.status_code}"
        assert _snapshot(version) == before, f"{username} {url} changed something"


@pytest.mark.parametrize("url", ["/certificates/issue/", f"/certificates/refuse/{WENGUAN}/"])
def test_only_the_committee_itself_issues_or_records_refusals(url, clients):  # noqa: ANN001
    from certificates.models import Certificate

    certificate = _certificate(None)
    before = _snapshot(certificate)
    data = {"committee": WENGUAN, "type": "C01", "subject_name": "越权", "subject_id_number": "210105199001011234",
            "hours": "8", "period": "2025年", "text": "越权开具", "agency_name": "越权"}
    for username in [*NEIGHBOURS, *ADMINS, "huanggu.ca", "yalujiang.street"]:
        response = clients(username).post(url, data)
        assert response.status_code in (302, 403, 404), f"{username} {url} → {response.status_code}"
        assert _snapshot(certificate) == before, f"{username} {url} changed something"
    assert Certificate.objects.count() == 1


# --- a user in scope names, in a form, an object of the neighbouring county ------------------------------------------
def _zhongshan_channel() -> Any:
    from regions.models import Organisation, Region
    from reporting.models import ReportingChannel

    owner = Organisation.objects.filter(region__code=ZHONGSHAN, kind="department").first() or \
        Organisation.objects.get(region__code=ZHONGSHAN, kind="civil_affairs")
    return ReportingChannel.objects.create(owner=owner, region=Region.objects.get(code=ZHONGSHAN), name="中山区越权台账",
                                           kind="ledger", frequency="monthly", status="approved")


def test_a_foreign_object_named_in_a_form_is_refused_and_changes_nothing(clients):  # noqa: ANN001
    from reporting.models import ReportingPlan
    from supervision.models import Case

    foreign = _zhongshan_channel()
    channel, case = _channel(None), Case.objects.get(status="verifying")
    plan = ReportingPlan.objects.order_by("pk").first()
    snapshots = [(obj, _snapshot(obj)) for obj in (foreign, channel, case, plan)]
    huanggu, street = clients("huanggu.ca"), clients("yalujiang.street")
    zhongshan_org = foreign.owner
    attempts = [
        (huanggu, f"/reporting/channels/{channel.pk}/merge/", {"into": foreign.pk, "reason": "越权", "lock_version": channel.lock_version}),
        (huanggu, f"/supervision/cases/{case.number}/decide/", {"founded": "1", "agency": zhongshan_org.pk, "facts": "越权",
                                                              "reason": "越权"}),
        (street, "/reporting/plan/", {"channel": foreign.pk, "due": "2026-12-31", "year": plan.year, "lock_version": plan.lock_version}),
    ]
    for c, url, data in attempts:
        response = c.post(url, data)
        assert response.status_code in (200, 302, 400, 403, 404), f"{url} → {response.status_code}"
    for obj, before in snapshots:
        assert _snapshot(obj) == before, f"{obj!r} changed"
    # control: the same decision naming an agency on the case's own path goes through
    from supervision.services import agencies_over

    data = {"founded": "1", "agency": agencies_over(case.region).first().pk, "facts": "核实", "reason": "核实"}
    huanggu.post(f"/supervision/cases/{case.number}/decide/", data)
    assert _snapshot(case) != dict(snapshots)[case]
