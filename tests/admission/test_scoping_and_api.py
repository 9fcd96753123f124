"""Who sees what: requests inside the sender's area, targets inside the committee's; pages, API and exports alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from admission import services
from admission.models import RequestTarget, WorkRequest
from regions.models import Region

pytestmark = pytest.mark.django_db
WENGUAN_VILLAGE, WANFANG = "210105023201", "210105023001"
ELDERLY = ("协助开展老年人健康体检宣传", "请协助做好辖区65岁以上老年人免费健康体检的政策宣传，通知居民到社区卫生服务中心参加体检。")


@pytest.fixture
def decided(demo_user):  # noqa: ANN001, ANN201
    user = demo_user("huanggu.health")
    sender = services.sender_organisations(user)[0]
    req = services.create_request(user, sender, kind="task", title=ELDERLY[0], content=ELDERLY[1],
                                  deadline=timezone.localdate() + timedelta(days=10),
                                  targets=list(Region.objects.filter(code__in=[WENGUAN_VILLAGE, WANFANG])))
    req = services.submit(user, req)
    return services.review(demo_user("huanggu.ca"), req)


def test_the_sender_reviewer_and_county_see_the_request_a_neighbouring_county_does_not(client_for, decided):
    for username in ("huanggu.health", "huanggu.ca", "huanggu.gov", "shenyang.ca"):
        response = client_for(username).get(f"/admission/requests/{decided.pk}/")
        assert response.status_code == 200, username
    assert client_for("zhongshan.ca").get(f"/admission/requests/{decided.pk}/").status_code == 404


def test_anonymous_users_are_sent_to_sign_in_and_the_api_answers_401_or_403(client, api_for, decided):
    assert client.get(f"/admission/requests/{decided.pk}/").status_code == 302
    assert client.get("/admission/inbox/").status_code == 302
    assert api_for(None).get("/api/v1/admission/requests").status_code in (401, 403)
    assert api_for(None).get(f"/api/v1/admission/requests/{decided.pk}").status_code in (401, 403)


def test_list_counts_follow_the_scope_on_pages_api_and_exports(client_for, api_for, decided):
    ours = api_for("huanggu.ca").get("/api/v1/admission/requests?page_size=500").json()
    assert decided.pk in [r["id"] for r in ours["results"]]
    theirs = api_for("zhongshan.ca").get("/api/v1/admission/requests").json()
    assert theirs["count"] == 0
    export = client_for("zhongshan.ca").get("/admission/requests/?format=csv")
    assert export.status_code == 200 and decided.title not in export.content.decode("utf-8")
    export = client_for("huanggu.ca").get("/admission/requests/?format=csv")
    assert decided.title in export.content.decode("utf-8")
    xlsx = client_for("huanggu.ca").get("/admission/requests/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_committee_sees_only_its_own_target_not_the_request_nor_other_committees(client_for, api_for, decided):
    mine = RequestTarget.objects.get(request=decided, committee__code=WENGUAN_VILLAGE)
    other = RequestTarget.objects.get(request=decided, committee__code=WANFANG)
    village = client_for("wenguan.village")
    assert village.get(f"/admission/inbox/{mine.pk}/").status_code == 200
    assert village.get(f"/admission/inbox/{other.pk}/").status_code == 404
    assert village.get(f"/admission/requests/{decided.pk}/").status_code == 404
    listed = api_for("wenguan.village").get("/api/v1/admission/targets").json()
    assert {t["committee"] for t in listed["results"]} == {WENGUAN_VILLAGE}
    assert client_for("chunhai.community").get(f"/admission/inbox/{mine.pk}/").status_code == 404


def test_drafts_never_reach_a_committee(demo_user, client_for):
    user = demo_user("huanggu.health")
    sender = services.sender_organisations(user)[0]
    draft = services.create_request(user, sender, kind="task", title="草稿", content="草稿内容",
                                    deadline=timezone.localdate() + timedelta(days=10),
                                    targets=[Region.objects.get(code=WENGUAN_VILLAGE)])
    target = draft.targets.get()
    assert client_for("wenguan.village").get(f"/admission/inbox/{target.pk}/").status_code == 404


def test_the_whole_workflow_through_the_api(api_for):
    sender = api_for("huanggu.health")
    body = {"title": ELDERLY[0], "content": ELDERLY[1], "deadline": str(timezone.localdate() + timedelta(days=9)),
            "committees": [WENGUAN_VILLAGE], "submit": True}
    created = sender.post("/api/v1/admission/requests", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "submitted"
    denied = sender.post(f"/api/v1/admission/requests/{pk}/review", {}, format="json")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    reviewed = api_for("huanggu.ca").post(f"/api/v1/admission/requests/{pk}/review", {}, format="json")
    assert reviewed.status_code == 200 and reviewed.json()["decision"] == "admit"
    target = WorkRequest.objects.get(pk=pk).targets.get()
    village = api_for("wenguan.village")
    assert village.post(f"/api/v1/admission/targets/{target.pk}/acknowledge", {}, format="json").status_code == 200
    stale = village.post(f"/api/v1/admission/targets/{target.pk}/complete", {"lock_version": 0}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    done = village.post(f"/api/v1/admission/targets/{target.pk}/complete", {"note": "完成"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    detail = sender.get(f"/api/v1/admission/requests/{pk}").json()
    assert detail["targets"][0]["status"] == "completed"


def test_api_errors_name_the_field_for_committees_outside_the_area(api_for):
    body = {"title": "x", "content": "y", "deadline": str(timezone.localdate() + timedelta(days=9)),
            "committees": ["210202001002"]}
    response = api_for("huanggu.health").post("/api/v1/admission/requests", body, format="json")
    assert response.status_code == 400
    assert "committees" in response.json()["error"]["fields"]


def test_a_committee_cannot_send_requests(api_for):
    body = {"title": "x", "content": "y", "deadline": str(timezone.localdate() + timedelta(days=9)),
            "committees": [WENGUAN_VILLAGE]}
    assert api_for("wenguan.village").post("/api/v1/admission/requests", body, format="json").status_code == 403


def test_public_pages_render_for_anyone(client):
    assert client.get("/admission/check/").status_code == 200
    assert client.get("/admission/plaques/").status_code == 200
    assert client.get("/api/v1/admission/plaques").status_code == 200
    response = client.post("/admission/check/", {"region": WENGUAN_VILLAGE, "title": ELDERLY[0], "content": ELDERLY[1]})
    assert response.status_code == 200
    assert 'data-decision="admit"' in response.content.decode()
    assert "第五条" in response.content.decode()


def test_the_check_page_shows_errors_for_a_county_code_without_a_500(client):
    response = client.post("/admission/check/", {"region": "210105000000", "title": "x", "content": "y"})
    assert response.status_code == 200
    assert "data-decision" not in response.content.decode()


def test_pages_of_each_role_render(client_for, decided):
    assert client_for("huanggu.health").get("/admission/requests/").status_code == 200
    assert client_for("huanggu.health").get("/admission/requests/new/").status_code == 200
    assert client_for("wenguan.village").get("/admission/inbox/").status_code == 200
    assert client_for("wenguan.village").get("/admission/requests/new/").status_code == 404
    assert client_for("huanggu.ca").get("/").status_code == 200
    assert client_for("wenguan.village").get("/dashboard/").status_code in (200, 302, 404)


def test_creating_a_request_through_the_form_saves_a_draft_with_an_attachment(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for("yalujiang.street")
    upload = SimpleUploadedFile("通知.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = c.post("/admission/requests/new/", {
        "sender": services.sender_organisations(__import__("accounts.models", fromlist=["User"]).User.objects.get(
            username="yalujiang.street"))[0].pk,
        "kind": "task", "title": "表单创建", "content": ELDERLY[1],
        "deadline": str(timezone.localdate() + timedelta(days=7)), "subtree": "210105023000", "committees": "",
        "attachment": upload,
    })
    assert response.status_code == 302
    req = WorkRequest.objects.get(title="表单创建")
    assert req.targets.count() > 3 and req.attachments.count() == 1
    assert c.get(f"/admission/attachments/{req.attachments.get().pk}/").status_code == 200
    assert client_for("zhongshan.ca").get(f"/admission/attachments/{req.attachments.get().pk}/").status_code == 404
