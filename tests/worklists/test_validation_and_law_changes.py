"""Blocking checks at submission, and law changes flagging every dependent item (Art. 4(3))."""

import pytest

from legal.choices import Status
from legal.models import LegalSource, Provision
from legal.services import record_change
from worklists import services
from worklists.choices import FlagStatus
from worklists.models import ItemFlag, Notification

pytestmark = pytest.mark.django_db


def add_local(user, draft, name, content, basis="中华人民共和国民法典 第三十二条", code="L01"):
    return services.save_item(user, draft, {
        "code": code, "name": name, "content": content, "category": "assist", "applies_to": "both", "agency": "民政",
    }, services.resolve_basis(basis))


def test_submission_is_blocked_when_a_local_item_makes_the_committee_the_responsible_subject(huanggu_draft, demo_user):
    user = demo_user("huanggu.ca")
    add_local(user, huanggu_draft, "违建管理", "由社区居委会负责辖区占道经营、乱搭乱建的日常管理并承担管理责任")
    with pytest.raises(services.ValidationFailed) as failed:
        services.submit(user, huanggu_draft)
    finding = failed.value.report.errors[0]
    assert (finding.article, finding.clause, finding.item) == (8, 1, "L01")
    huanggu_draft.refresh_from_db()
    assert huanggu_draft.status == "draft"


def test_submission_is_blocked_by_an_item_without_basis_and_by_duplicates(huanggu_draft, demo_user):
    user = demo_user("huanggu.ca")
    item = huanggu_draft.items.get(code="P03")
    services.save_item(user, huanggu_draft, {}, [], item=item)
    add_local(user, huanggu_draft, "调解民间纠纷", "重复的事项", code="L02")
    with pytest.raises(services.ValidationFailed) as failed:
        services.submit(user, huanggu_draft)
    found = {(f.code, f.item) for f in failed.value.report.errors}
    assert ("no_basis", "P03") in found and ("duplicate_name", "L02") in found


def test_submission_is_blocked_by_a_repealed_provision(huanggu_draft, demo_user):
    user = demo_user("huanggu.ca")
    provision = Provision.objects.get(source__name="中华人民共和国民法典", source__status=Status.IN_FORCE, article=32, paragraph=None)
    record_change(demo_user("province.ca"), source=provision.source, provision=provision, new_status=Status.REPEALED, note="测试")
    with pytest.raises(services.ValidationFailed) as failed:
        services.submit(user, huanggu_draft)
    assert {f.item for f in failed.value.report.errors if f.code == "repealed_basis"} == {"A07"}


def test_the_submit_api_returns_the_validation_report(huanggu_draft, demo_user, api_for):
    add_local(demo_user("huanggu.ca"), huanggu_draft, "商业保险", "每个社区完成家庭财产商业保险投保不少于50户")
    response = api_for("huanggu.ca").post(f"/api/v1/worklists/versions/{huanggu_draft.pk}/submit", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_failed"
    assert any(f["article"] == 8 and f["clause"] == 3 for f in body["validation"]["errors"])


def test_a_law_change_flags_dependent_items_in_every_list_and_notifies_each_owner(demo_user):
    source = LegalSource.objects.get(name="中华人民共和国民法典")
    change = record_change(demo_user("province.ca"), source=source, new_status=Status.AMENDED, note="测试修正")
    flagged = ItemFlag.objects.filter(change=change)
    regions = set(flagged.values_list("item__version__worklist__region__code", flat=True))
    # Catalog v2, 沈阳市 list v1 and its open draft, 皇姑区 list v1; never the superseded catalog v1.
    assert regions == {"210000000000", "210100000000", "210105000000"}
    assert not flagged.filter(item__version__status="superseded").exists()
    assert set(flagged.values_list("item__code", flat=True)) == {"A07", "A08"}
    assert change.flagged_items == flagged.count()
    for username in ("province.ca", "shenyang.ca", "huanggu.ca"):
        assert Notification.objects.filter(recipient=demo_user(username).organisation, text__contains="中华人民共和国民法典").exists()


def test_the_demo_shows_the_2025_renumbering_flagged_and_adjusted():
    flags = ItemFlag.objects.filter(change__source__version_label="2018年修正")
    assert flags.exists()
    assert set(flags.values_list("status", flat=True)) == {FlagStatus.ADJUSTED}
    assert set(flags.values_list("item__version__number", flat=True)) == {1}


def test_a_flag_is_confirmed_with_a_reason_only_by_the_owner(demo_user):
    source = LegalSource.objects.get(name="中华人民共和国民法典")
    change = record_change(demo_user("province.ca"), source=source, new_status=Status.AMENDED)
    flag = ItemFlag.objects.filter(change=change, item__version__worklist__region__code="210105000000").first()
    from core.api import ApiError

    with pytest.raises(ApiError):
        services.confirm_flag(demo_user("shenyang.ca"), flag, "仍有效")
    with pytest.raises(ApiError):
        services.confirm_flag(demo_user("huanggu.ca"), flag, "")
    flag = services.confirm_flag(demo_user("huanggu.ca"), flag, "条文未变")
    assert flag.status == FlagStatus.CONFIRMED


def test_an_adjusted_version_that_cites_the_new_text_closes_the_flags(huanggu_draft, demo_user, walk):
    old = LegalSource.objects.get(name="中华人民共和国民法典")
    new = LegalSource.objects.create(name=old.name, version_label="测试修正", level=old.level)
    change = record_change(demo_user("province.ca"), source=old, new_status=Status.AMENDED, replacement=new)
    user = demo_user("huanggu.ca")
    for code, article in (("A07", "第三十二条"), ("A08", "第一千一百四十五条")):
        item = huanggu_draft.items.get(code=code)
        cites = services.resolve_basis(f"{old.name} {article}", create=True, sources={old.name: new})
        services.save_item(user, huanggu_draft, {}, cites, item=item)
    previous = huanggu_draft.previous
    walk(huanggu_draft)
    statuses = set(ItemFlag.objects.filter(change=change, item__version=previous).values_list("status", flat=True))
    assert statuses == {FlagStatus.ADJUSTED}
    assert not ItemFlag.objects.filter(change=change, item__version=huanggu_draft, status=FlagStatus.OPEN).exists()
