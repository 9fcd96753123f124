"""Art. 4 lifecycle: who may do each step, immutability, concurrency, filing, notifications, effective list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.api import ApiError
from core.models import AuditEvent
from worklists import services
from worklists.choices import FilingStatus, VersionStatus
from worklists.models import ListVersion, Notification

pytestmark = pytest.mark.django_db


def test_only_the_civil_affairs_department_of_the_level_starts_a_draft(demo_user, region):
    for username in ("huanggu.gov", "huanggu.health", "zhongshan.ca", "shenyang.ca"):
        with pytest.raises(ApiError) as error:
            services.create_draft(demo_user(username), region("210105000000"))
        assert error.value.status_code == 403, username


def test_a_second_open_version_is_refused_with_409(huanggu_draft, demo_user, region):
    with pytest.raises(ApiError) as error:
        services.create_draft(demo_user("huanggu.ca"), region("210105000000"))
    assert error.value.status_code == 409


def test_derived_draft_links_every_item_to_the_upper_list(huanggu_draft):
    upper = huanggu_draft.upper
    assert upper.worklist.region.code == "210100000000"
    assert all(i.derived_from.version_id == upper.pk for i in huanggu_draft.items.all())
    assert huanggu_draft.items.count() == upper.items.count()


def test_civil_affairs_approver_role_does_not_replace_the_government_approval(huanggu_draft, demo_user):
    services.submit(demo_user("huanggu.ca"), huanggu_draft)
    with pytest.raises(ApiError) as error:
        services.approve(demo_user("huanggu.ca"), huanggu_draft, document="X")
    assert error.value.status_code == 403
    with pytest.raises(ApiError):
        services.approve(demo_user("shenyang.gov"), huanggu_draft, document="X")
    approved = services.approve(demo_user("huanggu.gov"), huanggu_draft, document="皇政〔2026〕99号")
    assert approved.status == VersionStatus.APPROVED and approved.approving_body.endswith("人民政府")


def test_approval_needs_a_document_number(huanggu_draft, demo_user):
    services.submit(demo_user("huanggu.ca"), huanggu_draft)
    with pytest.raises(ApiError) as error:
        services.approve(demo_user("huanggu.gov"), huanggu_draft, document="  ")
    assert error.value.status_code == 400


def test_steps_out_of_order_are_refused(huanggu_draft, demo_user):
    with pytest.raises(ApiError) as error:
        services.publish(demo_user("huanggu.ca"), huanggu_draft)
    assert error.value.status_code == 409
    with pytest.raises(ApiError):
        services.approve(demo_user("huanggu.gov"), huanggu_draft, document="X")


def test_every_step_notifies_the_next_actor_and_is_audited(huanggu_draft, demo_user, walk):
    gov = demo_user("huanggu.gov").organisation
    services.submit(demo_user("huanggu.ca"), huanggu_draft)
    assert Notification.objects.filter(recipient=gov, text__contains="第2版").exists()
    services.approve(demo_user("huanggu.gov"), huanggu_draft, document="皇政〔2026〕99号")
    version = services.publish(demo_user("huanggu.ca"), huanggu_draft)
    filing = services.file_version(demo_user("huanggu.ca"), version)
    shenyang_ca = demo_user("shenyang.ca").organisation
    assert filing.filed_with == shenyang_ca
    assert Notification.objects.filter(recipient=shenyang_ca, link__contains=f"/filing/{filing.pk}/").exists()
    steps = set(AuditEvent.objects.filter(object_type="worklists.ListVersion", object_id=str(version.pk))
                .values_list("detail__step", flat=True))
    assert {"draft", "submit", "approve", "publish", "file"} <= steps


def test_publishing_supersedes_the_old_version_and_invalidates_the_effective_list(huanggu_draft, demo_user, region, walk):
    village = region("210105023201")
    before = services.effective_list_payload(village)
    old = ListVersion.objects.get(pk=before["list"]["id"])
    assert "HG01" in {i["code"] for i in before["items"]}
    # The new version (derived afresh from 沈阳市) drops the local addition.
    version = walk(huanggu_draft)
    after = services.effective_list_payload(village)
    assert after["list"]["id"] == version.pk and after["list"]["approval_document"] == "皇政〔2026〕99号"
    assert "HG01" not in {i["code"] for i in after["items"]}
    old.refresh_from_db()
    assert old.status == VersionStatus.SUPERSEDED
    # On a date before the new publication, the old version is still the one in force.
    yesterday = timezone.localdate() - timedelta(days=1)
    assert services.effective_list(village, yesterday).version.pk == old.pk


def test_a_version_published_for_a_future_date_leaves_the_current_one_in_force(huanggu_draft, demo_user, region):
    services.submit(demo_user("huanggu.ca"), huanggu_draft)
    services.approve(demo_user("huanggu.gov"), huanggu_draft, document="皇政〔2026〕99号")
    later = timezone.localdate() + timedelta(days=30)
    services.publish(demo_user("huanggu.ca"), huanggu_draft, effective_from=later)
    village = region("210105023201")
    assert services.effective_list(village).version.pk != huanggu_draft.pk
    assert services.effective_list(village, later).version.pk == huanggu_draft.pk


def test_published_versions_are_immutable(demo_user, region):
    published = services.effective_list(region("210105023201")).version
    item = published.items.first()
    with pytest.raises(ApiError) as error:
        services.save_item(demo_user("huanggu.ca"), published, {"name": "改"}, [], item=item)
    assert error.value.status_code == 409 and error.value.default_code == "immutable"


def test_an_edit_based_on_a_stale_form_is_refused_with_409(huanggu_draft, demo_user):
    item = huanggu_draft.items.get(code="P03")
    cites = [(c.source, c.provision) for c in item.citations.all()]
    stale = huanggu_draft.lock
    services.save_item(demo_user("huanggu.ca"), huanggu_draft, {"agency": "司法"}, cites, item=item, lock=stale)
    with pytest.raises(ApiError) as error:
        services.save_item(demo_user("huanggu.ca"), huanggu_draft, {"agency": "民政"}, cites, item=item, lock=stale)
    assert error.value.status_code == 409 and error.value.default_code == "edit_conflict"
    item.refresh_from_db()
    assert item.agency == "司法"


def test_removing_an_upper_item_records_the_omission_and_its_reason(huanggu_draft, demo_user):
    item = huanggu_draft.items.get(code="A25")
    services.remove_item(demo_user("huanggu.ca"), item, reason="无森林草原")
    omission = huanggu_draft.omissions.get()
    assert omission.upper_item.code == "A25" and omission.reason == "无森林草原"
    assert services.validate_version(huanggu_draft).ok


def test_filing_is_received_and_accepted_only_by_the_upper_civil_affairs_department(huanggu_draft, demo_user, walk):
    version = walk(huanggu_draft)
    filing = services.file_version(demo_user("huanggu.ca"), version)
    for outsider in ("province.ca", "huanggu.ca", "shenyang.gov"):
        with pytest.raises(ApiError) as error:
            services.review_filing(demo_user(outsider), filing, "accept")
        assert error.value.status_code == 403
    services.review_filing(demo_user("shenyang.ca"), filing, "receive")
    with pytest.raises(ApiError):
        services.review_filing(demo_user("shenyang.ca"), filing, "return", "  ")
    filing = services.review_filing(demo_user("shenyang.ca"), filing, "return", "请补充HG01依据")
    assert filing.status == FilingStatus.RETURNED
    assert Notification.objects.filter(recipient=demo_user("huanggu.ca").organisation, text__contains="请补充HG01依据").exists()
    filing = services.file_version(demo_user("huanggu.ca"), version)
    filing = services.review_filing(demo_user("shenyang.ca"), filing, "accept", "同意备案")
    assert filing.status == FilingStatus.ACCEPTED and filing.reviewed_by.username == "shenyang.ca"


def test_the_catalog_is_not_filed(demo_user, region):
    catalog = services.effective_list(region("210202001002")).version
    with pytest.raises(ApiError):
        services.file_version(demo_user("province.ca"), catalog)


def test_adjustment_copies_the_published_version_and_the_diff_shows_the_change(demo_user, region):
    user = demo_user("huanggu.ca")
    draft = services.create_draft(user, region("210105000000"), source="previous", change_note="调整")
    assert {i.code for i in draft.items.all()} == {i.code for i in draft.previous.items.all()}
    assert draft.omissions.count() == 1
    item = draft.items.get(code="A12")
    services.save_item(user, draft, {"agency": "统计（调整）"}, [(c.source, c.provision) for c in item.citations.all()], item=item)
    result = services.diff_versions(draft.previous, draft)
    assert result["added"] == [] and result["removed"] == []
    assert result["changed"] == [{"code": "A12", "name": item.name, "fields": {"agency": {"old": "统计", "new": "统计（调整）"}}}]


def test_local_changes_to_derived_items_are_visible(huanggu_draft, demo_user, client_for):
    item = huanggu_draft.items.get(code="A12")
    services.save_item(demo_user("huanggu.ca"), huanggu_draft, {"agency": "区统计局"},
                       [(c.source, c.provision) for c in item.citations.all()], item=item)
    changes = services.local_changes(huanggu_draft, list(huanggu_draft.items.all()))
    assert changes == {item.pk: ["agency"]}
    html = client_for("huanggu.ca").get(f"/worklists/work/v/{huanggu_draft.pk}/").content.decode()
    assert "本级修改" in html
