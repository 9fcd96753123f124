"""Excel import of a catalog or list (all or nothing, every error as 第N行 [列名]: …) and exports of published
versions to xlsx, CSV, JSON and PDF. Exported text is neutralised against spreadsheet formula injection."""

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from core.audit import record
from core.exports import safe_cell
from core.models import AuditAction
from core.uploads import UploadRefused, check_size, check_zip_archive
from legal.citations import CitationError, parse_basis
from legal.services import LegalError, resolve

from .choices import AppliesTo, Category, Origin
from .models import Citation, ListVersion, Omission, WorkItem
from .services import _bump, _check_editable, item_payload, items_with_citations, version_summary

# (field, Chinese header, required); English field names are accepted as headers too.
COLUMNS = [
    ("code", "编码", True),
    ("name", "事项名称", True),
    ("content", "事项内容", True),
    ("category", "类别", True),
    ("applies_to", "适用范围", True),
    ("basis", "依据", True),
    ("agency", "服务部门", False),
    ("support_funding", "经费支持", False),
    ("support_conditions", "工作条件", False),
    ("support_information", "信息支持", False),
    ("support_guidance", "业务指导", False),
    ("upper_code", "上级事项编码", False),
]
HEADER = {field: header for field, header, _required in COLUMNS}
CATEGORY_VALUES = {"perform": Category.PERFORM, "依法履行": Category.PERFORM, "assist": Category.ASSIST, "依法协助履行": Category.ASSIST}
APPLIES_VALUES = {
    "village": AppliesTo.VILLAGE, "村": AppliesTo.VILLAGE, "村民委员会": AppliesTo.VILLAGE,
    "community": AppliesTo.COMMUNITY, "社区": AppliesTo.COMMUNITY, "居民委员会": AppliesTo.COMMUNITY,
    "both": AppliesTo.BOTH, "村和社区": AppliesTo.BOTH, "村（社区）": AppliesTo.BOTH, "通用": AppliesTo.BOTH,
}
MAX_ROWS = 20000
# A 20,000-row workbook weighs about 1 MB; what it may expand to is limited by core.uploads (zip bombs).
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_LENGTH = {"code": 32, "name": 200, "agency": 100}


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors[:20]))
        self.errors = errors


@dataclass
class Row:
    line: int
    values: dict[str, str]
    citations: list[tuple[Any, Any]]


def _header_map(header: list[Any]) -> tuple[dict[str, int], list[str]]:
    aliases = {h: f for f, h, _r in COLUMNS} | {f: f for f, _h, _r in COLUMNS}
    found: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        name = str(cell or "").strip()
        if not name:
            continue
        field = aliases.get(name) or aliases.get(name.lower())
        if field is None:
            errors.append(f"第1行 [{name}]: " + _("unknown column"))
        elif field in found:
            errors.append(f"第1行 [{name}]: " + _("column appears twice"))
        else:
            found[field] = index
    for field, header_name, required in COLUMNS:
        if required and field not in found:
            errors.append(f"第1行 [{header_name}]: " + _("required column is missing"))
    return found, errors


def read_rows(stream: BinaryIO, *, upper_codes: set[str] | None = None) -> list[Row]:
    """Parse and check every row; raise ImportFailed with all errors, or return rows ready to write."""
    from openpyxl import load_workbook

    try:
        # Size and declared decompressed size first: openpyxl would otherwise inflate whatever the archive holds.
        check_size(stream, MAX_FILE_BYTES)
        check_zip_archive(stream, required_part="xl/workbook.xml")
    except UploadRefused as refused:
        if refused.code in ("bad_archive", "content_mismatch"):
            raise ImportFailed([_("The file is not an Excel workbook (.xlsx).")]) from None
        raise ImportFailed([refused.message]) from None
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable file is the user's error, reported in Chinese
        raise ImportFailed([_("The file is not an Excel workbook (.xlsx).")]) from None
    sheet = workbook.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None)
    if header is None:
        raise ImportFailed([_("The workbook is empty.")])
    columns, errors = _header_map(list(header))
    if errors:
        raise ImportFailed(errors)
    rows: list[Row] = []
    seen: dict[str, int] = {}
    resolved_cache: dict[str, Any] = {}
    for line, raw in enumerate(lines, start=2):
        if line - 1 > MAX_ROWS:
            errors.append(_("More than %(n)d rows: split the file.") % {"n": MAX_ROWS})
            break
        values = {f: str(raw[i]).strip() if i < len(raw) and raw[i] is not None else "" for f, i in columns.items()}
        if not any(values.values()):
            continue

        def error(field: str, message: str, line: int = line) -> None:
            errors.append(f"第{line}行 [{HEADER[field]}]: {message}")

        for field, _h, required in COLUMNS:
            if required and field in columns and not values.get(field):
                error(field, _("must not be empty"))
            if field in MAX_LENGTH and len(values.get(field, "")) > MAX_LENGTH[field]:
                error(field, _("longer than %(n)d characters") % {"n": MAX_LENGTH[field]})
        if values.get("category"):
            if values["category"] in CATEGORY_VALUES:
                values["category"] = CATEGORY_VALUES[values["category"]]
            else:
                error("category", _("must be 依法履行 or 依法协助履行, got “%(v)s”") % {"v": values["category"]})
        if values.get("applies_to"):
            if values["applies_to"] in APPLIES_VALUES:
                values["applies_to"] = APPLIES_VALUES[values["applies_to"]]
            else:
                error("applies_to", _("must be 村, 社区 or 村和社区, got “%(v)s”") % {"v": values["applies_to"]})
        code = values.get("code", "")
        if code:
            if code in seen:
                error("code", _("duplicate code %(c)s (also on row %(r)d)") % {"c": code, "r": seen[code]})
            else:
                seen[code] = line
        upper_code = values.get("upper_code", "")
        if upper_code and upper_codes is not None and upper_code not in upper_codes:
            error("upper_code", _("the upper list has no item %(c)s") % {"c": upper_code})
        citations = []
        if values.get("basis"):
            try:
                for citation in parse_basis(values["basis"]):
                    key = str(citation)
                    if key not in resolved_cache:
                        try:
                            found = resolve(citation)
                            resolved_cache[key] = (found.source, found.provision)
                        except LegalError as exc:
                            resolved_cache[key] = exc
                    result = resolved_cache[key]
                    if isinstance(result, LegalError):
                        error("basis", str(result))
                    else:
                        citations.append(result)
            except CitationError as exc:
                error("basis", _("not a citation: “%(t)s” (write 法律名称 第X条[第Y款][第（Z）项])") % {"t": exc})
        rows.append(Row(line, values, citations))
    if not rows and not errors:
        errors.append(_("The workbook has no items."))
    if errors:
        raise ImportFailed(errors)
    return rows


@transaction.atomic
def import_items(user: Any, version: ListVersion, stream: BinaryIO, *, lock: int | None = None) -> int:
    """Replace the items of a draft with the rows of a workbook: all or nothing."""
    version = ListVersion.objects.select_for_update().select_related("worklist__region").get(pk=version.pk)
    _check_editable(user, version, lock)
    upper_items = {i.code: i for i in version.upper.items.all()} if version.upper_id else {}
    rows = read_rows(stream, upper_codes=set(upper_items) if version.upper_id else None)
    for item in version.items.all():
        item.delete()
    Omission.objects.filter(version=version).delete()
    items = []
    for position, row in enumerate(rows, start=1):
        upper = upper_items.get(row.values.get("upper_code", "")) if row.values.get("upper_code") else upper_items.get(row.values["code"])
        items.append(WorkItem(
            version=version, position=position, origin=Origin.DERIVED if upper else Origin.LOCAL,
            derived_from=upper, **{f: row.values.get(f, "") for f, _h, _r in COLUMNS if f not in ("basis", "upper_code")},
        ))
    created = bulk_create_with_history(items, WorkItem, batch_size=1000, default_change_reason="import")
    if any(i.pk is None for i in created):
        created = list(version.items.order_by("position"))
    citations = [
        Citation(item=item, source=source, provision=provision, position=i)
        for item, row in zip(created, rows, strict=True) for i, (source, provision) in enumerate(row.citations)
    ]
    bulk_create_with_history(citations, Citation, batch_size=1000, default_change_reason="import")
    _bump(version)
    record(AuditAction.IMPORT, user=user, obj=version, rows=len(rows))
    return len(rows)


# --- exports -------------------------------------------------------------------------------------------------

def export_rows(version: ListVersion) -> list[list[str]]:
    rows = [[h for _f, h, _r in COLUMNS]]
    for item in items_with_citations(version):
        basis = "；".join(f"{c.source.name} {c.article_label}".strip() for c in item.citations.all())
        values = {f: getattr(item, f, "") for f, _h, _r in COLUMNS if f not in ("basis", "upper_code")}
        values["category"] = item.get_category_display() and {"perform": "依法履行", "assist": "依法协助履行"}[item.category]
        values["applies_to"] = {"village": "村", "community": "社区", "both": "村和社区"}[item.applies_to]
        values["basis"] = basis
        values["upper_code"] = item.derived_from.code if item.derived_from_id else ""
        rows.append([safe_cell(values[f]) for f, _h, _r in COLUMNS])
    return rows


def to_xlsx(version: ListVersion) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "清单"
    for row in export_rows(version):
        sheet.append(row)
    info = workbook.create_sheet("版本信息")
    for key, value in version_summary(version).items():
        info.append([key, safe_cell(json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_csv(version: ListVersion) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(export_rows(version))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def to_json(version: ListVersion) -> bytes:
    body = {"list": version_summary(version), "items": [item_payload(i) for i in items_with_citations(version)]}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def to_pdf(version: ListVersion, base_url: str = "") -> bytes:
    from django.utils import translation
    from weasyprint import HTML

    from .views_public import grouped

    # The printed list is an official document in Chinese, whatever the reader's interface language.
    with translation.override("zh-hans"):
        html = render_to_string("worklists/print.html", {
            "version": version, "groups": grouped(items_with_citations(version)), "summary": version_summary(version),
        })
    return HTML(string=html, base_url=base_url).write_pdf()
