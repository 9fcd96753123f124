"""Request check for certificates (Art. 9): is this a certificate the committee must not issue, may issue, or neither?

Free text from a resident or an agency ("银行让我去居委会开单身证明") is matched against the negative list
(不应出具证明事项) and the certificate catalog (出具证明事项指导目录). The words people use are data, not code:
certificates/data/negative_aliases.toml and certificates/data/catalog_aliases.toml, each entry carrying the item it
stands for. Pure Python (no database): the API and the issuance views build on `check_request`.

Matching is deliberately simple and explainable: the text is normalised, every alias (a plain phrase) and every
combination (words that must all appear) is looked for, the longest hit wins, and the phrase that matched is kept as
the evidence shown to the user (DESIGN §7.2). A negative-list hit always wins over a catalog hit.
"""

from __future__ import annotations

import csv
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

APP_DIR = Path(__file__).resolve().parent
PROJECT_DIR = APP_DIR.parent
DATA_DIR = APP_DIR / "data"
REFERENCE_DIR = PROJECT_DIR / "data" / "reference"
NEGATIVE_CSV = REFERENCE_DIR / "negative-certificates-national-2020.csv"
NEGATIVE_ALIASES = DATA_DIR / "negative_aliases.toml"
CATALOG_CSV = REFERENCE_DIR / "sample-certificate-catalog.csv"
CATALOG_ALIASES = DATA_DIR / "catalog_aliases.toml"

MAY_ISSUE = "may_issue"
MUST_NOT_ISSUE = "must_not_issue"
NOT_LISTED = "not_listed"

# Longer requests are not certificate requests any more; cap the work done on hostile input.
MAX_TEXT_LENGTH = 4000

# Catalog `applies_to` values (README: village, community, both) against Region.committee_kind ('village'|'residents').
_APPLIES = {"both": {"village", "residents"}, "village": {"village"}, "community": {"residents"}, "residents": {"residents"}}

_NON_WORD = re.compile(r"[\W_]+")
_PARENTHETICAL = re.compile(r"（[^）]*）|\([^)]*\)")
_CITATION = re.compile(r"^(?P<law>.+?)\s*(?P<article>第[一二三四五六七八九十百千零〇\d]+条.*)$")


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, no whitespace or punctuation: what aliases are matched against."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


@dataclass(frozen=True)
class NegativeEntry:
    """One item of the negative list (不应由基层群众性自治组织出具证明事项)."""

    code: str  # "N01".."N20" for the national first batch (N + seq)
    name: str
    handled_by: str
    handled_by_verified: bool  # False: show handled_by as guidance, not as an official statement
    aliases: tuple[str, ...] = ()
    guidance: str = ""
    combinations: tuple[tuple[str, ...], ...] = ()
    priority: int = 0
    seq: int = 0
    weak_aliases: tuple[str, ...] = ()  # generic wording (丢了, 走了): counts at half its length


@dataclass(frozen=True)
class CatalogType:
    """One certificate type of the catalog a committee may issue (出具证明事项指导目录)."""

    code: str
    name: str
    purpose: str
    procedure: str
    basis: str  # "法律法规名称 第X条[第Y款]；…" as in data/reference
    applies_to: str  # village | community | both
    aliases: tuple[str, ...] = ()
    combinations: tuple[tuple[str, ...], ...] = ()
    is_sample: bool = False  # sample catalog: label 示例数据 wherever shown

    def applies_to_kind(self, committee_kind: str | None) -> bool:
        return committee_kind is None or committee_kind in _APPLIES.get(self.applies_to, {"village", "residents"})


@dataclass(frozen=True)
class UnlistedHint:
    """A matter often asked of committees that is on neither list, with where to go instead (guidance only)."""

    aliases: tuple[str, ...]
    hint: str


@dataclass(frozen=True)
class NegativeList:
    entries: tuple[NegativeEntry, ...]
    unlisted: tuple[UnlistedHint, ...] = ()

    def __iter__(self) -> Iterator[NegativeEntry]:  # iterates like a plain list of entries
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def by_code(self, code: str) -> NegativeEntry | None:
        return next((e for e in self.entries if e.code == code), None)


@dataclass(frozen=True)
class CertificateCheck:
    decision: str  # may_issue | must_not_issue | not_listed
    certificate: CatalogType | None
    prohibited: NegativeEntry | None
    guidance: str
    evidence: str = ""  # the phrase of the request that decided it

    @property
    def code(self) -> str | None:
        target = self.prohibited or self.certificate
        return target.code if target else None

    def as_dict(self) -> dict[str, Any]:
        """The POST /api/v1/certificates/check response body (DESIGN §8), exactly."""
        certificate = None
        if self.certificate is not None:
            certificate = {
                "code": self.certificate.code,
                "name": self.certificate.name,
                "procedure": self.certificate.procedure,
                "legal_basis": parse_basis(self.certificate.basis),
            }
        prohibited = None
        if self.prohibited is not None:
            prohibited = {"name": self.prohibited.name, "handled_by": self.prohibited.handled_by}
        return {
            "decision": self.decision,
            "certificate": certificate,
            "prohibited": prohibited,
            "guidance": self.guidance,
        }


# --- Loading ------------------------------------------------------------------------------------------------------


def _phrases(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if phrase := normalise(value):
            seen.setdefault(phrase, None)
    return tuple(seen)


def _combinations(groups: Iterable[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    result = []
    for group in groups:
        words = tuple(w for w in (normalise(word) for word in group) if w)
        if words:
            result.append(words)
    return tuple(result)


def _name_aliases(name: str) -> list[str]:
    """The official name itself, and without its parenthetical (社区戒毒社区康复人员情况证明（表现证明）)."""
    return [name, _PARENTHETICAL.sub("", name)]


def _read_toml(path: Path) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_negative_list(csv_path: str | Path = NEGATIVE_CSV, aliases_path: str | Path = NEGATIVE_ALIASES) -> NegativeList:
    """The national list (seq, name, handled_by, handled_by_verified) joined by seq with the alias data."""
    data = _read_toml(Path(aliases_path))
    extra = {int(item["seq"]): item for item in data.get("item", [])}
    entries = []
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            seq = int(row["seq"])
            item = extra.get(seq, {})
            name = row["name"].strip()
            entries.append(
                NegativeEntry(
                    code=f"N{seq:02d}",
                    name=name,
                    handled_by=row["handled_by"].strip(),
                    handled_by_verified=row.get("handled_by_verified", "").strip().lower() == "yes",
                    aliases=_phrases([*_name_aliases(name), *item.get("aliases", [])]),
                    guidance=item.get("guidance", "").strip(),
                    combinations=_combinations(item.get("combinations", [])),
                    priority=int(item.get("priority", 0)),
                    seq=seq,
                    weak_aliases=_phrases(item.get("weak_aliases", [])),
                )
            )
    unlisted = tuple(
        UnlistedHint(aliases=_phrases(u.get("aliases", [])), hint=u.get("hint", "").strip()) for u in data.get("unlisted", [])
    )
    return NegativeList(entries=tuple(entries), unlisted=unlisted)


def load_catalog_aliases(aliases_path: str | Path = CATALOG_ALIASES) -> dict[str, dict[str, Any]]:
    """code → {"aliases": [...], "combinations": [[...]]}: for catalogs built from the database."""
    return {t["code"]: t for t in _read_toml(Path(aliases_path)).get("type", [])}


def catalog_type(
    *, code: str, name: str, purpose: str = "", procedure: str = "", basis: str = "", applies_to: str = "both",
    aliases: Iterable[str] = (), combinations: Iterable[Sequence[str]] = (), is_sample: bool = False,
) -> CatalogType:
    """Build a CatalogType with normalised aliases (the name is always one of them)."""
    return CatalogType(
        code=code, name=name, purpose=purpose, procedure=procedure, basis=basis, applies_to=applies_to or "both",
        aliases=_phrases([*_name_aliases(name), *aliases]), combinations=_combinations(combinations), is_sample=is_sample,
    )


def load_catalog(
    csv_path: str | Path = CATALOG_CSV, aliases_path: str | Path = CATALOG_ALIASES, *, is_sample: bool = True
) -> tuple[CatalogType, ...]:
    """The certificate catalog CSV (code, name, purpose, procedure, basis, applies_to) with its aliases by code."""
    extra = load_catalog_aliases(aliases_path)
    result = []
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip()
            item = extra.get(code, {})
            result.append(
                catalog_type(
                    code=code, name=row["name"].strip(), purpose=row.get("purpose", "").strip(),
                    procedure=row.get("procedure", "").strip(), basis=row.get("basis", "").strip(),
                    applies_to=row.get("applies_to", "both").strip(), aliases=item.get("aliases", []),
                    combinations=item.get("combinations", []), is_sample=is_sample,
                )
            )
    return tuple(result)


@lru_cache(maxsize=1)
def default_negative_list() -> NegativeList:
    return load_negative_list()


@lru_cache(maxsize=1)
def default_catalog() -> tuple[CatalogType, ...]:
    return load_catalog()


def parse_basis(basis: str) -> list[dict[str, str]]:
    """"志愿服务条例 第十九条第二款；志愿服务条例 第四十一条" → [{"law", "article"}, …] (article "" when not cited)."""
    result = []
    for part in re.split(r"[；;]", basis or ""):
        part = part.strip()
        if not part:
            continue
        if m := _CITATION.match(part):
            result.append({"law": m["law"].strip(), "article": m["article"].strip()})
        else:
            result.append({"law": part, "article": ""})
    return result


# --- Matching -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    score: float
    priority: int
    total: float
    evidence: str


def _match(
    text: str, aliases: Sequence[str], combinations: Sequence[Sequence[str]], priority: int = 0,
    weak_aliases: Sequence[str] = (),
) -> _Hit | None:
    best_len: float = 0
    evidence, total = "", 0.0
    # Generic wording counts half: in "档案找不着了" the object (档案) decides, not the verb (找不着了).
    for alias, weight in [*((a, 1.0) for a in aliases), *((a, 0.5) for a in weak_aliases)]:
        if alias in text:
            length = len(alias) * weight
            total += length
            if length > best_len:
                best_len, evidence = length, alias
    for words in combinations:
        if all(word in text for word in words):
            length = sum(len(word) for word in words)
            total += length
            if length > best_len:
                best_len, evidence = length, "+".join(words)
    if not best_len:
        return None
    return _Hit(score=best_len, priority=priority, total=total, evidence=evidence)


def _best(text: str, candidates: Iterable[tuple[Any, _Hit | None]]) -> tuple[Any, _Hit] | None:
    """Longest phrase first, then the data's priority, then how much of the text the entry covers."""
    found = [(target, hit) for target, hit in candidates if hit is not None]
    if not found:
        return None
    return max(found, key=lambda pair: (pair[1].score, pair[1].priority, pair[1].total))


def match_negative(text: str, negative: Iterable[NegativeEntry]) -> tuple[NegativeEntry, str] | None:
    norm = normalise(text[:MAX_TEXT_LENGTH])
    best = _best(norm, ((e, _match(norm, e.aliases, e.combinations, e.priority, e.weak_aliases)) for e in negative))
    return (best[0], best[1].evidence) if best else None


def match_catalog(text: str, catalog: Iterable[CatalogType]) -> tuple[CatalogType, str] | None:
    norm = normalise(text[:MAX_TEXT_LENGTH])
    best = _best(norm, ((c, _match(norm, c.aliases, c.combinations)) for c in catalog))
    return (best[0], best[1].evidence) if best else None


def check_request(
    text: str,
    negative: NegativeList | Iterable[NegativeEntry] | None = None,
    catalog: Iterable[CatalogType] | None = None,
    *,
    committee_kind: str | None = None,
) -> CertificateCheck:
    """Decide on a free-text certificate request. Never raises on any text.

    `committee_kind` ('village' | 'residents'), when known, keeps village-only catalog types from a residents'
    committee. Without lists, the shipped national negative list and the sample catalog are used.
    """
    negative = default_negative_list() if negative is None else negative
    catalog = default_catalog() if catalog is None else tuple(catalog)
    text = text if isinstance(text, str) else ""

    if found := match_negative(text, negative):
        entry, evidence = found
        return CertificateCheck(MUST_NOT_ISSUE, None, entry, _negative_guidance(entry, evidence), evidence)

    if found := match_catalog(text, catalog):
        item, evidence = found
        if item.applies_to_kind(committee_kind):
            return CertificateCheck(MAY_ISSUE, item, None, _catalog_guidance(item, evidence), evidence)
        if item.applies_to == "village":
            note = _("“%(name)s” is a catalog item for village committees only; a residents' committee does not issue it.")
        else:
            note = _("“%(name)s” is a catalog item for residents' committees only; a village committee does not issue it.")
        note %= {"name": item.name}
        return CertificateCheck(NOT_LISTED, None, None, _not_listed_guidance(text, negative, note), evidence)

    return CertificateCheck(NOT_LISTED, None, None, _not_listed_guidance(text, negative))


# --- Guidance -----------------------------------------------------------------------------------------------------


def _join(parts: Iterable[str]) -> str:
    # Chinese sentences follow each other without a space; English ones need one.
    separator = "" if (get_language() or "").startswith("zh") else " "
    return separator.join(p for p in parts if p)


def _negative_guidance(entry: NegativeEntry, evidence: str) -> str:
    parts = [
        _(
            "“%(name)s” is on the list of certificates that village and residents' committees should not issue "
            "(national first batch, Min Fa [2020] No. 20; Art. 9(1) of the Liaoning regulation): the committee must not "
            "issue it."
        )
        % {"name": entry.name},
        _("Handled instead by: %(handled_by)s.") % {"handled_by": entry.handled_by},
    ]
    if entry.guidance:
        parts.append(entry.guidance)
    if not entry.handled_by_verified:
        parts.append(_("The authority named here is guidance, not an official statement."))
    parts.append(_("Matched wording: “%(evidence)s”.") % {"evidence": evidence})
    return _join(parts)


def _catalog_guidance(item: CatalogType, evidence: str) -> str:
    parts = [_("“%(name)s” is in the catalog of certificates a committee may issue (Art. 9(1)).") % {"name": item.name}]
    if item.is_sample:
        parts.append(_("Sample data: this is not Liaoning's official catalog."))
    if item.purpose:
        parts.append(_("Purpose: %(purpose)s.") % {"purpose": item.purpose})
    if item.procedure:
        parts.append(_("Procedure: %(procedure)s.") % {"procedure": item.procedure})
    if item.basis:
        parts.append(_("Legal basis: %(basis)s.") % {"basis": item.basis})
    parts.append(_("The committee issues it only on the standard template (Art. 9(3))."))
    parts.append(_("Matched wording: “%(evidence)s”.") % {"evidence": evidence})
    return _join(parts)


def _not_listed_guidance(text: str, negative: NegativeList | Iterable[NegativeEntry], note: str = "") -> str:
    parts = [note] if note else []
    parts.append(
        _(
            "This matter is neither on the negative list nor in the certificate catalog. A committee may issue only "
            "the certificates listed in the catalog (Art. 9 of the Liaoning regulation). The requesting authority "
            "should verify the fact through data sharing, or accept the applicant's personal written commitment "
            "(告知承诺). If in doubt, ask the county civil-affairs bureau."
        )
    )
    norm = normalise(text[:MAX_TEXT_LENGTH])
    for hint in getattr(negative, "unlisted", ()):
        if hint.hint and any(alias in norm for alias in hint.aliases):
            parts.append(_("Hint: %(hint)s") % {"hint": hint.hint})
            break
    return _join(parts)
