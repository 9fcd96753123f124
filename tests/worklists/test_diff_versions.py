"""The diff of two stored versions (pages, API): same meaning as before it was made fast, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legal.choices import Status
from legal.models import LegalSource, Provision
from regions.models import Region
from worklists import services
from worklists.choices import ListKind, Origin, VersionStatus
from worklists.models import Citation, ListVersion, WorkItem, WorkList

pytestmark = pytest.mark.django_db


@pytest.fixture
def law():
    source = LegalSource.objects.create(name="测试法", level="law")
    return source, {n: Provision.objects.create(source=source, article=n) for n in range(1, 6)}


@pytest.fixture
def two_versions():
    region = Region.objects.create(code="990000000000", name="测试省", level=1)
    worklist = WorkList.objects.create(region=region, kind=ListKind.CATALOG, title="测试目录")
    old = ListVersion.objects.create(worklist=worklist, number=1, title="测试目录", status=VersionStatus.SUPERSEDED)
    new = ListVersion.objects.create(worklist=worklist, number=2, title="测试目录", previous=old)
    return old, new


def put(version, code, name, *, position, cites=(), **fields):
    item = WorkItem.objects.create(version=version, code=code, name=name, content=fields.pop("content", f"{name}内容"),
                                   category=fields.pop("category", "perform"), position=position, **fields)
    for i, (source, provision) in enumerate(cites):
        Citation.objects.create(item=item, source=source, provision=provision, position=i)
    return item


def orm_snapshots(version):
    """The snapshots as the ORM builds them item by item: the reference the fast path must match."""
    return [services.snapshot(i) for i in services.items_with_citations(version)]


def test_snapshots_of_every_demo_version_match_the_item_by_item_snapshots():
    versions = list(ListVersion.objects.all())
    assert versions
    for version in versions:
        assert services.snapshots(version) == orm_snapshots(version), version


def test_snapshots_keep_derivation_whole_law_citations_and_the_status_of_the_basis(two_versions, law):
    old, new = two_versions
    source, provisions = law
    upper = put(old, "U01", "上级事项", position=1, cites=[(source, provisions[1])])
    put(new, "U01", "上级事项", position=1, origin=Origin.DERIVED, derived_from=upper,
        cites=[(source, None), (source, provisions[2])])
    Provision.objects.filter(pk=provisions[2].pk).update(status=Status.REPEALED)
    (snap,) = services.snapshots(new)
    assert snap.upper_code == "U01" and snap.origin == Origin.DERIVED
    assert [(c.article, c.status) for c in snap.citations] == [("", "in_force"), ("第二条", "repealed")]
    assert services.snapshots(new) == orm_snapshots(new)


def test_diff_reports_added_removed_and_changed_items(two_versions, law):
    old, new = two_versions
    source, p = law
    put(old, "A", "保留事项", position=1, cites=[(source, p[1])])
    put(old, "B", "删除事项", position=2, cites=[(source, p[1])])
    put(old, "C", "改名事项", position=3, cites=[(source, p[1])], agency="民政")
    put(new, "A", "保留事项", position=1, cites=[(source, p[1])])
    put(new, "C", "改名后的事项", position=2, cites=[(source, p[1])], agency="卫生健康")
    put(new, "D", "新增事项", position=3, cites=[(source, p[1])])
    result = services.diff_versions(old, new)
    assert result["added"] == [{"code": "D", "name": "新增事项"}]
    assert result["removed"] == [{"code": "B", "name": "删除事项"}]
    assert result["changed"] == [{"code": "C", "name": "改名后的事项", "fields": {
        "name": {"old": "改名事项", "new": "改名后的事项"},
        "content": {"old": "改名事项内容", "new": "改名后的事项内容"},
        "agency": {"old": "民政", "new": "卫生健康"},
    }}]


def test_a_moved_item_is_neither_added_removed_nor_changed(two_versions, law):
    old, new = two_versions
    source, p = law
    for position, code in enumerate("ABC", start=1):
        put(old, code, f"事项{code}", position=position, cites=[(source, p[1])])
    for position, code in enumerate("CAB", start=1):
        put(new, code, f"事项{code}", position=position, cites=[(source, p[1])])
    assert services.diff_versions(old, new) == {"added": [], "removed": [], "changed": []}


def test_added_items_are_listed_in_the_order_of_the_new_version(two_versions, law):
    old, new = two_versions
    source, p = law
    for position, code in enumerate(["Z", "M", "A"], start=1):
        put(new, code, f"事项{code}", position=position, cites=[(source, p[1])])
    assert [i["code"] for i in services.diff_versions(old, new)["added"]] == ["Z", "M", "A"]
    assert [i["code"] for i in services.diff_versions(None, new)["added"]] == ["Z", "M", "A"]


def test_a_changed_legal_basis_shows_the_old_and_new_citations(two_versions, law):
    old, new = two_versions
    source, p = law
    other = LegalSource.objects.create(name="另一部法", level="law")
    put(old, "A", "事项甲", position=1, cites=[(source, p[1]), (other, None)])
    put(new, "A", "事项甲", position=1, cites=[(source, p[3]), (other, None)])
    put(old, "B", "事项乙", position=2, cites=[(source, None)])
    put(new, "B", "事项乙", position=2, cites=[(source, p[2])])
    changed = {c["code"]: c["fields"] for c in services.diff_versions(old, new)["changed"]}
    assert changed == {
        "A": {"basis": {"old": "测试法 第一条；另一部法", "new": "测试法 第三条；另一部法"}},
        "B": {"basis": {"old": "测试法", "new": "测试法 第二条"}},
    }


def test_a_changed_status_of_the_basis_alone_is_not_a_difference(two_versions, law):
    old, new = two_versions
    source, p = law
    put(old, "A", "事项甲", position=1, cites=[(source, p[1])])
    put(new, "A", "事项甲", position=1, cites=[(source, p[1])])
    LegalSource.objects.filter(pk=source.pk).update(status=Status.AMENDED)
    assert services.diff_versions(old, new)["changed"] == []


def test_the_diff_of_the_demo_catalog_matches_the_item_by_item_diff():
    from worklists import engine

    catalog = ListVersion.objects.get(worklist__region__code="210000000000", number=2)
    expected = engine.diff(orm_snapshots(catalog.previous), orm_snapshots(catalog))
    assert services.diff_versions(catalog.previous, catalog) == expected
    assert expected["added"] and expected["changed"]


def _queries_for_diff(old, new) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.diff_versions(old, new)
    return len(ctx.captured_queries)


def test_the_diff_uses_the_same_few_queries_for_3_items_and_for_60(two_versions, law):
    old, new = two_versions
    source, p = law
    for n in range(3):
        put(old, f"S{n}", f"事项{n}", position=n, cites=[(source, p[1 + n % 5])])
        put(new, f"S{n}", f"事项{n}改", position=n, cites=[(source, p[1 + (n + 1) % 5]), (source, None)])
    small = _queries_for_diff(old, new)
    for n in range(3, 60):
        put(old, f"S{n}", f"事项{n}", position=n, cites=[(source, p[1 + n % 5])])
        put(new, f"T{n}", f"事项{n}", position=n, cites=[(source, p[1 + (n + 1) % 5]), (source, None)])
    large = _queries_for_diff(old, new)
    assert small == large == 4  # items and citations, for each of the two versions
