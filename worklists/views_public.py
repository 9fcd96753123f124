"""Public pages: published catalogs and lists for every region and committee, history with diffs, search,
open-data downloads and an Atom feed. Only published versions are shown; drafts never are."""

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from core import httpcache
from core.audit import record
from core.models import AuditAction
from legal.models import LegalSource, Provision
from regions.codes import normalise
from regions.models import Region
from regions.services import region_or_404

from . import io as exports
from . import services
from .choices import PUBLIC_STATUSES, Category
from .models import Filing, ListVersion, WorkItem, WorkList

# Art. 8 in plain words: what no list may ask of a committee.
ART8_SUMMARY = [
    (8, 1, "不作为环境整治、城市管理、行政执法、房屋征收、招商引资、安全生产、政务投诉处理等工作的责任主体"),
    (8, 2, "不按法律法规和国家、省统一规定以外的要求设立工作机制、安排专人专岗或者对口挂牌"),
    (8, 3, "不承担商业保险、报刊订阅等任务指标"),
    (8, 4, "工作人员不被未经市、县人民政府批准抽调或者借调"),
    (8, 5, "不承担违反法律法规或者国家、省统一规定增加的其他负担"),
]


def grouped(items: list[WorkItem]) -> list[tuple[str, list[WorkItem]]]:
    return [
        (label, [i for i in items if i.category == value])
        for value, label in Category.choices
        if any(i.category == value for i in items)
    ]


def _public_version(pk: int) -> ListVersion:
    return get_object_or_404(
        ListVersion.objects.select_related("worklist__region").filter(status__in=PUBLIC_STATUSES), pk=pk
    )


def _on(request: HttpRequest) -> date | None:
    try:
        return date.fromisoformat(request.GET["on"]) if request.GET.get("on") else None
    except ValueError:
        return None


def public_stamp() -> dict[str, QuerySet]:
    """What the public list pages and API show, as one-value subqueries: the published versions read directly (how
    many, their latest change, the sum of their cache tokens, which law-change flags bump), filings likewise, and the
    rarely written data around them (region names, the legal registry) by history stamps."""
    public = ListVersion.objects.filter(status__in=PUBLIC_STATUSES)
    return {
        "versions": httpcache.summary(public), "tokens": httpcache.total(public, "cache_token"),
        "filings": httpcache.summary(Filing.objects.all()),
        **httpcache.history_stamp(Region, LegalSource, Provision),
    }


def public_validators(request: HttpRequest, *args: object, **kwargs: object) -> httpcache.Validators:
    """One query for any public list page; the day is part of it (which version is in force depends on it)."""
    return httpcache.validators_from(httpcache.compiled_scalars("worklists:public", public_stamp), timezone.localdate())


@httpcache.conditional(public_validators, page="shared")
def index(request: HttpRequest) -> HttpResponse:
    worklists = (
        WorkList.objects.filter(versions__status__in=PUBLIC_STATUSES).distinct().select_related("region").order_by("region__code")
    )
    # The version in force of every list in one query (not one per list): the newest public one in force today.
    current: dict[int, ListVersion] = {}
    for version in ListVersion.objects.filter(status__in=PUBLIC_STATUSES, effective_from__lte=timezone.localdate()).order_by("-number"):
        current.setdefault(version.worklist_id, version)
    rows = [(w, current.get(w.pk)) for w in worklists]
    return render(request, "worklists/index.html", {"rows": rows})


@httpcache.conditional(public_validators, page="shared")
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    region = region_or_404(code)
    if region.code != normalise(code):
        return redirect("worklists:region", code=region.code)
    on = _on(request)
    effective = services.effective_list(region, on)
    query = request.GET.get("q", "").strip()
    items = effective.items if effective else []
    if query:
        items = [i for i in items if query in i.name or query in i.content or query in i.code]
    worklist = services.worklist_for(region)
    history = list(worklist.versions.filter(status__in=PUBLIC_STATUSES).order_by("-number")) if worklist else []
    omissions = list(effective.version.omissions.select_related("upper_item")) if effective else []
    return render(request, "worklists/region.html", {
        "region": region, "ancestors": region.ancestors(), "effective": effective, "groups": grouped(items),
        "count": len(items), "query": query, "on": on, "history": history, "omissions": omissions,
        "art8": ART8_SUMMARY, "today": timezone.localdate(),
    })


@httpcache.conditional(public_validators, page="shared")
def public_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = _public_version(pk)
    items = services.items_with_citations(version)
    return render(request, "worklists/public_version.html", {
        "version": version, "groups": grouped(items), "count": len(items),
        "local_changes": services.local_changes(version, items),
        "omissions": version.omissions.select_related("upper_item"), "filing": getattr(version, "filing", None),
        "ancestors": version.region.ancestors(),
    })


@httpcache.conditional(public_validators, page="shared")
def diff_page(request: HttpRequest, pk: int) -> HttpResponse:
    version = _public_version(pk)
    against_pk = request.GET.get("against")
    if against_pk:
        other = _public_version(int(against_pk)) if against_pk.isdigit() else None
        if other is None:
            raise Http404
    else:
        other = version.previous if version.previous_id and version.previous.is_public else None
    return render(request, "worklists/diff.html", {
        "version": version, "other": other, "diff": services.labelled(services.diff_versions(other, version)),
    })


@httpcache.conditional(public_validators, page="shared")
def search(request: HttpRequest) -> HttpResponse:
    """Search the items of every list in force, in Chinese (substring match on code, name, content, basis)."""
    query = request.GET.get("q", "").strip()[:50]
    results: list[tuple[ListVersion, WorkItem]] = []
    if query:
        today = timezone.localdate()
        current = [v for w in WorkList.objects.all() if (v := services.in_force(w, today))]
        items = (
            WorkItem.objects.filter(version__in=current)
            .filter(Q(name__contains=query) | Q(content__contains=query) | Q(code__iexact=query)
                    | Q(citations__source__name__contains=query))
            .distinct().select_related("version__worklist__region").order_by("version__worklist__region__code", "position")
        )[:200]
        results = [(i.version, i) for i in items]
    return render(request, "worklists/search.html", {"query": query, "results": results})


FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exports.to_xlsx),
    "csv": ("text/csv; charset=utf-8", exports.to_csv),
    "json": ("application/json; charset=utf-8", exports.to_json),
}


def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    version = _public_version(pk)
    if fmt == "pdf":
        body, content_type = exports.to_pdf(version, request.build_absolute_uri("/")), "application/pdf"
    elif fmt in FORMATS:
        content_type, make = FORMATS[fmt]
        body = make(version)
    else:
        raise Http404
    record(AuditAction.EXPORT, user=request.user, obj=version, request=request, format=fmt)
    response = HttpResponse(body, content_type=content_type)
    filename = f"worklist-{version.region.code}-v{version.number}.{fmt}"
    response["Content-Disposition"] = f'{"inline" if fmt == "pdf" else "attachment"}; filename="{filename}"'
    return response


@httpcache.conditional(public_validators, page=False)  # no form, no CSRF token: shared caches may keep it
def feed(request: HttpRequest) -> HttpResponse:
    """Atom feed of publications (newest first)."""
    versions = (
        ListVersion.objects.filter(status__in=PUBLIC_STATUSES).select_related("worklist__region").order_by("-published_at")[:50]
    )
    atom = Atom1Feed(
        title=_("Published committee work lists"), link=request.build_absolute_uri("/worklists/"),
        description=_("Catalogs and work lists published under Art. 4 of the Liaoning regulation."),
        language="zh-hans", feed_url=request.build_absolute_uri(),
    )
    for version in versions:
        link = request.build_absolute_uri(f"/worklists/v/{version.pk}/")
        atom.add_item(
            title=str(version), link=link, unique_id=link, pubdate=version.published_at, updateddate=version.published_at,
            description=_("Approved by %(body)s, %(doc)s. %(note)s") % {
                "body": version.approving_body, "doc": version.approval_document, "note": version.change_note},
            author_name=version.region.name,
        )
    return HttpResponse(atom.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8")
