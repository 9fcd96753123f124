"""Hostile input (issue 10 item 3; ASVS V5, V12, 等保 8.1.4.4 d): uploads that lie about what they are, zip bombs,
path-traversal names; XSS payloads in every text field people enter and others read; formula injection in every
export; oversized and deeply nested JSON bodies."""

import csv
import functools
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from core.exports import FORMULA_PREFIXES

pytestmark = pytest.mark.django_db
WENGUAN = "210105023201"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _plain_static_storage_and_private_media(settings, tmp_path):  # noqa: ANN001, ANN202
    """Pages render without a collectstatic manifest; anything stored goes to a temporary directory we can inspect."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    Path(settings.MEDIA_ROOT).mkdir()


def stored_files(settings) -> list[Path]:  # noqa: ANN001
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


# --- hostile files ---------------------------------------------------------------------------------------------------

def xlsx_bytes(rows: list[list[str]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["编码", "事项名称", "事项内容", "类别", "适用范围", "依据", "服务部门"])
    for row in rows or [["L01", "协助监护", "协助确定监护人", "依法协助履行", "村和社区", "中华人民共和国民法典 第三十二条", "民政"]]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@functools.cache
def zip_bomb(kind: str = "xlsx", expanded: int = 300 * MB) -> bytes:
    """A real-looking Office file of a few hundred kilobytes whose main part inflates to ``expanded`` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as real:
            for item in real.infolist():
                if item.filename != "xl/worksheets/sheet1.xml":
                    archive.writestr(item.filename, real.read(item.filename))
        if kind == "docx":
            archive.writestr("word/document.xml", b"<w:document/>")
        chunk = b" " * MB
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for _n in range(expanded // MB):
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def multipart(fields: dict[str, str], field: str, name: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    """A multipart body built by hand: the test client would strip directories from the file name before sending."""
    boundary = "qingdanHostileBoundary7MA4YWxkTrZu0gW"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Target:
    """One upload endpoint: how to post a file to it, whether it stored anything, whether it refused in words."""

    def __init__(self, name: str, post: Callable[[str, bytes, str], Any], count: Callable[[], int],
                 refused: Callable[[Any], bool], accepts: tuple[str, bytes]) -> None:
        self.name, self.post, self.count, self.refused, self.accepts = name, post, count, refused, accepts


def _api_refusal(field: str) -> Callable[[Any], bool]:
    def refused(response: Any) -> bool:
        if response.status_code not in (400, 413):
            return False
        error = response.json()["error"]
        in_chinese = re.search(r"[\u4e00-\u9fff]", json.dumps(error, ensure_ascii=False)) is not None
        return in_chinese and (response.status_code == 413 or field in error["fields"] or error["code"] == "import_failed")

    return refused


def _page_refusal(response: Any) -> bool:
    """A form error (errorlist), an error message (msg-error) or the 413 of the size limit."""
    if response.status_code == 413:
        return bool(response.json()["error"]["message"])
    html = response.content.decode()
    return response.status_code == 200 and ('class="errorlist' in html or "msg-error" in html)


@pytest.fixture
def targets(demo_user) -> dict[str, Target]:  # noqa: ANN001
    from admission.models import WorkRequest
    from admission.services import sender_organisations
    from regions.models import Organisation, Region
    from supervision.models import Attachment as ComplaintAttachment
    from supervision.models import Complaint
    from worklists import services as worklists
    from worklists.models import WorkItem

    draft = worklists.create_draft(demo_user("huanggu.ca"), Region.objects.get(code="210105000000"), source="empty")
    health = Organisation.objects.get(region__code="210105000000", kind="department", sector="health")
    complaint = {"category": "secondment", "region": WENGUAN, "agency": str(health.pk), "text": "借调村委会委员三个月。"}
    editor = Client()
    editor.force_login(demo_user("huanggu.ca"))
    street = Client()
    street.force_login(demo_user("yalujiang.street"))
    sender = sender_organisations(demo_user("yalujiang.street"))[0]
    request_fields = {"sender": str(sender.pk), "kind": "task", "title": "上传测试", "content": "协助开展老年人信息登记",
                      "deadline": str(timezone.localdate() + timedelta(days=7)), "subtree": "", "committees": WENGUAN}

    def items() -> int:
        return WorkItem.objects.filter(version=draft).count()

    def worklist_api(name: str, data: bytes, ctype: str) -> Any:
        api = APIClient()
        api.force_authenticate(demo_user("huanggu.ca"))
        body, content_type = multipart({}, "file", name, data, ctype)
        return api.generic("POST", f"/api/v1/worklists/versions/{draft.pk}/import", body, content_type)

    def worklist_page(name: str, data: bytes, ctype: str) -> Any:
        draft.refresh_from_db()
        body, content_type = multipart({"lock": str(draft.lock)}, "file", name, data, ctype)
        response = editor.generic("POST", f"/worklists/work/v/{draft.pk}/import/", body, content_type)
        return editor.get(response["Location"]) if response.status_code == 302 else response

    def complaint_api(name: str, data: bytes, ctype: str) -> Any:
        body, content_type = multipart(complaint, "attachments", name, data, ctype)
        return APIClient().generic("POST", "/api/v1/complaints", body, content_type)

    def complaint_page(name: str, data: bytes, ctype: str) -> Any:
        body, content_type = multipart({**complaint, "anonymous": "on"}, "attachments", name, data, ctype)
        return Client().generic("POST", "/supervision/complaints/new/", body, content_type)

    def admission_page(name: str, data: bytes, ctype: str) -> Any:
        body, content_type = multipart(request_fields, "attachment", name, data, ctype)
        return street.generic("POST", "/admission/requests/new/", body, content_type)

    return {
        "worklist import API": Target("worklist import API", worklist_api, items, _api_refusal("file"), ("list.xlsx", xlsx_bytes())),
        "worklist import page": Target("worklist import page", worklist_page, items, _page_refusal, ("list.xlsx", xlsx_bytes())),
        "complaint API": Target("complaint API", complaint_api, lambda: Complaint.objects.count() + ComplaintAttachment.objects.count(),
                                _api_refusal("attachments"), ("scan.pdf", b"%PDF-1.4\n%test\n")),
        "complaint page": Target("complaint page", complaint_page, lambda: Complaint.objects.count(), _page_refusal,
                                 ("scan.pdf", b"%PDF-1.4\n%test\n")),
        "admission request page": Target("admission request page", admission_page, lambda: WorkRequest.objects.count(),
                                         _page_refusal, ("notice.pdf", b"%PDF-1.4\n%test\n")),
    }


TARGETS = ["worklist import API", "worklist import page", "complaint API", "complaint page", "admission request page"]
# (case, file name, content) — the content is built lazily: some are large.
HOSTILE_FILES: list[tuple[str, str, Callable[[], bytes]]] = [
    ("wrong type", "setup.exe", lambda: EXE),
    ("wrong type: web page", "page.html", lambda: b"<html><script>alert(1)</script></html>"),
    ("executable renamed .xlsx", "list.xlsx", lambda: EXE),
    ("executable renamed .pdf", "scan.pdf", lambda: EXE),
    ("ELF renamed .pdf", "scan.pdf", lambda: ELF),
    ("pdf renamed .xlsx", "list.xlsx", lambda: b"%PDF-1.4\n%test\n"),
    ("oversized", "scan.pdf", lambda: b"%PDF-1.4\n" + b"0" * (11 * MB)),
    ("oversized workbook", "list.xlsx", lambda: b"PK\x03\x04" + b"0" * (11 * MB)),
    ("zip bomb as xlsx", "list.xlsx", lambda: zip_bomb("xlsx")),
    ("zip bomb as docx", "report.docx", lambda: zip_bomb("docx")),
    ("empty", "scan.pdf", lambda: b""),
]


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("case,name,content", HOSTILE_FILES, ids=[c[0] for c in HOSTILE_FILES])
def test_hostile_uploads_get_a_clear_error_and_nothing_is_stored(targets, target_name, case, name, content, settings):
    target = targets[target_name]
    before = target.count()
    response = target.post(name, content(), "application/octet-stream")
    assert response.status_code < 500, f"{case} → {response.status_code}"
    assert target.refused(response), f"{case} at {target_name} was not refused in words: {response.status_code}"
    assert target.count() == before, f"{case}: something was stored at {target_name}"
    assert stored_files(settings) == []


@pytest.mark.parametrize("target_name", TARGETS)
def test_the_upload_endpoints_accept_a_genuine_file(targets, target_name, settings):
    """The control for the refusals above: the same request with an honest file goes through."""
    target = targets[target_name]
    before = target.count()
    name, data = target.accepts
    response = target.post(name, data, "application/octet-stream")
    assert response.status_code in (200, 201, 302), response.content[:500]
    assert target.count() > before


TRAVERSAL_NAMES = ["../../etc/passwd.xlsx", "..\\..\\windows\\win.ini.pdf", "/etc/cron.d/x.pdf", "a\x00b.pdf",
                   "x.pdf\x00.exe", "..%2f..%2fetc%2fpasswd.pdf", "CON.pdf", "\u202egpj.exe.pdf"]


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_path_traversal_names_never_leave_the_media_directory(targets, target_name, name, settings, tmp_path):
    """Django keeps only the last path component of an upload's name and drops control characters; what is stored
    after that lives under MEDIA_ROOT with a clean name, or the upload is refused in words. Never a 500."""
    target = targets[target_name]
    extension = name.rsplit(".", 1)[-1]
    data = xlsx_bytes() if extension == "xlsx" else b"%PDF-1.4\n%test\n"
    response = target.post(name, data, "application/octet-stream")
    assert response.status_code < 500
    media = Path(settings.MEDIA_ROOT).resolve()
    for path in stored_files(settings):
        assert path.resolve().is_relative_to(media)
        assert ".." not in path.name and "\\" not in path.name and "\x00" not in path.name
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and not p.resolve().is_relative_to(media)]
    assert outside == []
    from admission.models import Attachment as RequestAttachment
    from supervision.models import Attachment as ComplaintAttachment

    for shown in [*RequestAttachment.objects.values_list("name", flat=True), *ComplaintAttachment.objects.values_list("original_name", flat=True)]:
        assert "/" not in shown and "\\" not in shown and "\x00" not in shown and not shown.startswith(".."), shown


def test_the_archive_check_measures_declared_sizes_and_ratio(monkeypatch):
    from core import uploads

    honest = io.BytesIO(xlsx_bytes())
    uploads.check_zip_archive(honest)
    assert honest.tell() == 0, "the stream is left where it was for openpyxl"
    with pytest.raises(uploads.UploadRefused) as bomb:
        uploads.check_zip_archive(io.BytesIO(zip_bomb(expanded=20 * MB)))
    assert bomb.value.code == "archive_too_large", "twenty megabytes of blanks compress a thousand times: refused by ratio"
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_BYTES", 4096)
    with pytest.raises(uploads.UploadRefused):
        uploads.check_zip_archive(honest, max_total=uploads.MAX_UNCOMPRESSED_BYTES)
    with pytest.raises(uploads.UploadRefused) as not_zip:
        uploads.check_zip_archive(io.BytesIO(EXE))
    assert not_zip.value.code == "bad_archive"


def test_a_zip_bomb_import_is_refused_before_openpyxl_opens_it(demo_user, monkeypatch):
    from regions.models import Region
    from worklists import io as wio
    from worklists import services as worklists

    opened = []
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(1))
    draft = worklists.create_draft(demo_user("huanggu.ca"), Region.objects.get(code="210105000000"), source="empty")
    with pytest.raises(wio.ImportFailed) as failed:
        wio.import_items(demo_user("huanggu.ca"), draft, io.BytesIO(zip_bomb()))
    assert opened == [] and "MB" in failed.value.errors[0]
    assert draft.items.count() == 0


# --- XSS: every text field people enter and others read ----------------------------------------------------------------

def payload(tag: int) -> str:
    """Starts with = as well, so the same rows test formula injection in the exports."""
    return f'=X{tag}"><img src=x onerror=alert({tag})><script>alert({tag})</script>'


RAW = re.compile(r"<script>alert\(\d+\)|<img src=x onerror", re.I)

# Text fields that users type and other users (or the public) read. Codes, hashes, encrypted and parsed fields are left
# out: poisoning them tests the parser, not the output encoding.
POISON: dict[str, list[str]] = {
    "regions.Organisation": ["name"],
    "worklists.WorkList": ["title"],
    "worklists.ListVersion": ["title", "change_note", "approval_document", "approving_body"],
    "worklists.WorkItem": ["name", "content", "agency", "support_funding", "support_conditions", "support_information",
                           "support_guidance"],
    "worklists.Omission": ["reason"],
    "worklists.Filing": ["comments"],
    "worklists.ItemFlag": ["resolution"],
    "worklists.Notification": ["text"],
    "admission.WorkRequest": ["title", "content", "approval_body", "approval_document", "legal_basis", "review_reason"],
    "admission.RequestTarget": ["refusal_reason", "note"],
    "admission.ServicePurchase": ["arrangement_document", "deliverables"],
    "admission.Attachment": ["name"],
    "reporting.ReportingChannel": ["name", "description", "review_reason"],
    "reporting.ChannelField": ["name"],
    "reporting.PlanException": ["reason", "decision_note"],
    "assessment.AssessmentPlan": ["title", "method", "comments"],
    "assessment.Indicator": ["name", "description", "method"],
    "assessment.InspectionVisit": ["purpose", "visitors"],
    "certificates.CertificateType": ["name", "purpose", "procedure", "statement", "local_note", "requesting_authority"],
    "certificates.NegativeItem": ["name", "handled_by", "guidance"],
    "certificates.Certificate": ["title", "subject_name", "statement", "revocation_reason"],
    "certificates.RefusedDemand": ["agency_name", "text"],
    "supervision.Complaint": ["agency_name", "text", "guidance"],
    "supervision.Case": ["source_name", "facts", "decision_reason", "outcome"],
    "supervision.CorrectionOrder": ["requirement", "response", "verification_note"],
    "supervision.Notice": ["title", "body"],
    "supervision.DisciplineReferral": ["referred_to", "persons", "reason"],
    "supervision.CaseEvent": ["note", "public_note"],
    "supervision.Attachment": ["original_name"],
}
TAGS = {label: n for n, label in enumerate(POISON, start=1)}


def poison_every_text_field() -> dict[str, list[str]]:
    """Put the payload into every listed field of every row (one UPDATE per model); return the fields skipped."""
    skipped: dict[str, list[str]] = {}
    for label, names in POISON.items():
        model = apps.get_model(label)
        value = payload(TAGS[label])
        fields = {}
        for name in names:
            field = model._meta.get_field(name)
            if field.max_length is not None and field.max_length < len(value):
                skipped.setdefault(label, []).append(name)
            else:
                fields[name] = value
        if fields:
            model.objects.update(**fields)
    return skipped


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.get_forms: list[tuple[str, list[str]]] = []
        self._form: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        elif tag == "form" and (a.get("method") or "get").lower() == "get":
            self._form = (a.get("action") or "", [])
            self.get_forms.append(self._form)
        elif tag in ("input", "textarea") and self._form is not None and a.get("name") and (
                a.get("type") or "text").lower() in ("text", "search"):
            self._form[1].append(a["name"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


SKIP = ("/accounts/logout", "/i18n/", "/static/", "/media/", "/sysadmin/", "/api/v1/docs", "/api/v1/schema", "/jsi18n/")
SEEDS = ["/", "/dashboard/", "/worklists/", "/admission/requests/", "/admission/inbox/", "/reporting/", "/assessment/",
         "/certificates/", "/supervision/cases/", "/supervision/notices/", "/supervision/dashboard/", "/supervision/violations/",
         "/supervision/scorecards/", "/supervision/complaints/mine/", "/accounts/profile/", "/legal/", "/regions/210105000000/",
         f"/committees/{WENGUAN}/"]
PER_VIEW = 2
BUDGET = 220


class Crawl:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.unsafe: dict[str, list[str]] = {}
        self.seen_tags: set[int] = set()
        self.server_errors: list[str] = []
        self.exports: list[str] = []
        self.formula_cells: dict[str, list[str]] = {}
        self.pages = 0

    def check(self, url: str, response: Any) -> None:
        ctype = response.get("Content-Type", "")
        body = response.content
        if response.status_code >= 500:
            self.server_errors.append(url)
        if "html" in ctype:
            text = body.decode("utf-8", "replace")
            if found := RAW.findall(text):
                self.unsafe[url] = found[:3]
            self.seen_tags |= {int(t) for t in re.findall(r"&lt;script&gt;alert\((\d+)\)", text)}
        elif "attachment" in response.get("Content-Disposition", "") and ("csv" in ctype or "spreadsheet" in ctype):
            self.exports.append(url)
            self.formula_cells[url] = formula_cells(body, ctype)

    def run(self, seeds: list[str]) -> "Crawl":
        queue = list(seeds)
        done: set[str] = set()
        per_view: dict[str, int] = {}
        while queue and self.pages < BUDGET:
            url = queue.pop(0)
            path = urlsplit(url).path
            if url in done or path.startswith(SKIP) or path.endswith(".pdf") or "format=pdf" in url:
                continue
            done.add(url)
            try:
                view = resolve(path).view_name
            except Resolver404:
                continue
            key = view + ("?" if "?" in url else "")
            if per_view.get(key, 0) >= PER_VIEW:
                continue
            per_view[key] = per_view.get(key, 0) + 1
            response = self.client.get(url)
            self.pages += 1
            self.check(url, response)
            if "html" not in response.get("Content-Type", "") or response.status_code != 200:
                continue
            parser = Links()
            parser.feed(response.content.decode("utf-8", "replace"))
            for href in parser.links:
                full = urljoin(url, href)
                parts = urlsplit(full)
                if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
            for action, names in parser.get_forms:
                if names:  # reflected input: every text box of every GET form gets the payload
                    target = urljoin(url, action or url).split("?")[0]
                    queue.append(f"{urlsplit(target).path}?{urlencode({n: payload(99) for n in names})}")
        return self


def formula_cells(body: bytes, ctype: str) -> list[str]:
    if "csv" in ctype:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = [list(r) for sheet in load_workbook(io.BytesIO(body), read_only=True).worksheets for r in sheet.iter_rows(values_only=True)]
    return [c for row in rows for c in row if isinstance(c, str) and c.startswith(FORMULA_PREFIXES)]


def object_pages() -> list[str]:
    """The newest two objects of each poisoned model that has a page of its own (others' are 404s: harmless)."""
    urls = []
    for label in POISON:
        model = apps.get_model(label)
        if hasattr(model, "get_absolute_url"):
            for obj in model.objects.order_by("-pk")[:2]:
                try:
                    urls.append(obj.get_absolute_url())
                except Exception:  # noqa: BLE001, S112 — an object without a page of its own
                    continue
    return urls


CRAWLERS = ["huanggu.ca", "yalujiang.street", "wenguan.village", "huanggu.health", "huanggu.gov", None]
# What each crawl must at least have shown (escaped): proof that the payload reached the pages at all.
EVERYONE = {"worklists.WorkItem", "worklists.ListVersion", "certificates.CertificateType", "assessment.AssessmentPlan",
            "reporting.ReportingChannel", "regions.Organisation"}
MUST_SHOW = {
    "huanggu.ca": EVERYONE | {"admission.WorkRequest", "admission.RequestTarget", "supervision.Case", "supervision.Complaint",
                              "supervision.Notice", "supervision.CorrectionOrder", "worklists.Filing", "worklists.Omission"},
    "yalujiang.street": EVERYONE | {"admission.WorkRequest", "assessment.Indicator"},
    "wenguan.village": EVERYONE | {"admission.WorkRequest", "supervision.Complaint"},
    "huanggu.health": EVERYONE | {"admission.WorkRequest", "supervision.Case"},
    "huanggu.gov": EVERYONE | {"admission.WorkRequest", "worklists.Filing", "reporting.PlanException"},
    None: EVERYONE,
}


@pytest.mark.slow
@pytest.mark.parametrize("username", CRAWLERS, ids=[u or "anonymous" for u in CRAWLERS])
def test_xss_payloads_in_every_text_field_are_escaped_on_every_page_and_neutralised_in_every_export(username, client_for):
    skipped = poison_every_text_field()
    client = client_for(username) if username else Client()
    client.raise_request_exception = False
    crawl = Crawl(client).run(SEEDS + object_pages())
    assert crawl.pages > 40, f"the crawl reached too little: {crawl.pages} pages"
    assert crawl.unsafe == {}, f"raw payloads in HTML: {crawl.unsafe}"
    assert {u: c for u, c in crawl.formula_cells.items() if c} == {}, "export cells starting with = + - @ tab or CR"
    shown = {label for label, tag in TAGS.items() if tag in crawl.seen_tags}
    print(f"\n{username}: {crawl.pages} pages, {len(crawl.exports)} exports, payloads shown escaped for {sorted(shown)}; "
          f"skipped fields {skipped}; 5xx on {crawl.server_errors[:5]}")
    assert MUST_SHOW[username] <= shown, f"payload never shown for {MUST_SHOW[username] - shown}: the crawl missed their pages"


def test_payloads_entered_through_the_api_and_forms_are_escaped_where_others_read_them(api_for, client_for, demo_user):
    """The same payloads typed through the real entry points (not the database): a work request through the API, read
    by the reviewing county and the committee's inbox; a public complaint, read by the bureau handling its case."""
    from admission.models import WorkRequest
    from regions.models import Organisation
    from supervision.models import Case, Complaint

    xss = payload(7)
    sender = api_for("huanggu.health")
    body = {"title": xss[:100], "content": f"协助开展老年人信息登记 {xss}", "deadline": str(timezone.localdate() + timedelta(days=9)),
            "committees": [WENGUAN], "submit": True, "legal_basis": xss}
    created = sender.post("/api/v1/admission/requests", body, format="json")
    assert created.status_code == 201, created.json()
    request = WorkRequest.objects.get(pk=created.json()["id"])
    assert request.title == xss[:100], "stored as typed: escaping is the output's job"
    target = request.targets.get()
    pages = [("huanggu.health", f"/admission/requests/{request.pk}/"), ("huanggu.ca", f"/admission/requests/{request.pk}/"),
             ("huanggu.ca", "/admission/requests/"), ("wenguan.village", f"/admission/inbox/{target.pk}/"),
             ("wenguan.village", "/admission/inbox/")]
    health = Organisation.objects.get(region__code="210105000000", kind="department", sector="health")
    filed = api_for(None).post("/api/v1/complaints", {"category": "secondment", "region": WENGUAN, "agency": health.pk,
                                                      "text": f"借调村委会委员 {xss}", "agency_name": ""}, format="json")
    assert filed.status_code == 201, filed.json()
    case = Case.objects.filter(complaint=Complaint.objects.latest("id")).first()
    if case is not None:
        readers = [u for u in ("huanggu.ca", "huanggu.gov", "shenyang.ca") if client_for(u).get(f"/supervision/cases/{case.number}/").status_code == 200]
        assert readers, "someone handles the case"
        pages.append((readers[0], f"/supervision/cases/{case.number}/"))
    shown = 0
    for username, path in pages:
        response = client_for(username).get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert not RAW.search(html), f"{path} as {username}: {RAW.search(html)}"
        shown += "&lt;script&gt;alert(7)" in html or "&lt;img src=x onerror=alert(7)&gt;" in html
    assert shown >= 3, "the payload is on the pages, escaped"
    for fmt in ("csv", "xlsx"):
        export = client_for("huanggu.ca").get("/admission/requests/", {"format": fmt})
        assert export.status_code == 200 and "html" not in export["Content-Type"]
        assert formula_cells(export.content, export["Content-Type"]) == []


# --- JSON bodies: too large, too deep ------------------------------------------------------------------------------------

def _json_operations() -> list[tuple[str, str]]:
    from django.test import Client as PlainClient

    schema = json.loads(PlainClient().get("/api/v1/schema/", {"format": "json"}).content)
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in ("post", "put", "patch") and "application/json" in json.dumps(operation.get("requestBody", {})):
                operations.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return operations


@pytest.fixture
def json_operations(db) -> list[tuple[str, str]]:  # noqa: ANN001
    operations = _json_operations()
    assert len(operations) >= 10 and ("post", "/api/v1/admission/check") in operations
    return operations


def deep(depth: int, kind: str) -> str:
    return "[" * depth + "]" * depth if kind == "array" else '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("who", [None, "huanggu.ca"], ids=["anonymous", "signed in"])
def test_deeply_nested_json_is_a_clean_400_on_every_endpoint(json_operations, api_for, who):
    client = api_for(who)
    client.raise_request_exception = False
    failures = {}
    for method, path in json_operations:
        for depth in (900, 5000, 200_000):
            for kind in ("array", "object"):
                body = deep(depth, kind)
                response = getattr(client, method)(path, data=body, content_type="application/json")
                if response.status_code >= 500 or "error" not in response.json():
                    failures[f"{method} {path} {kind}×{depth}"] = response.status_code
    assert failures == {}


def test_nesting_inside_valid_fields_is_refused_too(api_for):
    nested = json.loads(deep(800, "object"))
    client = api_for(None)
    client.raise_request_exception = False
    response = client.post("/api/v1/admission/check", {"region": WENGUAN, "title": nested, "content": nested}, format="json")
    assert response.status_code == 400 and "title" in response.json()["error"]["fields"]
    response = client.post("/api/v1/reporting/analyze", {"forms": [{"id": "a", "fields": nested}]}, format="json")
    assert response.status_code == 400


def test_a_huge_json_body_is_a_413_on_every_endpoint(json_operations, settings):
    body = json.dumps({"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    client = APIClient()
    for method, path in json_operations:
        response = getattr(client, method)(path, data=body, content_type="application/json")
        assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large", path


def test_a_form_with_thousands_of_fields_is_a_400_not_a_500():
    client = Client(raise_request_exception=False)
    fields = {f"f{n}": "x" for n in range(5000)}
    for path in ("/supervision/complaints/new/", "/accounts/login/", "/admission/check/"):
        response = client.post(path, fields)
        assert response.status_code == 400, (path, response.status_code)
