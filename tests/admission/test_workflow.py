"""The admission workflows through admission.services: submit and check, review, inbox actions, purchases of services,
secondments, plaques. Each test creates its own requests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.exceptions import APIException

from admission import services
from admission.choices import PurchaseStatus, RequestStatus, TargetStatus
from admission.models import RequestTarget, ServicePurchase
from regions.models import Region

pytestmark = pytest.mark.django_db

WENGUAN_VILLAGE, WANFANG, WENGUAN_COMMUNITY = "210105023201", "210105023001", "210105023003"
ELDERLY = ("协助开展65岁以上老年人健康管理服务宣传",
           "请协助做好辖区65岁以上老年人免费健康体检的政策宣传，通知居民到社区卫生服务中心参加体检。")
ENFORCEMENT = ("违法建设治理", "由社区居委会作为辖区违法建设治理的责任主体，负责违建的日常巡查、制止和拆除，并承担管理责任。")
UNLISTED = ("社区垃圾分类督导员服务", "由社区安排人员在垃圾投放点开展垃圾分类桶边督导，区城管局按月支付服务费用。")
SECONDMENT = ("抽调社区工作人员", "从各社区抽调1名工作人员到街道参加人口普查工作。")


def make(demo_user, username, text, codes, *, days=14, kind="task", **extra):  # noqa: ANN001, ANN201
    user = demo_user(username)
    sender = services.sender_organisations(user)[0]
    targets = list(Region.objects.filter(code__in=codes).order_by("code"))
    return services.create_request(user, sender, kind=kind, title=text[0], content=text[1],
                                   deadline=timezone.localdate() + timedelta(days=days), targets=targets, **extra)


def target(req, code):  # noqa: ANN001, ANN201
    return RequestTarget.objects.get(request=req, committee__code=code)


def test_a_listed_task_is_checked_on_submit_confirmed_and_reaches_the_inbox_with_its_support(demo_user):
    req = make(demo_user, "huanggu.health", ELDERLY, [WENGUAN_VILLAGE])
    req = services.submit(demo_user("huanggu.health"), req)
    assert req.status == RequestStatus.SUBMITTED and req.check_decision == "admit"
    t = target(req, WENGUAN_VILLAGE)
    assert t.status == TargetStatus.PENDING and not services.can_refuse(t)
    services.review(demo_user("huanggu.ca"), req)
    t.refresh_from_db()
    assert t.status == TargetStatus.DELIVERED
    assert t.item["code"] == t.check_result["matched_items"][0]["code"]
    assert {"funding", "conditions", "information", "guidance", "agency"} <= set(t.item)
    village = demo_user("wenguan.village")
    assert t in services.inbox(village)
    services.acknowledge(village, t)
    services.complete(village, target(req, WENGUAN_VILLAGE), note="已完成宣传")
    assert target(req, WENGUAN_VILLAGE).status == TargetStatus.COMPLETED


def test_only_the_county_civil_affairs_reviewer_may_decide(demo_user):
    req = services.submit(demo_user("huanggu.health"), make(demo_user, "huanggu.health", ELDERLY, [WENGUAN_VILLAGE]))
    for username in ("huanggu.health", "huanggu.gov", "zhongshan.ca", "wenguan.village"):
        with pytest.raises(APIException) as caught:
            services.review(demo_user(username), req)
        assert caught.value.status_code == 403


def test_overriding_the_check_needs_a_reason_and_is_recorded(demo_user):
    req = services.submit(demo_user("huanggu.health"), make(demo_user, "huanggu.health", UNLISTED, [WANFANG]))
    assert req.check_decision == "purchase_service"
    with pytest.raises(APIException):
        services.review(demo_user("huanggu.ca"), req, decision="admit")
    req = services.review(demo_user("huanggu.ca"), req, decision="admit", reason="属于清单第A16项的延伸")
    assert req.overridden and req.decision == "admit" and req.review_reason
    assert target(req, WANFANG).status == TargetStatus.DELIVERED
    assert req.history.filter(history_change_reason__startswith="reviewed").exists()


def test_requests_with_less_notice_than_the_minimum_are_flagged(demo_user, settings):
    settings.ADMISSION_MIN_NOTICE_DAYS = 5
    short = services.submit(demo_user("huanggu.health"), make(demo_user, "huanggu.health", ELDERLY, [WENGUAN_VILLAGE], days=2))
    enough = services.submit(demo_user("huanggu.health"), make(demo_user, "huanggu.health", ELDERLY, [WENGUAN_VILLAGE], days=5))
    assert short.short_notice and short.notice_days == 2
    assert not enough.short_notice


def test_a_committee_refuses_a_rejected_request_with_the_citation_and_sender_and_bureau_see_it(demo_user):
    req = services.submit(demo_user("yalujiang.street"), make(demo_user, "yalujiang.street", ENFORCEMENT, [WENGUAN_VILLAGE]))
    assert req.check_decision == "reject"
    services.review(demo_user("huanggu.ca"), req)
    t = target(req, WENGUAN_VILLAGE)
    assert t.status == TargetStatus.NOT_ADMITTED and services.can_refuse(t)
    services.refuse(demo_user("wenguan.village"), t)
    t.refresh_from_db()
    assert t.status == TargetStatus.REFUSED
    assert "第八条第（一）项" in t.refusal_reason or "Article 8" in t.refusal_reason
    from core.scoping import restrict

    for username in ("yalujiang.street", "huanggu.ca"):
        assert restrict(RequestTarget.objects.filter(pk=t.pk), demo_user(username)).get().status == TargetStatus.REFUSED
    from worklists.models import Notification

    assert Notification.objects.filter(recipient=req.sender, link__contains=f"/{req.pk}/").exists()


def test_a_committee_cannot_refuse_admitted_work_nor_act_for_another_committee(demo_user):
    req = services.submit(demo_user("huanggu.health"), make(demo_user, "huanggu.health", ELDERLY, [WENGUAN_VILLAGE, WANFANG]))
    services.review(demo_user("huanggu.ca"), req)
    with pytest.raises(APIException) as caught:
        services.refuse(demo_user("wenguan.village"), target(req, WENGUAN_VILLAGE))
    assert caught.value.status_code == 409
    with pytest.raises(APIException) as caught:
        services.acknowledge(demo_user("wenguan.village"), target(req, WANFANG))
    assert caught.value.status_code == 403


def test_a_purchase_of_service_starts_only_for_the_committees_that_consented(demo_user):
    codes = [WANFANG, WENGUAN_COMMUNITY, WENGUAN_VILLAGE]
    req = services.submit(demo_user("huanggu.health"), make(demo_user, "huanggu.health", UNLISTED, codes))
    services.review(demo_user("huanggu.ca"), req, decision="purchase_service", reason="统一按购买服务办理")
    purchase = ServicePurchase.objects.get(request=req)
    services.consent(demo_user("wanfang.community"), target(req, WANFANG), True)
    services.consent(demo_user("wenguan.community"), target(req, WENGUAN_COMMUNITY), True)
    services.consent(demo_user("wenguan.village"), target(req, WENGUAN_VILLAGE), False)
    assert target(req, WANFANG).status == TargetStatus.CONSENTED
    with pytest.raises(APIException):
        services.arrange(demo_user("huanggu.ca"), purchase, document="x")
    services.arrange(demo_user("huanggu.gov"), purchase, document="皇政办〔2026〕3号")
    assert [target(req, c).status for c in codes] == [TargetStatus.DELIVERED, TargetStatus.DELIVERED, TargetStatus.DECLINED]
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.ARRANGED
    services.save_contract(demo_user("huanggu.gov"), purchase, price=Decimal("12000.00"), period_start=timezone.localdate(),
                           period_end=timezone.localdate() + timedelta(days=365), deliverables="桶边督导每日2小时",
                           payment_status="unpaid", lock=purchase.lock_version)
    purchase.refresh_from_db()
    assert purchase.price == Decimal("12000.00")


def test_a_stale_edit_of_a_contract_is_a_409(demo_user):
    req = services.submit(demo_user("huanggu.health"), make(demo_user, "huanggu.health", UNLISTED, [WANFANG]))
    services.review(demo_user("huanggu.ca"), req)
    purchase = ServicePurchase.objects.get(request=req)
    services.arrange(demo_user("huanggu.gov"), purchase, document="皇政办〔2026〕4号")
    purchase.refresh_from_db()
    stale = purchase.lock_version
    services.save_contract(demo_user("huanggu.gov"), purchase, price=None, period_start=None, period_end=None,
                           deliverables="a", payment_status="unpaid", lock=stale)
    with pytest.raises(APIException) as caught:
        services.save_contract(demo_user("huanggu.health"), purchase, price=None, period_start=None, period_end=None,
                               deliverables="b", payment_status="paid", lock=stale)
    assert caught.value.status_code == 409


def test_a_secondment_without_approval_is_rejected_and_cannot_be_overridden_to_admit(demo_user):
    req = services.submit(demo_user("yalujiang.street"),
                          make(demo_user, "yalujiang.street", SECONDMENT, [WANFANG], kind="secondment"))
    assert req.check_decision == "reject"
    assert target(req, WANFANG).findings[0]["clause"] == 4
    with pytest.raises(APIException) as caught:
        services.review(demo_user("huanggu.ca"), req, decision="admit", reason="急需")
    assert caught.value.status_code == 409


def test_a_secondment_request_without_secondment_wording_still_needs_the_approval(demo_user):
    text = ("人口普查", "请文官社区派1人协助街道人口普查登记三个月。")
    req = services.submit(demo_user("yalujiang.street"), make(demo_user, "yalujiang.street", text, [WANFANG], kind="secondment"))
    assert req.check_decision == "reject"
    assert any(f["rule"] == "A8-4-secondment-approval" for f in target(req, WANFANG).findings)


def test_a_secondment_approved_by_the_county_government_passes_the_prohibition(demo_user):
    req = make(demo_user, "yalujiang.street", SECONDMENT, [WANFANG], kind="secondment")
    with pytest.raises(APIException) as caught:
        services.approve_secondment(demo_user("huanggu.ca"), req, document="x")
    assert caught.value.status_code == 403
    req = services.approve_secondment(demo_user("huanggu.gov"), req, document="皇政〔2026〕12号")
    assert req.approval_body.endswith("人民政府")
    req = services.submit(demo_user("yalujiang.street"), req)
    assert req.check_decision != "reject"


def test_a_new_plaque_without_a_legal_basis_is_rejected_under_article_8_clause_2(demo_user):
    text = ("加挂牌子", "请各社区在办公场所加挂“老年人协会”牌子。")
    req = services.submit(demo_user("huanggu.health"), make(demo_user, "huanggu.health", text, [WANFANG], kind="plaque"))
    assert req.check_decision == "reject"
    assert any((f["article"], f["clause"]) == (8, 2) for f in target(req, WANFANG).findings)


def test_targets_must_be_committees_inside_the_senders_area(demo_user):
    street = services.sender_organisations(demo_user("yalujiang.street"))[0]
    with pytest.raises(APIException):
        services.resolve_targets(street, codes=["210105001001"])  # another street of 皇姑区
    with pytest.raises(APIException):
        services.resolve_targets(street, codes=[])
    everyone = services.resolve_targets(street, subtree=street.region)
    assert everyone and all(r.code.startswith("210105023") for r in everyone)


def test_a_stale_draft_edit_is_a_409(demo_user):
    req = make(demo_user, "huanggu.health", ELDERLY, [WENGUAN_VILLAGE])
    stale = req.lock_version
    services.update_request(demo_user("huanggu.health"), req, stale, title="新标题")
    with pytest.raises(APIException) as caught:
        services.update_request(demo_user("huanggu.health"), req, stale, title="另一个标题")
    assert caught.value.status_code == 409


def test_the_standard_plaque_set_is_data_per_committee_kind():
    village = {p["name"] for p in services.standard_plaques("village")}
    residents = {p["name"] for p in services.standard_plaques("residents")}
    assert "党群服务中心" in village & residents
    assert not any("村民委员会" in n for n in residents)
