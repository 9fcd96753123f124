"""The owning agency edits its channel: in place while registered, back to the county's review once approved; a stale
edit is a 409 (API) or a form error (page) and changes nothing; history and audit record the change; neighbours,
anonymous users and other roles cannot edit."""

import pytest
from django.utils import timezone

from core.models import AuditEvent
from regions.models import Region
from reporting import services
from reporting.choices import ChannelStatus
from reporting.models import ReportingChannel

pytestmark = pytest.mark.django_db
COUNTY = "210105000000"
WENGUAN = "210105023201"


def _register(user, name="社区随访登记表（编辑测试）", fields=("户籍人口", "65周岁以上老年人口数"),  # noqa: ANN001
              items=("A23",)) -> ReportingChannel:
    owner = services.registering_orgs(user)[0]
    return services.register_channel(user, owner, name=name, kind="report", frequency="monthly", notice_days=10,
                                     minutes_per_filing=30, fields=list(fields), list_items=list(items))


def test_the_owning_agency_edits_a_registered_channel_in_place_and_the_history_names_the_change(demo_user):
    health = demo_user("huanggu.health")
    channel = _register(health)
    lock = channel.lock_version
    services.edit_channel(health, channel, lock=lock, name="社区随访登记表（改）", frequency="quarterly",
                          fields=["户籍人口", "高血压患者人数"])
    channel = ReportingChannel.objects.get(pk=channel.pk)
    assert channel.name == "社区随访登记表（改）" and channel.frequency == "quarterly"
    assert channel.status == ChannelStatus.REGISTERED and channel.lock_version == lock + 1
    assert [(f.name, f.element.code) for f in channel.fields.all()] == [("户籍人口", "POP001"), ("高血压患者人数", "HLT004")]
    reason = channel.history.first().history_change_reason
    assert reason.startswith("edited:") and "fields" in reason and "frequency" in reason
    assert AuditEvent.objects.filter(object_type="reporting.ReportingChannel", object_id=str(channel.pk),
                                     detail__step="edit_channel").count() == 1


def test_editing_an_approved_channel_sends_it_back_to_the_county_review_and_off_the_committees(demo_user):
    channel = ReportingChannel.objects.get(name="老年人健康管理月报")
    committee = Region.objects.get(code=WENGUAN)
    assert channel.status == ChannelStatus.APPROVED and services.may_reach(channel, committee)
    services.edit_channel(demo_user("huanggu.health"), channel, lock=channel.lock_version, notice_days=15)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.REGISTERED and channel.reviewed_by is None
    assert not services.may_reach(channel, committee)
    review = services.county_review(demo_user("huanggu.ca"), Region.objects.get(code=COUNTY))
    assert channel in review["pending"]
    services.approve_channel(demo_user("huanggu.ca"), channel, lock=channel.lock_version)
    assert services.may_reach(channel, committee)


def test_the_county_review_sees_the_edited_fields_as_an_overlap(demo_user):
    health = demo_user("huanggu.health")
    channel = _register(health, fields=("孕产妇人数",))
    county = Region.objects.get(code=COUNTY)
    before = services.county_review(demo_user("huanggu.ca"), county)["analysis"]["overlaps"]
    population = next(o for o in before if o["element"] == "户籍人口")
    assert str(channel.pk) not in {f["form"] for f in population["fields"]}
    services.edit_channel(health, channel, lock=channel.lock_version, fields=["孕产妇人数", "户籍人口数"])
    after = services.county_review(demo_user("huanggu.ca"), county)["analysis"]["overlaps"]
    population = next(o for o in after if o["element"] == "户籍人口")
    assert str(channel.pk) in {f["form"] for f in population["fields"]}


def test_an_edit_without_changes_writes_nothing(demo_user):
    health = demo_user("huanggu.health")
    channel = _register(health)
    history = channel.history.count()
    services.edit_channel(health, channel, lock=channel.lock_version, name=channel.name,
                          fields=channel.field_names())
    assert channel.history.count() == history and channel.lock_version == 0


def test_a_stale_api_edit_is_a_409_and_changes_nothing(api_for, demo_user):
    channel = _register(demo_user("huanggu.health"))
    api = api_for("huanggu.health")
    url = f"/api/v1/reporting/channels/{channel.pk}"
    first = api.patch(url, {"lock_version": 0, "name": "第一次修改"}, format="json")
    assert first.status_code == 200 and first.json()["lock_version"] == 1 and first.json()["name"] == "第一次修改"
    stale = api.patch(url, {"lock_version": 0, "name": "过期的修改"}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert ReportingChannel.objects.get(pk=channel.pk).name == "第一次修改"
    missing = api.patch(url, {"name": "没有版本号"}, format="json")
    assert missing.status_code == 400 and "lock_version" in missing.json()["error"]["fields"]


def test_the_api_edit_changes_only_the_keys_sent_and_resolves_new_fields(api_for, demo_user):
    channel = _register(demo_user("huanggu.health"))
    response = api_for("huanggu.health").patch(
        f"/api/v1/reporting/channels/{channel.pk}", {"lock_version": 0, "fields": ["户籍人口", "残疾人数"]},
        format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == channel.name and body["frequency"] == "monthly"
    assert [f["name"] for f in body["fields"]] == ["户籍人口", "残疾人数"]
    assert body["fields"][0]["element"] == "POP001"


def test_only_the_owning_agency_may_edit(api_for, client_for, client, demo_user):
    channel = _register(demo_user("huanggu.health"))
    url = f"/api/v1/reporting/channels/{channel.pk}"
    payload = {"lock_version": 0, "name": "不该改"}
    assert api_for("huanggu.ca").patch(url, payload, format="json").status_code == 403  # the county reviews, not edits
    assert api_for("zhongshan.ca").patch(url, payload, format="json").status_code == 404  # another county
    assert api_for("wenguan.village").patch(url, payload, format="json").status_code == 404  # a committee
    assert api_for(None).patch(url, payload, format="json").status_code in (401, 403)
    assert client_for("huanggu.ca").get(f"/reporting/channels/{channel.pk}/edit/").status_code == 404
    assert client_for("zhongshan.ca").get(f"/reporting/channels/{channel.pk}/edit/").status_code == 404
    assert client.get(f"/reporting/channels/{channel.pk}/edit/").status_code == 302
    assert ReportingChannel.objects.get(pk=channel.pk).name == channel.name


def test_merged_and_rejected_channels_can_no_longer_be_edited(demo_user):
    health = demo_user("huanggu.health")
    channel = _register(health)
    services.reject_channel(demo_user("huanggu.ca"), channel, reason="重复")
    with pytest.raises(Exception) as failure:
        services.edit_channel(health, channel, lock=channel.lock_version, name="再改")
    assert failure.value.status_code == 409


def test_the_edit_page_saves_and_a_stale_page_shows_an_error_without_saving(client_for, demo_user):
    channel = _register(demo_user("huanggu.health"))
    page = client_for("huanggu.health")
    form = page.get(f"/reporting/channels/{channel.pk}/edit/")
    assert form.status_code == 200 and 'name="lock_version" value="0"' in form.content.decode()
    data = {"name": "页面修改", "kind": "report", "frequency": "monthly", "notice_days": "12", "minutes": "20",
            "list_items": "A23", "fields": "户籍人口\n65周岁以上老年人口数", "description": "", "lock_version": "0"}
    saved = page.post(f"/reporting/channels/{channel.pk}/edit/", data)
    assert saved.status_code == 302 and saved["Location"] == f"/reporting/channels/{channel.pk}/"
    channel.refresh_from_db()
    assert channel.name == "页面修改" and channel.notice_days == 12 and channel.lock_version == 1
    stale = page.post(f"/reporting/channels/{channel.pk}/edit/", {**data, "name": "旧页面"})
    assert stale.status_code == 200
    assert "旧页面" in stale.content.decode()  # the typed values are kept for the user
    assert any(m.level_tag == "error" for m in stale.context["messages"])
    channel.refresh_from_db()
    assert channel.name == "页面修改"
    assert f"/reporting/channels/{channel.pk}/edit/" in page.get(f"/reporting/channels/{channel.pk}/").content.decode()


def test_a_submission_after_an_edit_uses_the_new_fields_not_a_cached_copy(api_for, demo_user):
    health, ca = demo_user("huanggu.health"), demo_user("huanggu.ca")
    channel = _register(health, name="计划外临时统计（编辑）", fields=("户籍人口",))
    services.approve_channel(ca, channel, lock=channel.lock_version)
    exc = services.request_exception(health, channel, timezone.localdate().year, "临时统计")
    services.decide_exception(demo_user("huanggu.gov"), exc, True)
    api = api_for("wenguan.village")
    period = services.period_key(channel.frequency, timezone.localdate())
    payload = {"channel": channel.pk, "committee": WENGUAN, "period": period, "values": {"POP001": "100"}}
    assert api.post("/api/v1/reporting/submissions", payload, format="json").status_code == 201
    channel.refresh_from_db()
    services.edit_channel(health, channel, lock=channel.lock_version, fields=["户籍人口", "户籍户数"])
    services.approve_channel(ca, channel, lock=channel.lock_version)
    refused = api.post("/api/v1/reporting/submissions", {**payload, "revision": 1}, format="json")
    assert refused.status_code == 400  # the new field 户籍户数 is missing: the cached field list was not used
    both = {**payload, "revision": 1, "values": {"POP001": "100", "POP002": "40"}}
    response = api.post("/api/v1/reporting/submissions", both, format="json")
    assert response.status_code == 200, response.json()
    assert set(response.json()["data"]) == {"户籍人口", "户籍户数"}
