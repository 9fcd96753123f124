"""Overlap, rush and burden analysis of the forms a committee is asked to fill (Art. 6 of the regulation).

``analyze(forms)`` returns exactly the response of ``POST /api/v1/reporting/analyze`` (DESIGN.md §8):

- overlaps: fields of different forms (or two wordings in one form) that ask for the same datum — duplicate
  reporting (重复报送); ``multi_head`` when two or more distinct agencies ask for it (多头报送). Two fields mean the
  same datum exactly when they share an overlap group: the group key is the data element the field resolves to, or,
  for a field the dictionary does not know, its normalised name.
- rush: forms outside the annual reporting plan or giving fewer days than the minimum notice (突击报送).
- unlisted: forms tied to no list item (Art. 6 covers only reporting "necessary for the items on the list").
- burden: fields asked in total (every entry of every form, blank ones included), distinct data among them (blank
  names are no datum), filings per year (see reporting.conf for the table).

Pure and tolerant: the API validates input with a serializer; here malformed entries are skipped or read in the
most cautious way, never raising.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reporting import conf
from reporting.elements import Resolver, default_resolver


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def rush_reasons(form: dict[str, Any], min_notice_days: int) -> list[str]:
    """Why a form is rush reporting (empty when it is not), each reason citing Art. 6(1)."""
    reasons: list[str] = []
    if form.get("in_annual_plan") is not True:
        reasons.append(
            _(
                "Not in the annual reporting plan set at the start of the year "
                "(Art. 6(1): reporting follows the frequencies fixed at the start of each year)"
            )
        )
    days = _int(form.get("deadline_days"))
    if days is not None and days < min_notice_days:
        reasons.append(
            ngettext(
                "Gives %(days)s day to report, fewer than the minimum of %(minimum)s days "
                "(Art. 6(1): no rush reporting)",
                "Gives %(days)s days to report, fewer than the minimum of %(minimum)s days "
                "(Art. 6(1): no rush reporting)",
                days,
            )
            % {"days": days, "minimum": min_notice_days}
        )
    return reasons


def analyze(forms: list[dict[str, Any]], min_notice_days: int | None = None, resolver: Resolver | None = None) -> dict:
    """The §8 analysis of a set of forms; see the module docstring."""
    resolver = resolver or default_resolver()
    if min_notice_days is None:
        min_notice_days = conf.min_notice_days()
    if not isinstance(forms, list | tuple):
        forms = []

    datum_key = resolver.datum_key
    groups: dict[str, dict[str, Any]] = {}
    rush: list[dict[str, Any]] = []
    unlisted: list[dict[str, str]] = []
    fields_total = 0
    filings = 0

    for index, form in enumerate(forms):
        if not isinstance(form, dict):
            continue
        form_id = _text(form.get("id")) or f"#{index + 1}"
        agency = _text(form.get("agency"))
        filings += conf.filings_per_year(form.get("frequency"))
        reasons = rush_reasons(form, min_notice_days)
        if reasons:
            rush.append({"form": form_id, "reasons": reasons})
        if not _text(form.get("list_item")):
            unlisted.append({"form": form_id})
        fields = form.get("fields")
        if not isinstance(fields, list | tuple):
            continue
        for raw in fields:
            if raw is None:
                continue
            fields_total += 1
            field_name = raw.strip() if type(raw) is str else _text(raw)
            key = datum_key(field_name)
            if not key:
                continue  # a blank column is no datum
            # The field as the form wrote it, so callers can find it again.
            shown = raw if type(raw) is str else field_name
            if key.startswith("c:"):
                key = f"c:{form_id}:{shown}"  # "其中：女" means something only on its own line of its own form
            group = groups.get(key)
            if group is None:
                resolution = resolver.resolve(field_name)
                group = groups[key] = {
                    "element": resolution.canonical if resolution.element_code else field_name,
                    "fields": [],
                    "seen": set(),
                    "agencies": [],
                    "order": len(groups),
                }
            entry = (form_id, shown)
            if entry in group["seen"]:
                continue
            group["seen"].add(entry)
            group["fields"].append({"form": form_id, "field": shown})
            if agency and agency not in group["agencies"]:
                group["agencies"].append(agency)

    overlaps = [
        {
            "element": group["element"],
            "fields": group["fields"],
            "agencies": group["agencies"],
            "multi_head": len(group["agencies"]) >= 2,
        }
        for group in sorted(
            (g for g in groups.values() if len(g["fields"]) >= 2),
            # Worst first: most agencies, then most fields; ties keep the order the data first appeared in.
            key=lambda g: (-len(g["agencies"]), -len(g["fields"]), g["order"]),
        )
    ]
    return {
        "overlaps": overlaps,
        "rush": rush,
        "unlisted": unlisted,
        "burden": {"fields_total": fields_total, "fields_unique": len(groups), "filings_per_year": filings},
    }


def unresolved_fields(forms: list[dict[str, Any]], resolver: Resolver | None = None) -> list[dict[str, Any]]:
    """Field names no data element explains, for the civil-affairs officer's mapping queue.

    One entry per normalised name: {"normalised", "names": [wordings seen], "forms": [form ids], "reason"}; the
    officer's answer goes back through ``Resolver.learn`` (stored by the Django layer). Contextual names
    ("其中：女") are left out: they cannot be mapped once for all forms.
    """
    resolver = resolver or default_resolver()
    queue: dict[str, dict[str, Any]] = {}
    for index, form in enumerate(forms if isinstance(forms, list | tuple) else []):
        if not isinstance(form, dict) or not isinstance(form.get("fields"), list | tuple):
            continue
        form_id = _text(form.get("id")) or f"#{index + 1}"
        for raw in form["fields"]:
            name = _text(raw)
            resolution = resolver.resolve(name)
            if resolution.element_code or resolution.reason not in {"unresolved", "ambiguous"}:
                continue
            entry = queue.setdefault(
                resolution.normalised,
                {"normalised": resolution.normalised, "names": [], "forms": [], "reason": resolution.reason},
            )
            if name not in entry["names"]:
                entry["names"].append(name)
            if form_id not in entry["forms"]:
                entry["forms"].append(form_id)
    return list(queue.values())
