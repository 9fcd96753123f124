"""Catalog web form (Art. 9(2)): a city or county civil-affairs department derives its certificate catalog from the one
above, adds local types, changes or leaves out inherited ones with reasons, and publishes; scope and roles enforced."""

from datetime import date

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import CatalogVersion, CertificateType
from regions.models import Region

pytestmark = pytest.mark.django_db

HUANGGU = "210105000000"
WENGUAN = "210105023201"

LOCAL_TYPE = {
    "code": "HG01", "name": "皇姑区老年人优待卡申领居住情况证明", "applies_to": "both",
    "purpose": "办理本区老年人优待卡时证明在本社区居住",
    "basis": "《辽宁省老年人权益保障条例》第十条（示例数据）", "requesting_authority": "皇姑区民政局",
    "procedure": "申请人提出申请，村（居）委会核实居住情况后出具",
    "materials": "居民身份证\n户口簿或居住证", "steps": "申请\n核实\n出具", "time_limit_days": "3",
    "statement": "兹证明{name}自{since}起在本村（社区）居住。",
    "template_fields": "since|居住起始日期|date|required\nbuilding|住址|text|optional",
    "local_note": "本区老年人优待卡办理需要（示例数据）",
}


def _draft(client, code=HUANGGU):  # noqa: ANN001, ANN202
    response = client.post(reverse("certificates:derive", args=[code]), {"title": "皇姑区证明事项目录（示例数据）"})
    assert response.status_code == 302, response.content[:500]
    return CatalogVersion.objects.get(catalog__region__code=code, status="draft")


def _lock(version: CatalogVersion) -> int:
    return CatalogVersion.objects.get(pk=version.pk).lock_version


def _add(client, version, **overrides):  # noqa: ANN001, ANN202, ANN003
    data = {**LOCAL_TYPE, "lock": _lock(version), **overrides}
    return client.post(reverse("certificates:catalog_type_add", args=[version.pk]), data)


def test_county_officer_sees_the_catalog_page_with_a_derive_button(client_for):
    response = client_for("huanggu.ca").get(reverse("certificates:manage"))
    assert response.status_code == 200
    assert f'id="derive-{HUANGGU}"'.encode() in response.content


def test_county_officer_derives_a_draft_that_keeps_the_local_change_of_the_published_version(client_for):
    draft = _draft(client_for("huanggu.ca"))
    assert draft.based_on.catalog.region.code == "210000000000"
    c01 = draft.types.get(code="C01")
    assert c01.local_change == "modified" and "皇姑区" in c01.procedure and c01.local_note


def test_a_second_derivation_while_a_draft_is_open_is_refused_with_a_message(client_for):
    client = client_for("huanggu.ca")
    _draft(client)
    response = client.post(reverse("certificates:derive", args=[HUANGGU]), {"title": "again"}, follow=True)
    assert "草稿" in response.content.decode()
    assert CatalogVersion.objects.filter(catalog__region__code=HUANGGU, status="draft").count() == 1


def test_a_draft_does_not_change_what_committees_issue_until_published(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    assert _add(client, draft).status_code == 302
    wenguan = Region.objects.get(code=WENGUAN)
    assert "HG01" not in {t.code for t in services.effective_catalog(wenguan).types}


def test_county_officer_adds_a_local_type_publishes_and_a_committee_of_the_county_issues_it(client_for, demo_user):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    response = _add(client, draft)
    assert response.status_code == 302
    hg01 = draft.types.get(code="HG01")
    assert hg01.local_change == "added" and hg01.materials == ["居民身份证", "户口簿或居住证"]
    assert hg01.fields[0] == {"name": "since", "label": "居住起始日期", "type": "date", "required": True}
    response = client.post(reverse("certificates:catalog_publish", args=[draft.pk]), {
        "approval_document": "皇政函〔2026〕5号（示例数据）", "effective_from": date.today().isoformat(), "lock": _lock(draft),
    })
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and draft.approval_document.startswith("皇政函")
    wenguan = Region.objects.get(code=WENGUAN)
    issued = services.issue(demo_user("wenguan.village"), wenguan, "HG01", subject_name="李四",
                            subject_id_number="210105195001011234", values={"since": "2001-05-01"},
                            base_url="https://qingdan.example")
    assert issued.certificate.title == LOCAL_TYPE["name"] and "2001-05-01" in issued.certificate.statement


def test_a_local_type_without_basis_or_template_gets_clear_chinese_messages_and_nothing_is_saved(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    lock = _lock(draft)
    response = _add(client, draft, basis="", template_fields="hours|时长|duration|maybe", code="hg 1")
    assert response.status_code == 400
    text = response.content.decode()
    assert "必填项" in text  # the legal basis
    assert "第1行" in text and "必填" in text  # the template line, named by its number
    assert "hg 1" in text and LOCAL_TYPE["purpose"] in text  # what was typed is shown again
    assert not draft.types.filter(code__in=["HG01", "HG 1"]).exists() and _lock(draft) == lock


def test_a_statement_placeholder_that_is_no_template_field_is_refused(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    response = _add(client, draft, statement="兹证明{name}于{unknown}……")
    assert response.status_code == 400
    assert "unknown" in response.content.decode()


def test_a_local_code_that_the_catalog_above_uses_is_refused(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    response = _add(client, draft, code="C02")
    assert response.status_code == 400
    assert draft.types.filter(code="C02", local_change="added").count() == 0


def test_a_stale_edit_gets_409_keeps_the_input_and_saves_on_the_second_try(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    url = reverse("certificates:catalog_type", args=[draft.pk, "C02"])
    form = client.get(url).context["form"]
    data = {**{k: v for k, v in form.initial.items() if v is not None}, "purpose": "我方修改的用途（示例数据）",
            "local_note": "本区需要"}
    assert _add(client, draft).status_code == 302  # a colleague's change meanwhile moves the lock on
    response = client.post(url, data)
    assert response.status_code == 409
    assert "我方修改的用途" in response.content.decode() and 'id="stale-warning"' in response.content.decode()
    assert draft.types.get(code="C02").purpose != "我方修改的用途（示例数据）"
    again = response.context["form"].data.copy()
    assert int(again["lock"]) == _lock(draft)
    assert client.post(url, again).status_code == 302
    c02 = draft.types.get(code="C02")
    assert c02.purpose == "我方修改的用途（示例数据）" and c02.local_change == "modified"


def test_changing_an_inherited_type_needs_a_reason_and_shows_in_the_diff(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    url = reverse("certificates:catalog_type", args=[draft.pk, "C02"])
    data = {**{k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}, "time_limit_days": "2",
            "local_note": ""}
    response = client.post(url, data)
    assert response.status_code == 400 and "理由" in response.content.decode()
    data |= {"local_note": "需要入户核实（示例数据）", "lock": _lock(draft)}
    assert client.post(url, data).status_code == 302
    page = client.get(reverse("certificates:catalog_edit", args=[draft.pk])).content.decode()
    assert 'class="diff-modified" data-code="C02"' in page and "需要入户核实" in page


def test_setting_an_inherited_type_back_to_the_values_above_makes_it_inherited_again(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    url = reverse("certificates:catalog_type", args=[draft.pk, "C01"])
    upper = draft.based_on.types.get(code="C01")
    data = {**client.get(url).context["form"].initial, "procedure": upper.procedure, "local_note": ""}
    data = {k: v for k, v in data.items() if v is not None}
    assert client.post(url, data).status_code == 302
    c01 = draft.types.get(code="C01")
    assert c01.local_change == "" and c01.local_note == ""


def test_leaving_out_an_inherited_type_needs_a_reason_is_shown_and_can_be_taken_back(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    remove = reverse("certificates:catalog_type_remove", args=[draft.pk, "C03"])
    response = client.post(remove, {"reason": "", "lock": _lock(draft)})
    assert response.status_code == 400 and draft.types.filter(code="C03").exists()
    assert client.post(remove, {"reason": "本区无此业务（示例数据）", "lock": _lock(draft)}).status_code == 302
    draft.refresh_from_db()
    assert not draft.types.filter(code="C03").exists() and draft.omissions["C03"]["reason"] == "本区无此业务（示例数据）"
    page = client.get(reverse("certificates:catalog_edit", args=[draft.pk])).content.decode()
    assert 'class="diff-omitted" data-code="C03"' in page
    restore = reverse("certificates:catalog_type_restore", args=[draft.pk, "C03"])
    assert client.post(restore, {"lock": _lock(draft)}).status_code == 302
    draft.refresh_from_db()
    assert draft.types.get(code="C03").local_change == "" and "C03" not in draft.omissions


def test_a_stale_removal_is_refused_with_409(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    old_lock = _lock(draft)
    assert _add(client, draft).status_code == 302
    response = client.post(reverse("certificates:catalog_type_remove", args=[draft.pk, "C03"]),
                           {"reason": "本区无此业务", "lock": old_lock})
    assert response.status_code == 409 and draft.types.filter(code="C03").exists()


def test_publishing_needs_the_approval_document_and_a_stale_page_cannot_publish(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    url = reverse("certificates:catalog_publish", args=[draft.pk])
    response = client.post(url, {"approval_document": "", "effective_from": "2026-01-01", "lock": _lock(draft)})
    assert response.status_code == 400 and "批准" in response.content.decode()
    old_lock = _lock(draft)
    assert _add(client, draft).status_code == 302
    response = client.post(url, {"approval_document": "皇政函〔2026〕5号", "effective_from": "2026-01-01", "lock": old_lock})
    assert response.status_code == 409
    assert CatalogVersion.objects.get(pk=draft.pk).status == "draft"


def test_the_history_names_who_changed_what_and_why(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    _add(client, draft)
    history = services.catalog_history(draft)
    added = [h for h in history if "HG01" in h.what]
    assert added and added[0].who == "huanggu.ca" and "优待卡" in added[0].reason
    page = client.get(reverse("certificates:catalog_edit", args=[draft.pk])).content.decode()
    assert 'id="history"' in page and "huanggu.ca" in page


def test_the_published_version_page_shows_the_changes_against_the_catalog_above(client):
    version = CatalogVersion.objects.get(catalog__region__code=HUANGGU, status="published")
    page = client.get(reverse("certificates:catalog_version", args=[version.pk])).content.decode()
    assert 'data-code="C01"' in page and "diff-modified" in page


def test_a_city_officer_derives_the_city_catalog(client_for):
    draft = _draft(client_for("shenyang.ca"), code="210100000000")
    assert draft.based_on.catalog.region.code == "210000000000" and draft.types.exists()


# --- Scope and roles ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, client_for):
    draft = _draft(client_for("huanggu.ca"))
    for url in (reverse("certificates:manage"), reverse("certificates:catalog_edit", args=[draft.pk]),
                reverse("certificates:catalog_type_add", args=[draft.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("certificates:derive", args=[HUANGGU]), {"title": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert CatalogVersion.objects.filter(catalog__region__code=HUANGGU, status="draft").count() == 1


def test_an_officer_of_another_county_finds_no_such_draft(client_for):
    draft = _draft(client_for("huanggu.ca"))
    other = client_for("zhongshan.ca")
    assert other.get(reverse("certificates:catalog_edit", args=[draft.pk])).status_code == 404
    assert other.post(reverse("certificates:catalog_type_add", args=[draft.pk]), {**LOCAL_TYPE, "lock": 0}).status_code == 404
    assert other.post(reverse("certificates:catalog_publish", args=[draft.pk]),
                      {"approval_document": "x", "effective_from": "2026-01-01", "lock": _lock(draft)}).status_code == 404
    assert other.post(reverse("certificates:derive", args=[HUANGGU]), {"title": "x"}).status_code == 404
    assert not draft.types.filter(code="HG01").exists()


def test_the_other_county_sees_only_its_own_region_on_the_catalog_page(client_for):
    page = client_for("zhongshan.ca").get(reverse("certificates:manage")).content.decode()
    assert 'id="own-210202000000"' in page and f'id="own-{HUANGGU}"' not in page


def test_a_committee_cannot_derive_or_edit_catalogs(client_for):
    draft = _draft(client_for("huanggu.ca"))
    committee = client_for("wenguan.village")
    assert committee.get(reverse("certificates:manage")).status_code == 403
    assert committee.get(reverse("certificates:catalog_edit", args=[draft.pk])).status_code == 404
    assert committee.post(reverse("certificates:derive", args=[HUANGGU]), {"title": "x"}).status_code == 404
    assert committee.post(reverse("certificates:derive", args=[WENGUAN]), {"title": "x"}).status_code in (302, 403)
    assert not CatalogVersion.objects.filter(catalog__region__code=WENGUAN).exists()


def test_a_functional_department_of_the_county_cannot_derive_edit_or_publish(client_for):
    draft = _draft(client_for("huanggu.ca"))
    health = client_for("huanggu.health")
    assert health.get(reverse("certificates:manage")).status_code == 403
    assert health.get(reverse("certificates:catalog_edit", args=[draft.pk])).status_code == 403
    assert health.post(reverse("certificates:catalog_type_add", args=[draft.pk]),
                       {**LOCAL_TYPE, "lock": _lock(draft)}).status_code == 403
    assert health.post(reverse("certificates:catalog_publish", args=[draft.pk]),
                       {"approval_document": "x", "effective_from": "2026-01-01", "lock": _lock(draft)}).status_code == 403
    assert health.post(reverse("certificates:derive", args=[HUANGGU]), {"title": "x"}).status_code == 403
    assert not draft.types.filter(code="HG01").exists() and CatalogVersion.objects.get(pk=draft.pk).status == "draft"


def test_the_services_refuse_a_committee_officer_directly(demo_user):
    huanggu = Region.objects.get(code=HUANGGU)
    draft = services.derive_catalog(demo_user("huanggu.ca"), huanggu, title="t")
    with pytest.raises(services.CertificateError) as error:
        services.add_type(demo_user("wenguan.village"), draft, {**LOCAL_TYPE}, lock=draft.lock_version)
    assert error.value.status_code == 403
    assert not CertificateType.objects.filter(version=draft, code="HG01").exists()


def test_the_history_records_the_publication_with_its_approval_document(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    client.post(reverse("certificates:catalog_publish", args=[draft.pk]),
                {"approval_document": "皇政函〔2026〕7号", "effective_from": "2026-01-01", "lock": _lock(draft)})
    published = [h for h in services.catalog_history(draft) if h.reason == "皇政函〔2026〕7号"]
    assert len(published) == 1 and published[0].who == "huanggu.ca"


def test_a_published_version_cannot_be_edited_through_the_type_form(client_for):
    client = client_for("huanggu.ca")
    version = CatalogVersion.objects.get(catalog__region__code=HUANGGU, status="published")
    url = reverse("certificates:catalog_type", args=[version.pk, "C01"])
    assert client.get(url).status_code == 302
    data = {**LOCAL_TYPE, "lock": version.lock_version}
    assert client.post(reverse("certificates:catalog_type_add", args=[version.pk]), data).status_code == 302
    assert not version.types.filter(code="HG01").exists()


def test_a_city_officer_sees_a_county_draft_listed_but_cannot_open_it_for_editing(client_for):
    draft = _draft(client_for("huanggu.ca"))
    city = client_for("shenyang.ca")
    page = city.get(reverse("certificates:manage")).content.decode()
    assert draft.catalog.title in page
    assert reverse("certificates:catalog_edit", args=[draft.pk]) not in page
    assert city.get(reverse("certificates:catalog_edit", args=[draft.pk])).status_code == 403


def test_the_dashboard_of_a_county_civil_affairs_officer_links_to_the_catalog_pages(client_for):
    assert reverse("certificates:manage").encode() in client_for("huanggu.ca").get("/dashboard/").content
    assert reverse("certificates:manage").encode() not in client_for("wenguan.village").get("/dashboard/").content


def test_deriving_again_keeps_the_local_types_and_omissions_of_the_published_version(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    _add(client, draft)
    client.post(reverse("certificates:catalog_type_remove", args=[draft.pk, "C03"]),
                {"reason": "本区无此业务（示例数据）", "lock": _lock(draft)})
    client.post(reverse("certificates:catalog_publish", args=[draft.pk]),
                {"approval_document": "皇政函〔2026〕5号", "effective_from": "2026-01-01", "lock": _lock(draft)})
    again = _draft(client)
    assert again.number == draft.number + 1
    assert again.types.get(code="HG01").local_change == "added"
    assert not again.types.filter(code="C03").exists() and again.omissions["C03"]["reason"] == "本区无此业务（示例数据）"
    assert again.types.get(code="C01").local_change == "modified"


# --- The reason for a local change: at most 300 characters, refused and never cut ------------------------------------

LOCAL_TYPE_DATA = {  # LOCAL_TYPE as the services take it
    **LOCAL_TYPE, "time_limit_days": 3, "materials": ["居民身份证", "户口簿或居住证"], "steps": ["申请", "核实", "出具"],
    "fields": [{"name": "since", "label": "居住起始日期", "type": "date", "required": True}],
}


def test_adding_a_type_with_a_reason_over_300_characters_is_refused_as_changing_one_is(demo_user):
    officer = demo_user("huanggu.ca")
    draft = services.derive_catalog(officer, Region.objects.get(code=HUANGGU), title="t")
    long_note = "本" * 301
    with pytest.raises(services.CertificateError) as adding:
        services.add_type(officer, draft, {**LOCAL_TYPE_DATA, "local_note": long_note}, lock=_lock(draft))
    assert not draft.types.filter(code="HG01").exists()
    c02 = draft.types.get(code="C02")
    changed = {**services._type_values(c02), "time_limit_days": c02.time_limit_days + 1, "local_note": long_note}
    with pytest.raises(services.CertificateError) as changing:
        services.change_type(officer, draft, "C02", changed, lock=_lock(draft))
    assert adding.value.status_code == changing.value.status_code == 400
    assert adding.value.get_codes() == changing.value.get_codes() == "invalid"
    assert adding.value.fields["local_note"] == changing.value.fields["local_note"]
    assert str(adding.value.fields["local_note"][0]) == "最多300个字符。"
    assert set(adding.value.fields) == {"local_note"}


def test_a_reason_of_exactly_300_characters_is_kept_whole(demo_user):
    officer = demo_user("huanggu.ca")
    draft = services.derive_catalog(officer, Region.objects.get(code=HUANGGU), title="t")
    note = "本" * 300
    added = services.add_type(officer, draft, {**LOCAL_TYPE_DATA, "local_note": f"  {note}  "}, lock=_lock(draft))
    assert added.local_note == note


def test_the_type_form_refuses_a_reason_over_300_characters_shows_why_and_keeps_the_input(client_for):
    client = client_for("huanggu.ca")
    draft = _draft(client)
    lock = _lock(draft)
    long_note = "本区需要" * 75 + "。"  # 301 characters
    response = _add(client, draft, local_note=long_note)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.get("local_note") and "300" in form.errors["local_note"][0]
    text = response.content.decode()
    assert 'id="form-errors"' in text and form.errors["local_note"][0] in text
    assert long_note in text and LOCAL_TYPE["procedure"] in text  # what was typed is shown again, whole
    assert not draft.types.filter(code="HG01").exists() and _lock(draft) == lock
