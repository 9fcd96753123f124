"""Region browser: province → city → county → township → committee, with counts. Public data."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core import httpcache

from .choices import Level
from .codes import normalise
from .filtersets import RegionFilterSet
from .models import Region
from .services import children_with_committee_counts, region_or_404, subtree_counts


def division_validators(request: HttpRequest, code: str = "") -> httpcache.Validators:
    """Region pages show only the division tree, which changes only through the division import (one writer, through
    the history helpers): the newest region history row stands for all of it. One index lookup; the path is in the ETag."""
    return httpcache.validators_from(
        httpcache.compiled_scalars("regions:divisions", lambda: httpcache.history_stamp(Region)))


@httpcache.conditional(division_validators, page="shared")
def browse(request: HttpRequest) -> HttpResponse:
    """The top of the tree, or search results when a query is given."""
    query = request.GET.get("q", "").strip()
    if query:
        filterset = RegionFilterSet(request.GET, queryset=Region.objects.filter(is_active=True).select_related("parent"))
        page = Paginator(filterset.qs.order_by("level", "code"), 50).get_page(request.GET.get("page"))
        return render(request, "regions/search.html", {"query": query, "page": page, "filterset": filterset})
    provinces = Region.objects.filter(level=Level.PROVINCE, is_active=True)
    if provinces.count() == 1:
        return redirect("regions:detail", code=provinces.get().code)
    rows = []
    for province in provinces:
        rows.append((province, subtree_counts(province).get("village", 0)))
    return render(request, "regions/browse.html", {"rows": rows})


@httpcache.conditional(division_validators, page="shared")
def detail(request: HttpRequest, code: str) -> HttpResponse:
    region = region_or_404(code)
    if region.code != normalise(code):
        return redirect("regions:detail", code=region.code)
    if region.level == Level.VILLAGE:
        return redirect("portal:committee", code=region.code)
    children = children_with_committee_counts(region)
    context = {
        "region": region,
        "ancestors": region.ancestors(),
        "children": children,
        "counts": subtree_counts(region),
        # usually the next level; a city without counties (东莞市) has townships directly below it
        "child_level": Level(children[0][0].level if children else region.level + 1).label,
        "former": region.code_changes.all()[:10],
    }
    return render(request, "regions/detail.html", context)
