from django.contrib.auth.decorators import login_required
from django.db.models import DateField, IntegerField, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from core import httpcache
from regions.choices import Level, OrganisationKind
from regions.codes import InvalidCode, normalise
from regions.models import Organisation, Region
from regions.services import region_or_404, subtree_counts

from .dashboard import panels_for
from .regulation import regulation
from .sections import sections_for

# Plain-language reading of Art. 8 (and Art. 7) for committees and residents: what a committee need not accept.
NEED_NOT_DO = [
    (8, "第八条第（一）项", "不作为环境整治、城市管理、行政执法、房屋征收、招商引资、安全生产、政务投诉处理等工作的责任主体"),
    (8, "第八条第（二）项", "不按法律法规和国家、省统一规定以外的要求设立工作机制、安排专人专岗或者对口挂牌"),
    (8, "第八条第（三）项", "不承担商业保险、报刊订阅等任务指标"),
    (8, "第八条第（四）项", "工作人员不被未经市、县人民政府批准抽调或者借调"),
    (7, "第七条第（一）项、第（二）项", "检查考核不设一票否决，不签责任状，不排名"),
    (7, "第七条第（三）项", "不以会议记录、台账、截图、视频代替工作实绩考核"),
    (6, "第六条第一款", "不重复报送、多头报送、突击报送数据和材料"),
]


def home(request: HttpRequest) -> HttpResponse:
    province = Region.objects.filter(level=Level.PROVINCE, is_active=True).first()
    counts = subtree_counts(province) if province else {}
    return render(request, "portal/home.html", {"province": province, "counts": counts, "regulation": regulation()})


def regulation_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/regulation.html", {"regulation": regulation()})


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html")


def _committee_stamp() -> dict[str, QuerySet]:
    """The query behind the committee page's validators (compiled once; `code`, the chain of codes above it, the day
    and the year are filled in per request)."""
    from assessment.choices import PlanStatus as AssessmentStatus
    from assessment.models import AssessmentPlan
    from certificates.models import PUBLIC_STATUSES as CATALOG_PUBLIC
    from certificates.models import CatalogVersion
    from reporting.choices import PlanStatus as ReportingStatus
    from reporting.models import ReportingPlan
    from worklists.choices import PUBLIC_STATUSES
    from worklists.models import ListVersion

    param = httpcache.param

    def chain(field: str) -> Q:
        return Q(**{field: param("province")}) | Q(**{field: param("city")}) | Q(**{field: param("county")})

    on = param("on", DateField())
    worklist = ListVersion.objects.filter(
        chain("worklist__region__code"), status__in=PUBLIC_STATUSES, effective_from__lte=on,
    ).order_by("-worklist__region__level", "-number")
    catalog = CatalogVersion.objects.filter(
        chain("catalog__region__code"), status__in=CATALOG_PUBLIC, effective_from__lte=param("on", DateField()),
    ).order_by("-catalog__region__level", "-number")
    plan = ReportingPlan.objects.filter(
        region__code=param("township"), year=param("year", IntegerField()), status=ReportingStatus.PUBLISHED)
    assessed = AssessmentPlan.objects.filter(
        Q(region__code=param("county")) | Q(region__code=param("township")), status=AssessmentStatus.PUBLISHED)
    return {
        "committee": httpcache.first(Region.objects.filter(code=param("code"), level=Level.VILLAGE), "pk"),
        **httpcache.history_stamp(Region, Organisation),
        "worklist": httpcache.row(worklist, "pk", "cache_token", "updated_at"),
        "catalog": httpcache.row(catalog, "pk", "updated_at"),
        "plan": httpcache.row(plan, "pk", "updated_at"),
        "assessment": httpcache.summary(assessed),
    }


def committee_validators(request: HttpRequest, code: str) -> httpcache.Validators | None:
    """What the committee page shows, read in one query without rendering: the region (and its organisation), the
    work list in force (with its cache token), the certificate catalog in force, the township's reporting plan and the
    assessment plans covering the committee. None (no validators) when the page redirects or is not found."""
    try:
        code12 = normalise(code)
    except InvalidCode:
        return None
    if code12 != code:
        return None
    today = timezone.localdate()
    values = httpcache.compiled_scalars(
        "portal:committee", _committee_stamp, code=code12, province=code12[:2] + "0" * 10, city=code12[:4] + "0" * 8,
        county=code12[:6] + "0" * 6, township=code12[:9] + "000", on=today, year=today.year,
    )
    if values["committee"] is None:
        return None
    return httpcache.validators_from(values, today)


@httpcache.conditional(committee_validators, page="shared")
def committee(request: HttpRequest, code: str) -> HttpResponse:
    region = region_or_404(code)
    if region.level != Level.VILLAGE:
        raise Http404
    if region.code != normalise(code):
        return redirect("portal:committee", code=region.code)
    organisation = Organisation.objects.filter(region=region, kind=OrganisationKind.COMMITTEE).first()
    return render(request, "portal/committee.html", {
        "region": region, "ancestors": region.ancestors(), "organisation": organisation, "need_not_do": NEED_NOT_DO,
        "sections": [
            # Each section template may read its values at top level or under `section`.
            render_to_string(s.template, {**s.context, "section": s.context, "region": region}, request=request)
            for s in sections_for(request, region)
        ],
    })


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/dashboard.html", {"panels": panels_for(request.user), "memberships": request.user.cached_memberships()})
