"""Validation and diff of list versions, on plain snapshots (no database): the rules of Art. 4 and Art. 8.

Services turn versions into snapshots (`ItemSnap`), call `validate` and `diff`, and show the findings.
"""

import re
import tomllib
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).with_name("rules") / "art8.toml"

# Fields compared by the diff, in the order they are shown.
DIFF_FIELDS = [
    "name", "content", "category", "applies_to", "agency",
    "support_funding", "support_conditions", "support_information", "support_guidance", "basis",
]


@dataclass(frozen=True)
class CiteSnap:
    law: str
    article: str = ""  # "" when the whole law is cited (article not confirmed)
    status: str = "in_force"  # in_force | amended | repealed
    jurisdiction: str = "national"

    def __str__(self) -> str:
        return f"{self.law} {self.article}".strip()


@dataclass(frozen=True)
class ItemSnap:
    code: str
    name: str
    content: str = ""
    category: str = "perform"
    applies_to: str = "both"
    agency: str = ""
    support_funding: str = ""
    support_conditions: str = ""
    support_information: str = ""
    support_guidance: str = ""
    origin: str = "derived"  # derived | local
    upper_code: str = ""
    citations: tuple[CiteSnap, ...] = ()

    @property
    def basis(self) -> str:
        return "；".join(str(c) for c in self.citations)

    def value(self, name: str) -> str:
        return self.basis if name == "basis" else str(getattr(self, name))


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning
    code: str
    message: str
    item: str = ""
    article: int | None = None
    clause: int | None = None
    evidence: str = ""


@dataclass
class Report:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"errors": [asdict(f) for f in self.errors], "warnings": [asdict(f) for f in self.warnings]}


@dataclass(frozen=True)
class Rule:
    article: int
    clause: int
    rule: str
    message: str
    any: tuple[str, ...] = ()
    all: tuple[tuple[str, ...], ...] = ()
    unless: tuple[str, ...] = ()

    def match(self, text: str) -> str | None:
        """The words that matched, or None. `unless` words (negations such as 不作为) cancel a match."""
        if any(word in text for word in self.unless):
            return None
        if self.any:
            hits = [w for w in self.any if w in text]
            if hits:
                return "、".join(hits)
        if self.all:
            groups = []
            for group in self.all:
                hit = next((w for w in group if w in text), None)
                if hit is None:
                    return None
                groups.append(hit)
            return "＋".join(groups)
        return None


@cache
def art8_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Rule(
            article=r["article"], clause=r["clause"], rule=r["rule"], message=r["message"],
            any=tuple(r.get("any", ())), all=tuple(tuple(g) for g in r.get("all", ())), unless=tuple(r.get("unless", ())),
        )
        for r in data["rule"]
    )


def normalise_name(text: str) -> str:
    """For duplicate detection: width-folded, without spaces and punctuation."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\W_]+", "", text).lower()


def validate(
    items: list[ItemSnap],
    *,
    upper_items: list[ItemSnap] | None = None,
    omissions: dict[str, str] | None = None,
    is_catalog: bool = False,
) -> Report:
    """Blocking errors and warnings of a version (Art. 4; Art. 8 for local additions)."""
    report = Report()
    omissions = omissions or {}
    seen_codes: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for item in items:
        if not item.citations:
            report.errors.append(Finding("error", "no_basis", "事项缺少法律法规依据（第四条第二款）", item.code, 4, 2))
        for cite in item.citations:
            if cite.status == "repealed":
                report.errors.append(Finding("error", "repealed_basis", f"引用的依据已废止：{cite}", item.code, 4, 3, str(cite)))
            elif cite.status == "amended":
                report.warnings.append(Finding("warning", "amended_basis", f"引用的依据已修改，请核对条款：{cite}", item.code, 4, 3, str(cite)))
            if not cite.article:
                report.warnings.append(Finding("warning", "article_unconfirmed", f"依据未具体到条款：{cite.law}", item.code, 4, 2, cite.law))
        if item.code in seen_codes:
            report.errors.append(Finding("error", "duplicate_code", f"事项编码重复：{item.code}", item.code))
        seen_codes.setdefault(item.code, item.name)
        key = normalise_name(item.name)
        if key in seen_names and seen_names[key] != item.code:
            report.errors.append(Finding("error", "duplicate_name", f"与事项 {seen_names[key]} 重复：{item.name}", item.code))
        seen_names.setdefault(key, item.code)
        if item.origin == "local" and not is_catalog:
            if item.citations and not any(c.jurisdiction in ("national", "provincial") for c in item.citations):
                report.errors.append(Finding(
                    "error", "local_basis", "本级增加的事项须有法律、法规或国家、省统一规定的依据（第四条第二款）", item.code, 4, 2,
                ))
            text = f"{item.name} {item.content}"
            for rule in art8_rules():
                evidence = rule.match(text)
                if evidence:
                    report.errors.append(Finding(
                        "error", f"art8_{rule.rule}", rule.message, item.code, rule.article, rule.clause, evidence,
                    ))
    if upper_items is not None:
        derived = {i.upper_code for i in items if i.upper_code}
        for upper in upper_items:
            if upper.code not in derived and not omissions.get(upper.code, "").strip():
                report.warnings.append(Finding(
                    "warning", "omitted_without_reason", f"上级事项 {upper.code} {upper.name} 未列入且未说明理由", upper.code, 4, 2,
                ))
    return report


def diff(old: list[ItemSnap], new: list[ItemSnap]) -> dict[str, Any]:
    """Items added, removed and changed (field by field, old → new), matched by code."""
    before = {i.code: i for i in old}
    after = {i.code: i for i in new}
    changed = []
    for code, item in after.items():
        # Most items of a new version are carried over unchanged: one tuple comparison skips the field-by-field check.
        if code in before and before[code] != item:
            fields = {
                name: {"old": before[code].value(name), "new": item.value(name)}
                for name in DIFF_FIELDS
                if before[code].value(name) != item.value(name)
            }
            if fields:
                changed.append({"code": code, "name": item.name, "fields": fields})
    return {
        "added": [{"code": c, "name": i.name} for c, i in after.items() if c not in before],
        "removed": [{"code": c, "name": i.name} for c, i in before.items() if c not in after],
        "changed": changed,
    }
