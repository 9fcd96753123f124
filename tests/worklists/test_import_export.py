"""Excel import (all or nothing, 第N行 [列名] errors) and exports of published versions."""

import csv
import io
import json
import re

import pytest
from openpyxl import Workbook, load_workbook

from worklists import io as wio
from worklists import services
from worklists.models import ListVersion

pytestmark = pytest.mark.django_db

HEADER = ["编码", "事项名称", "事项内容", "类别", "适用范围", "依据", "服务部门"]
GOOD = ["L01", "协助监护", "协助确定监护人", "依法协助履行", "村和社区", "中华人民共和国民法典 第三十二条", "民政"]


def workbook(rows, header=HEADER) -> io.BytesIO:
    wb = Workbook()
    sheet = wb.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


@pytest.fixture
def empty_draft(demo_user, region):
    return services.create_draft(demo_user("huanggu.ca"), region("210105000000"), source="empty")


def failed_import(user, draft, stream) -> list[str]:
    with pytest.raises(wio.ImportFailed) as failed:
        wio.import_items(user, draft, stream)
    assert draft.items.count() == 0
    return failed.value.errors


def test_missing_and_unknown_columns_are_reported_on_row_1(empty_draft, demo_user):
    errors = failed_import(demo_user("huanggu.ca"), empty_draft, workbook([GOOD[:5]], header=[*HEADER[:5], "备注"]))
    assert any(e.startswith("第1行 [依据]") for e in errors)
    assert any(e.startswith("第1行 [备注]") for e in errors)


def test_every_bad_row_is_reported_with_its_line_and_column_and_nothing_is_written(empty_draft, demo_user):
    rows = [
        GOOD,
        ["L02", "无依据", "内容", "依法履行", "村", "", ""],
        ["L03", "未知条款", "内容", "依法履行", "村", "中华人民共和国民法典 第九千条", ""],
        ["L04", "未知法律", "内容", "依法履行", "村", "某某不存在法 第一条", ""],
        ["L01", "重复编码", "内容", "其他类别", "城市", "中华人民共和国民法典 第三十二条", ""],
        ["L06", "坏引用", "内容", "依法履行", "村", "中华人民共和国民法典 第十二", ""],
    ]
    errors = failed_import(demo_user("huanggu.ca"), empty_draft, workbook(rows))
    assert all(re.match(r"^第\d+行 \[[^\]]+\]: ", e) for e in errors), errors
    where = {e.split(":")[0] for e in errors}
    assert {"第3行 [依据]", "第4行 [依据]", "第5行 [依据]", "第6行 [编码]", "第6行 [类别]", "第6行 [适用范围]", "第7行 [依据]"} <= where
    assert not any(e.startswith("第2行") for e in errors)


def test_a_file_that_is_not_excel_is_refused_in_words(empty_draft, demo_user):
    errors = failed_import(demo_user("huanggu.ca"), empty_draft, io.BytesIO(b"not a workbook"))
    assert len(errors) == 1


@pytest.mark.slow
def test_ten_thousand_rows_import_and_one_bad_last_row_rejects_them_all(empty_draft, demo_user):
    user = demo_user("huanggu.ca")
    rows = [[f"X{n:05d}", f"事项{n}", "内容", "依法协助履行", "村和社区", "中华人民共和国民法典 第三十二条", "民政"] for n in range(10000)]
    bad = [*rows[:-1], [*rows[-1][:5], "中华人民共和国民法典 第九千条", "民政"]]
    errors = failed_import(user, empty_draft, workbook(bad))
    assert [e.split(":")[0] for e in errors] == ["第10001行 [依据]"]
    empty_draft.refresh_from_db()
    assert wio.import_items(user, empty_draft, workbook(rows)) == 10000
    assert empty_draft.items.count() == 10000
    assert empty_draft.items.get(code="X09999").citations.get().provision.article == 32


def test_export_to_excel_and_import_again_gives_the_same_list(demo_user, region):
    published = services.effective_list(region("210105023201")).version
    draft = services.create_draft(demo_user("huanggu.ca"), region("210105000000"), source="empty")
    assert wio.import_items(demo_user("huanggu.ca"), draft, io.BytesIO(wio.to_xlsx(published))) == published.items.count()
    result = services.diff_versions(published, ListVersion.objects.get(pk=draft.pk))
    assert result == {"added": [], "removed": [], "changed": []}
    derived = draft.items.exclude(code="HG01")
    assert all(i.derived_from.version_id == draft.upper_id for i in derived)


def test_exports_neutralise_formula_injection(huanggu_draft, demo_user, walk):
    user = demo_user("huanggu.ca")
    services.save_item(user, huanggu_draft, {
        "code": "L99", "name": "=HYPERLINK(\"http://evil\",\"x\")", "content": "+1+1", "category": "assist",
        "applies_to": "both", "agency": "@民政",
    }, services.resolve_basis("中华人民共和国民法典 第三十二条"))
    version = walk(huanggu_draft)
    rows = list(csv.reader(io.StringIO(wio.to_csv(version).decode("utf-8-sig"))))
    row = next(r for r in rows if r[0] == "L99")
    assert row[1].startswith("'=") and row[2] == "'+1+1" and row[6] == "'@民政"
    sheet = load_workbook(io.BytesIO(wio.to_xlsx(version))).active
    cells = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "L99")
    assert cells[1].startswith("'=")


def test_json_export_follows_the_contract_shape(region):
    version = services.effective_list(region("210105023201")).version
    body = json.loads(wio.to_json(version))
    assert body["list"]["approval_document"] == version.approval_document
    assert all(i["legal_basis"] for i in body["items"])


def test_pdf_export_carries_the_approval_document_and_date_in_chinese(region):
    from pypdf import PdfReader

    version = services.effective_list(region("210105023201")).version
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(wio.to_pdf(version))).pages)
    assert "".join(version.approval_document.split()) in text
    assert f"{version.approved_on.year}年{version.approved_on.month}月{version.approved_on.day}日" in text
    assert "担任遗产管理人" in text and "示例数据" in text and "依法协助履行" in text


def test_the_import_page_reports_row_errors_without_a_500(empty_draft, client_for):
    client = client_for("huanggu.ca")
    stream = workbook([["L02", "无依据", "内容", "依法履行", "村", "", ""]])
    stream.name = "list.xlsx"
    response = client.post(f"/worklists/work/v/{empty_draft.pk}/import/", {"file": stream, "lock": empty_draft.lock}, follow=True)
    assert response.status_code == 200
    assert "第2行 [依据]" in response.content.decode()


def test_the_import_api_answers_400_with_every_row_error(empty_draft, api_for):
    stream = workbook([["L02", "无依据", "内容", "依法履行", "村", "", ""]])
    stream.name = "list.xlsx"
    response = api_for("huanggu.ca").post(f"/api/v1/worklists/versions/{empty_draft.pk}/import", {"file": stream}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["rows"][0].startswith("第2行 [依据]")
