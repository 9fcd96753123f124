"""Reporting workflows on the demo: channel registry and county review, mapping queue, annual plan and exceptions,
fill once / use many, idempotent submissions, scope (皇姑区 vs 中山区 vs anonymous), exports and the §8 endpoint."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from regions.models import Organisation, Region
from reporting import services
from reporting.choices import ChannelStatus, PlanStatus
from reporting.elements import load_elements
from reporting.models import (
    DataElement,
    ElementValue,
    LearntMapping,
    ReportingChannel,
    ReportingPlan,
    Submission,
    UnresolvedField,
)

pytestmark = pytest.mark.django_db
WENGUAN = "210105023201"
COUNTY = "210105000000"


def _channel(name: str) -> ReportingChannel:
    return ReportingChannel.objects.get(name=name)


def _register(user, name="社区健康随访登记表", fields=("户籍人口", "65周岁以上老年人口数", "高血压患者人数"),  # noqa: ANN001
              items=("A23",), frequency="monthly", notice=10) -> ReportingChannel:
    owner = services.registering_orgs(user)[0]
    return services.register_channel(user, owner, name=name, kind="report", frequency=frequency, notice_days=notice,
                                     minutes_per_filing=30, fields=list(fields), list_items=list(items))


def test_the_demo_seeds_the_whole_dictionary_and_nine_channels_of_huanggu_with_real_overlaps(demo_user):
    assert DataElement.objects.count() == len(load_elements())
    channels = ReportingChannel.objects.filter(region__code=COUNTY)
    assert channels.count() >= 8
    assert channels.values("owner").distinct().count() >= 8
    data = services.county_review(demo_user("huanggu.ca"), Region.objects.get(code=COUNTY))
    population = next(o for o in data["analysis"]["overlaps"] if o["element"] == "户籍人口")
    assert population["multi_head"] and len(population["agencies"]) >= 3
    assert any(u["form"] == str(_channel("城乡居民医保参保情况月报").pk) for u in data["analysis"]["unlisted"])
    assert any(r["form"] == str(_channel("安全隐患排查日报群").pk) for r in data["analysis"]["rush"])
    assert data["after"].fields < data["before"].fields


def test_a_department_registers_a_channel_whose_fields_resolve_to_elements(demo_user):
    channel = _register(demo_user("huanggu.health"))
    assert channel.status == ChannelStatus.REGISTERED and channel.region.code == COUNTY
    codes = [f.element.code if f.element else None for f in channel.fields.all()]
    assert codes == ["POP001", "AGE002", "HLT004"]


def test_a_channel_for_no_list_item_is_flagged_and_cannot_be_approved(demo_user):
    channel = _register(demo_user("huanggu.health"), items=())
    assert channel.is_unlisted
    with pytest.raises(Exception) as failure:
        services.approve_channel(demo_user("huanggu.ca"), channel)
    assert failure.value.status_code == 400
    assert ReportingChannel.objects.get(pk=channel.pk).status == ChannelStatus.REGISTERED


def test_a_department_cannot_review_its_own_channel(demo_user):
    channel = _register(demo_user("huanggu.health"))
    with pytest.raises(Exception) as failure:
        services.approve_channel(demo_user("huanggu.health"), channel)
    assert failure.value.status_code == 403


def test_merging_folds_the_missing_data_into_the_approved_channel_and_the_agency_still_gets_its_own_form(demo_user):
    health = demo_user("huanggu.health")
    new = _register(health, fields=("户籍人口数", "孕产妇人数"))
    target = _channel("老年人健康管理月报")
    before = target.fields.count()
    services.merge_channel(demo_user("huanggu.ca"), new, target, reason="同一部门同一数据")
    new.refresh_from_db()
    assert new.status == ChannelStatus.MERGED and new.merged_into == target
    assert target.fields.count() == before + 1  # 孕产妇数 added; 户籍人口 already there
    assert new.history.first().history_change_reason == "merged"


def test_the_merge_form_needs_the_channel_chosen_and_merges_nothing_without_it(demo_user, client_for):
    new = _register(demo_user("huanggu.health"), fields=("户籍人口数", "孕产妇人数"))
    officer = client_for("huanggu.ca")
    page = officer.get(f"/reporting/channels/{new.pk}/").content.decode()
    assert '<select id="into" name="into" required><option value="" selected disabled>— 请选择 —</option>' in page
    answer = officer.post(f"/reporting/channels/{new.pk}/merge/", {"lock_version": new.lock_version, "reason": "重复"},
                          follow=True)
    assert [str(m) for m in answer.context["messages"]] == ["请选择要合并到的已批准渠道。"]
    new.refresh_from_db()
    assert new.status == ChannelStatus.REGISTERED
    target = _channel("老年人健康管理月报")
    officer.post(f"/reporting/channels/{new.pk}/merge/", {"lock_version": new.lock_version, "into": target.pk})
    new.refresh_from_db()
    assert (new.status, new.merged_into) == (ChannelStatus.MERGED, target)


def test_a_stale_review_is_a_409_and_changes_nothing(api_for, demo_user):
    channel = _register(demo_user("huanggu.health"))
    api = api_for("huanggu.ca")
    stale = channel.lock_version
    ok = api.post(f"/api/v1/reporting/channels/{channel.pk}/reject", {"reason": "重复", "lock_version": stale},
                  format="json")
    assert ok.status_code == 200
    again = api.post(f"/api/v1/reporting/channels/{channel.pk}/approve", {"lock_version": stale}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] in ("conflict", "wrong_state")
    assert ReportingChannel.objects.get(pk=channel.pk).status == ChannelStatus.REJECTED


def test_an_unknown_field_is_queued_and_the_officers_mapping_is_learnt(demo_user):
    health = demo_user("huanggu.health")
    channel = _register(health, fields=("签约家医居民数",))
    item = next(u for u in UnresolvedField.objects.filter(region__code=COUNTY) if "签约家医居民数" in u.names)
    assert channel.fields.get().element is None
    services.map_field(demo_user("huanggu.ca"), item, "HLT003")
    assert channel.fields.get().element.code == "HLT003"
    assert LearntMapping.objects.filter(name="签约家医居民数", element__code="HLT003").exists()
    again = _register(health, name="另一张表", fields=("签约家医居民数",))
    assert again.fields.get().element.code == "HLT003"


def test_the_mapping_form_needs_an_answer_and_a_datum_of_its_own_is_one(demo_user, client_for):
    from reporting.choices import QueueStatus

    _register(demo_user("huanggu.health"), fields=("签约家医居民数", "辖区内网格员巡查次数"))
    first, second = (next(u for u in UnresolvedField.objects.filter(region__code=COUNTY) if name in u.names)
                     for name in ("签约家医居民数", "辖区内网格员巡查次数"))
    officer = client_for("huanggu.ca")
    page = officer.get("/reporting/mapping/").content.decode()
    assert '<option value="" selected disabled>— 请选择 —</option>' in page and '<optgroup label="卫生健康">' in page
    answer = officer.post("/reporting/mapping/", {"item": first.pk, "element": ""}, follow=True)
    assert [str(m) for m in answer.context["messages"]] == ["请选择一个数据项，或确认该写法为独立数据项。"]
    first.refresh_from_db()
    assert first.status == QueueStatus.OPEN  # nothing decided by a bare click on 保存
    officer.post("/reporting/mapping/", {"item": first.pk, "element": "HLT003"})
    officer.post("/reporting/mapping/", {"item": second.pk, "element": "own"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.element.code) == (QueueStatus.MAPPED, "HLT003")
    assert (second.status, second.element) == (QueueStatus.NEW_DATUM, None)


def test_list_filters_start_on_all_rather_than_dashes(client_for):
    page = client_for("huanggu.ca").get("/reporting/channels/").content.decode()
    assert page.count('<option value="" selected>全部</option>') == 2  # status and kind
    assert "---------" not in page


def test_a_mapping_that_contradicts_the_element_is_refused(demo_user):
    channel = _register(demo_user("huanggu.health"), fields=("常住老年居民建档数",))
    item = next(u for u in UnresolvedField.objects.filter(region__code=COUNTY) if "常住老年居民建档数" in u.names)
    with pytest.raises(Exception) as failure:
        services.map_field(demo_user("huanggu.ca"), item, "POP001")  # 户籍 ≠ 常住
    assert failure.value.status_code == 400
    assert not LearntMapping.objects.filter(name="常住老年居民建档数").exists()
    assert channel.fields.get().element is None


def test_the_township_plan_is_public_once_published_and_fixed_afterwards(demo_user, client):
    plan = services.committee_plan(Region.objects.get(code=WENGUAN), timezone.localdate().year)
    assert plan.status == PlanStatus.PUBLISHED and plan.entries.count() == 3
    assert client.get(f"/reporting/plans/{plan.pk}/").status_code == 200
    with pytest.raises(Exception) as failure:
        services.set_plan_entry(demo_user("yalujiang.street"), plan, _channel("矛盾纠纷排查调处月报"), "每月")
    assert failure.value.status_code == 409


def test_opening_next_years_plan_writes_nothing_until_its_first_entry(client_for):
    from core.models import AuditEvent

    street, next_year = client_for("yalujiang.street"), timezone.localdate().year + 1
    plans, events = ReportingPlan.objects.count(), AuditEvent.objects.count()
    page = street.get(f"/reporting/plan/?year={next_year}")
    assert page.status_code == 200 and page.context["plan"].pk is None and page.context["entries"] == []
    assert f'<strong aria-current="page">{next_year}</strong>' in page.content.decode()
    assert street.post("/reporting/plan/", {"year": next_year, "action": "publish", "lock_version": 0}).status_code == 302
    assert (ReportingPlan.objects.count(), AuditEvent.objects.count()) == (plans, events)  # an empty plan is not published
    channel = _channel("老年人健康管理月报")
    street.post("/reporting/plan/", {"year": next_year, "channel": channel.pk, "due": "每月5日前", "lock_version": 0})
    plan = ReportingPlan.objects.get(region__code="210105023000", year=next_year)
    assert [e.channel for e in plan.entries.all()] == [channel]


@pytest.mark.parametrize("offset", [-2, 2, 975])
def test_a_plan_year_outside_last_this_and_next_year_is_refused_and_creates_nothing(client_for, offset):
    street, year = client_for("yalujiang.street"), timezone.localdate().year + offset
    plans = ReportingPlan.objects.count()
    response = street.get(f"/reporting/plan/?year={year}", follow=True)
    assert response.redirect_chain == [("/reporting/plan/", 302)]
    assert response.context["plan"].year == timezone.localdate().year
    first, last = timezone.localdate().year - 1, timezone.localdate().year + 1
    assert [str(m) for m in response.context["messages"]] == [f"只能打开 {first} 至 {last} 年度的计划。"]
    assert ReportingPlan.objects.count() == plans


def test_last_years_plan_can_be_read_but_no_longer_changed(demo_user, client_for):
    street, last_year = demo_user("yalujiang.street"), timezone.localdate().year - 1
    plan = ReportingPlan.objects.create(region=Region.objects.get(code="210105023000"), year=last_year)
    with pytest.raises(Exception) as failure:
        services.set_plan_entry(street, plan, _channel("老年人健康管理月报"), "每月5日前")
    assert failure.value.status_code == 409
    with pytest.raises(Exception) as failure:
        services.publish_plan(street, plan)
    assert failure.value.status_code == 409
    page = client_for("yalujiang.street").get(f"/reporting/plan/?year={last_year}")
    assert page.context["plan"] == plan and not page.context["editable"]
    assert 'id="plan-closed"' in page.content.decode() and 'id="add-entry"' not in page.content.decode()
    assert plan.entries.count() == 0


def test_a_draft_plan_is_not_public(demo_user, client):
    draft = services.plan_for(demo_user("yalujiang.street"), Region.objects.get(code="210105023000"),
                              timezone.localdate().year + 1)
    assert client.get(f"/reporting/plans/{draft.pk}/").status_code == 404


def test_the_committee_enters_each_datum_once_and_every_agency_receives_its_form(demo_user, client_for):
    village = demo_user("wenguan.village")
    committee = Region.objects.get(code=WENGUAN)
    rows = services.data_sheet(committee)
    keys = [(r.element.code, r.period) for r in rows]
    assert len(keys) == len(set(keys))
    population = [r for r in rows if r.element.code == "POP001"]
    assert len({tuple(sorted(c.owner.name for c in r.channels)) for r in population}) >= 1
    assert sum(len(r.channels) for r in population) >= 2  # asked by health (monthly) and disabled (quarterly)
    values = {(r.element.code, r.period): ("12", None) for r in rows}
    subs = services.fill_sheet(village, committee, values)
    agencies = {s.channel.owner.name for s in subs}
    assert {"皇姑区卫生健康局", "皇姑区残疾人联合会", "沈阳市公安局皇姑分局", "皇姑区司法局"} <= agencies
    assert ElementValue.objects.filter(committee=committee).count() == len(rows)
    # Values are kept and prefilled, never asked again.
    again = services.data_sheet(committee)
    assert all(r.value == "12" for r in again)
    health = client_for("huanggu.health").get("/reporting/received/")
    assert "老年人健康管理月报" in health.content.decode() and "残疾人基本状况季报" not in health.content.decode()
    disabled = client_for("huanggu.disabled").get("/reporting/received/")
    assert "残疾人基本状况季报" in disabled.content.decode()
    channel = _channel("老年人健康管理月报")
    xlsx = client_for("huanggu.health").get(f"/reporting/received/?channel={channel.pk}&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[1]]
    assert header[3:] == channel.field_names()
    assert [c.value for c in sheet[2]][:1] == [WENGUAN]


def test_a_changed_value_from_a_stale_form_is_a_409(demo_user):
    village = demo_user("wenguan.village")
    committee = Region.objects.get(code=WENGUAN)
    row = services.data_sheet(committee)[0]
    services.fill_sheet(village, committee, {(row.element.code, row.period): ("5", None)})
    stored = ElementValue.objects.get(committee=committee, element=row.element, period=row.period)
    services.fill_sheet(village, committee, {(row.element.code, row.period): ("6", stored.lock_version)})
    with pytest.raises(Exception) as failure:
        services.fill_sheet(village, committee, {(row.element.code, row.period): ("7", stored.lock_version)})
    assert failure.value.status_code == 409
    stored.refresh_from_db()
    assert stored.value == "6" and stored.history.count() == 2


def _payload(channel: ReportingChannel, value: str = "3") -> dict:
    period = services.period_key(channel.frequency, timezone.localdate())
    return {"channel": channel.pk, "committee": WENGUAN, "period": period,
            "values": {f.element.code: value for f in channel.fields.all()}}


def test_a_retried_submission_with_the_same_idempotency_key_creates_one_submission(api_for):
    api = api_for("wenguan.village")
    channel = _channel("实有人口登记台账")
    first = api.post("/api/v1/reporting/submissions", _payload(channel), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = api.post("/api/v1/reporting/submissions", _payload(channel), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and retry.status_code == 201 and first.json() == retry.json()
    assert Submission.objects.filter(channel=channel, committee__code=WENGUAN).count() == 1
    # A new submission for the same period without the revision it replaces is a concurrent edit.
    other = api.post("/api/v1/reporting/submissions", _payload(channel, "4"), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 409
    replace = api.post("/api/v1/reporting/submissions", {**_payload(channel, "4"), "revision": 1}, format="json",
                       HTTP_IDEMPOTENCY_KEY="k-3")
    assert replace.status_code == 200 and replace.json()["revision"] == 2


def test_a_channel_outside_the_plan_needs_an_exception_approved_by_the_county(api_for, demo_user):
    health = demo_user("huanggu.health")
    channel = _register(health, name="计划外临时统计", fields=("户籍人口",))
    services.approve_channel(demo_user("huanggu.ca"), channel)
    api = api_for("wenguan.village")
    refused = api.post("/api/v1/reporting/submissions", _payload(channel), format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_in_plan"
    exc = services.request_exception(health, channel, timezone.localdate().year, "疫情临时统计")
    with pytest.raises(Exception) as failure:
        services.decide_exception(demo_user("huanggu.ca"), exc, True)
    assert failure.value.status_code == 403  # the county government approves, not the bureau
    services.decide_exception(demo_user("huanggu.gov"), exc, True)
    assert api.post("/api/v1/reporting/submissions", _payload(channel), format="json").status_code == 201


def test_the_agency_pulls_its_forms_by_api_and_they_are_marked_received(api_for):
    village = api_for("wenguan.village")
    channel = _channel("实有人口登记台账")
    assert village.post("/api/v1/reporting/submissions", _payload(channel), format="json").status_code == 201
    police = Organisation.objects.get(name="沈阳市公安局皇姑分局")
    from accounts.models import Membership, User

    user = User.objects.create(username="police.test")
    Membership.objects.create(user=user, organisation=police, role="editor")
    api = api_for("police.test")
    rows = api.get("/api/v1/reporting/submissions?new=true").json()["results"]
    assert [r["channel"] for r in rows] == [channel.pk]
    assert api.get("/api/v1/reporting/submissions?new=true").json()["results"] == []
    assert api_for("huanggu.health").get("/api/v1/reporting/submissions").json()["count"] == 0


def test_the_county_review_shows_each_wording_once_with_its_channels_and_names_rush_and_unlisted_channels(client_for):
    response = client_for("huanggu.ca").get("/reporting/review/210105000000/")
    analysis = response.context["analysis"]
    rows = response.context["overlap_rows"]
    assert len(rows) == len(analysis["overlaps"]) > 0
    grouped = False
    for row in rows:
        wordings = [wording for wording, _channels in row["asked_as"]]
        assert len(wordings) == len(set(wordings)), row["element"]
        for wording, channels in row["asked_as"]:
            asked_by = sorted({int(f["form"]) for f in row["fields"] if f["field"] == wording})
            assert [c.pk for c in channels] == asked_by
            grouped = grouped or len(channels) > 1
    assert grouped, "the demo has a wording that two channels share (户籍人口)"
    html = response.content.decode()
    rush = response.context["rush_rows"]
    assert [str(c.pk) for c, _reasons in rush] == [r["form"] for r in analysis["rush"]]
    assert [str(c.pk) for c in response.context["unlisted_rows"]] == [u["form"] for u in analysis["unlisted"]]
    for channel, reasons in rush:
        assert f"{channel.owner.name}：{channel.name}</a>：{reasons[0]}" in html


def test_the_channel_page_says_in_words_how_each_field_was_matched_and_what_happened_to_it(demo_user, client_for):
    health = demo_user("huanggu.health")
    channel = _register(health, fields=("户籍人口", "65周岁以上老年人口数"))
    services.approve_channel(demo_user("huanggu.ca"), channel)
    channel.refresh_from_db()
    services.edit_channel(health, channel, lock=channel.lock_version, name="社区健康随访表", fields=["户籍人口"])
    channel.history.filter(pk=channel.history.latest().pk).update(history_user=health)  # as a request records it
    html = client_for("huanggu.ca").get(f"/reporting/channels/{channel.pk}/").content.decode()
    assert "与数据项字典一致" in html and ">dictionary<" not in html
    history = html[html.index('id="history"'):]
    assert "修改了名称、字段，退回县级审核" in history and "县级审核通过" in history and "登记" in history
    assert "edited:" not in history and "approved" not in history
    assert str(health) in history  # who did it


def test_a_history_note_reads_in_english_too_and_keeps_an_unknown_code_as_it_is():
    from django.utils import translation

    from reporting.views import history_note

    with translation.override("en"):
        assert history_note("edited: name, minutes_per_filing; back to county review") == (
            "edited: name, estimated minutes per filing, back to county review")
        assert history_note("registered (demo)") == "registered (sample data)"
        assert history_note("absorbed channel 7") == "absorbed channel 7"
        assert history_note("something new") == "something new"
        assert history_note(None) == ""
    with translation.override("zh-hans"):
        assert history_note("registered (demo)") == "登记 (示例数据)"
        assert history_note("merged") == "合并到其他渠道"


def test_a_neighbouring_county_and_anonymous_users_see_no_channel_of_huanggu(api_for, client_for, client):
    channel = _channel("老年人健康管理月报")
    assert api_for("zhongshan.ca").get("/api/v1/reporting/channels").json()["count"] == 0
    assert api_for("zhongshan.ca").get(f"/api/v1/reporting/channels/{channel.pk}").status_code == 404
    assert client_for("zhongshan.ca").get(f"/reporting/channels/{channel.pk}/").status_code == 404
    assert client_for("zhongshan.ca").get("/reporting/review/210105000000/").status_code == 404
    export = client_for("zhongshan.ca").get("/reporting/channels/?format=csv").content.decode()
    assert "老年人健康管理月报" not in export
    assert api_for(None).get("/api/v1/reporting/channels").status_code in (401, 403)
    assert client.get(f"/reporting/channels/{channel.pk}/").status_code == 302
    huanggu = api_for("huanggu.ca").get("/api/v1/reporting/channels").json()["count"]
    assert huanggu == ReportingChannel.objects.filter(region__code=COUNTY).count()
    assert client_for("shenyang.ca").get(f"/reporting/channels/{channel.pk}/").status_code == 200


def test_a_committee_cannot_submit_for_another_committee(api_for):
    channel = _channel("实有人口登记台账")
    response = api_for("chunhai.community").post("/api/v1/reporting/submissions", _payload(channel), format="json")
    assert response.status_code in (403, 404)


def test_pages_answer_for_each_role(client_for, client):
    pages = {
        "huanggu.health": ["/reporting/", "/reporting/channels/", "/reporting/channels/new/", "/reporting/received/"],
        "huanggu.ca": ["/reporting/review/210105000000/", "/reporting/mapping/", "/reporting/channels/?format=xlsx",
                       "/dashboard/"],
        "huanggu.gov": ["/reporting/exceptions/", "/dashboard/"],
        "yalujiang.street": ["/reporting/plan/", "/dashboard/"],
        "wenguan.village": ["/reporting/fill/", "/reporting/", "/dashboard/"],
    }
    for username, urls in pages.items():
        c = client_for(username)
        for url in urls:
            assert c.get(url).status_code == 200, (username, url)
    assert client.get("/reporting/elements/").status_code == 200


def test_the_committee_page_section_links_the_published_plan(rf):
    from django.template.loader import render_to_string

    from reporting.portal_hooks import reporting_section

    section = reporting_section(rf.get("/"), Region.objects.get(code=WENGUAN))
    html = render_to_string(section.template, section.context)
    assert f"/reporting/plans/{section.context['plan'].pk}/" in html
    assert reporting_section(rf.get("/"), Region.objects.get(code=COUNTY)) is None


def test_the_dashboards_say_what_each_role_does_next(client_for):
    assert "/reporting/review/210105000000/" in client_for("huanggu.ca").get("/dashboard/").content.decode()
    assert "/reporting/plan/" in client_for("yalujiang.street").get("/dashboard/").content.decode()
    assert "/reporting/fill/" in client_for("wenguan.village").get("/dashboard/").content.decode()
    assert "/reporting/channels/new/" in client_for("huanggu.health").get("/dashboard/").content.decode()


def test_supervision_lists_the_flagged_channels_and_counts_each_agencys_burden():
    from supervision import sources
    from supervision.sources import Period

    found = sources.violation_sources()["reporting"](Region.objects.get(code=COUNTY))
    refs = {v.ref.split(":")[0] for v in found}
    assert refs == {"rejected", "unlisted"} and all(v.article == 6 for v in found)
    metric = {m.name: m for m in sources.scorecard_metrics()}
    health = Organisation.objects.get(name="皇姑区卫生健康局")
    now = timezone.now()
    period = Period("y", now.replace(year=now.year - 1), now + timezone.timedelta(days=1))
    assert metric["channels"].func(health, period) == 1
    assert metric["filings"].func(health, period) == 12
