"""The admission check (准入审查) of a work request against a committee's effective list and Art. 7 and 8 of the regulation.

Plain Python, no database: callers resolve the committee's effective list (worklists) and pass its items. Three steps:

1. Prohibitions: every rule of ``admission/rules/*.toml`` (data: article, clause, patterns, conditions, explanation) is run
   sentence by sentence over the normalised request; a match counts unless it is negated (``textmatch.negated``) or an
   ``unless`` pattern of the rule appears in the same sentence. Secondment rules are waived by an approval of a city or
   county people's government (Art. 8(4)).
2. Matching: BM25 (``textmatch.BM25Index``) of the request against the item names and contents the committee's kind may
   carry; scores are 0..1 and compared with a configurable threshold (``admission.conf``).
3. Decision (DESIGN.md §8): ``reject`` if any finding (most serious first); else ``admit`` if an item matched; else
   ``purchase_service`` (Art. 5(2)).

``Engine`` holds the prebuilt index of one list (build once, check many); ``check_request`` is the one-call form.
"""

import csv
import heapq
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from textmatch import BM25Index, negated_span, normalise, sentences, specificity, tokens

from . import conf

COMMITTEE_KINDS = ("village", "residents")
# applies_to values of list items → the committee kinds that may carry them.
APPLIES_TO = {
    "both": COMMITTEE_KINDS,
    "village": ("village",),
    "community": ("residents",),
    "residents": ("residents",),
}
REJECT, ADMIT, PURCHASE_SERVICE = "reject", "admit", "purchase_service"
EVIDENCE_MAX = 120
MATCH_LIMIT = 5


def _(message: str) -> str:
    """gettext when Django is configured; the English message otherwise (the engine also runs outside Django)."""
    from django.conf import settings

    if not settings.configured:
        return message
    from django.utils.translation import gettext

    return gettext(message)


def _chinese_ui() -> bool:
    from django.conf import settings

    if not settings.configured:
        return False
    from django.utils.translation import get_language

    return (get_language() or "").lower().startswith("zh")


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 8 → 八, 11 → 十一, 25 → 二十五 (article and clause numbers as the regulation writes them)."""
    if n < 10:
        return _DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[units] if units else "")


def citation(article: int, clause: int | None = None) -> str:
    """ "第八条第（一）项" in Chinese, "Article 8(1)" otherwise."""
    zh = _chinese_ui()
    a = chinese_number(article) if zh else str(article)
    if clause is None:
        return _("Article %(article)s") % {"article": a}
    c = chinese_number(clause) if zh else str(clause)
    return _("Article %(article)s, clause (%(clause)s)") % {"article": a, "clause": c}


def regulation_name() -> str:
    return _("the Regulation of Liaoning Province on the Work Lists of Grassroots Mass Self-Governing Organisations")


# --- Data ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListItem:
    code: str
    name: str
    content: str = ""
    category: str = "assist"  # perform 依法履行 | assist 依法协助履行
    applies_to: str = "both"  # village | community | both


@dataclass(frozen=True)
class Approval:
    approved_by: str
    document: str = ""


@dataclass(frozen=True)
class MatchedItem:
    code: str
    name: str
    category: str
    score: float


@dataclass(frozen=True)
class Finding:
    article: int
    clause: int
    rule: str
    message: str
    evidence: str


@dataclass
class CheckResult:
    decision: str
    matched_items: list[MatchedItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    explanation: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Exactly the response of ``POST /api/v1/admission/check`` (DESIGN.md §8)."""
        return {
            "decision": self.decision,
            "matched_items": [asdict(m) for m in self.matched_items],
            "findings": [asdict(f) for f in self.findings],
            "explanation": self.explanation,
        }


def items_from_csv(path: str | Path) -> list[ListItem]:
    """List items from a catalog CSV with columns code, category, applies_to, name, content (e.g. sample-catalog.csv)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [
            ListItem(
                code=row["code"].strip(),
                name=row["name"].strip(),
                content=(row.get("content") or "").strip(),
                category=(row.get("category") or "assist").strip(),
                applies_to=(row.get("applies_to") or "both").strip(),
            )
            for row in csv.DictReader(f)
        ]


# --- Secondment approvals (Art. 8(4)) ----------------------------------------------------------------------------

# "沈阳市人民政府", "北镇市人民政府", "沈阳市皇姑区人民政府", "康平县政府": the level word right before (人民)政府 decides.
_GOVERNMENT = re.compile(r"^(?P<place>\S+?)(?P<level>自治县|自治旗|市|县|区|旗)(?:人民)?政府$")


def approval_problem(approval: Approval | None) -> str | None:
    """None when the approval satisfies Art. 8(4), otherwise the reason (for the finding's message)."""
    if approval is None or not normalise(approval.approved_by or ""):
        return _("No approval by a city or county people's government was given.")
    body = normalise(approval.approved_by).replace(" ", "")
    if not _GOVERNMENT.match(body):
        return _(
            "The approval by %(body)s does not count: only a city or county-level people's government may approve "
            "a secondment, not a township, a street office or a department."
        ) % {"body": approval.approved_by.strip()}
    if not normalise(approval.document or ""):
        return _("The approval by %(body)s names no document.") % {"body": approval.approved_by.strip()}
    return None


# --- Rules -------------------------------------------------------------------------------------------------------


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the rule."""


_TERM = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


@dataclass(frozen=True)
class Rule:
    id: str
    article: int
    clause: int
    title: str
    explanation: str
    severity: int
    patterns: re.Pattern[str]
    requires: tuple[re.Pattern[str], ...] = ()
    requires_in: str = "sentence"  # sentence | request
    unless: tuple[re.Pattern[str], ...] = ()
    negatable: bool = True
    waived_by: str | None = None  # "approval": a valid Art. 8(4) approval cancels the rule
    effective_from: date | None = None
    effective_to: date | None = None
    source: str = ""

    def in_force(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )

    def find(self, sents: Sequence[str], whole: str) -> tuple[str, re.Match[str]] | None:
        """The first asserted match: (sentence, match), or None."""
        if self.requires_in == "request" and not all(p.search(whole) for p in self.requires):
            return None
        for sentence in sents:
            for match in self.patterns.finditer(sentence):
                if self.negatable and negated_span(sentence, match.start(), match.end()):
                    continue
                if any(p.search(sentence) for p in self.unless):
                    break
                if self.requires_in == "sentence" and not all(p.search(sentence) for p in self.requires):
                    break
                return sentence, match
        return None


def _expand(pattern: str, terms: dict[str, str], where: str) -> str:
    for _round in range(5):  # terms may use terms
        missing = [name for name in _TERM.findall(pattern) if name not in terms]
        if missing:
            raise RuleError(f"{where}: unknown term {{{missing[0]}}}")
        expanded = _TERM.sub(lambda m: terms[m.group(1)], pattern)
        if expanded == pattern:
            return pattern
        pattern = expanded
    raise RuleError(f"{where}: terms nest too deeply")


def _compile(patterns: Any, terms: dict[str, str], where: str) -> list[re.Pattern[str]]:
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise RuleError(f"{where}: expected a list of regular expressions")
    out = []
    for p in patterns:
        try:
            out.append(re.compile(_expand(normalise_pattern(p), terms, where)))
        except re.error as exc:
            raise RuleError(f"{where}: bad regular expression {p!r}: {exc}") from exc
    return out


def normalise_pattern(pattern: str) -> str:
    """Rules are written with Chinese punctuation, as normalise() produces; ASCII regex syntax stays untouched."""
    return pattern.replace("“", "").replace("”", "")


def _as_date(value: Any, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    raise RuleError(f"{where}: dates are written as TOML dates, e.g. 2022-10-01")


CLAUSES = {7: range(1, 5), 8: range(1, 6)}


def _load_files(paths: Sequence[Path]) -> tuple[Rule, ...]:
    documents = []
    terms: dict[str, str] = {}
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise RuleError(f"{path.name}: {exc}") from exc
        for name, value in (data.get("terms") or {}).items():
            if name in terms:
                raise RuleError(f"{path.name}: term {name} defined twice")
            terms[name] = str(value)
        documents.append((path, data))
    rules: list[Rule] = []
    seen: set[str] = set()
    for path, data in documents:
        default_from = data.get("effective_from")
        for i, raw in enumerate(data.get("rule") or [], start=1):
            where = f"{path.name} rule {raw.get('id', i)}"
            try:
                rule_id = str(raw["id"])
                article, clause = int(raw["article"]), int(raw["clause"])
                title, explanation = str(raw["title"]), str(raw["explanation"]).strip()
            except (KeyError, TypeError, ValueError) as exc:
                raise RuleError(f"{where}: id, article, clause, title and explanation are required ({exc})") from exc
            if rule_id in seen:
                raise RuleError(f"{where}: duplicate rule id")
            seen.add(rule_id)
            if clause not in CLAUSES.get(article, ()):
                raise RuleError(f"{where}: article {article} has no clause {clause} covered by the check")
            patterns = _compile(raw.get("patterns"), terms, where)
            if not patterns:
                raise RuleError(f"{where}: at least one pattern is required")
            requires_in = raw.get("requires_in", "sentence")
            waived_by = raw.get("waived_by")
            if requires_in not in ("sentence", "request") or waived_by not in (None, "approval"):
                raise RuleError(f"{where}: requires_in is sentence|request, waived_by is approval")
            rules.append(
                Rule(
                    id=rule_id,
                    article=article,
                    clause=clause,
                    title=title,
                    explanation=explanation,
                    severity=int(raw.get("severity", 50)),
                    patterns=re.compile("|".join(f"(?:{p.pattern})" for p in patterns)),
                    requires=tuple(_compile(raw.get("requires", []), terms, where)),
                    requires_in=requires_in,
                    unless=tuple(_compile(raw.get("unless", []), terms, where)),
                    negatable=bool(raw.get("negatable", True)),
                    waived_by=waived_by,
                    effective_from=_as_date(raw.get("effective_from", default_from), where),
                    effective_to=_as_date(raw.get("effective_to"), where),
                    source=path.name,
                )
            )
    # Most serious first; ties in the order of the regulation.
    return tuple(sorted(rules, key=lambda r: (-r.severity, -r.article, r.clause, r.id)))


@lru_cache(maxsize=8)
def _load_cached(dirs: tuple[Path, ...]) -> tuple[Rule, ...]:
    paths = [p for d in dirs for p in sorted(Path(d).glob("*.toml"))]
    return _load_files(paths)


def load_rules(dirs: Iterable[str | Path] | None = None) -> tuple[Rule, ...]:
    """All rules of the given folders (default: admission/rules/ plus ADMISSION_RULES_DIRS), most serious first."""
    return _load_cached(tuple(Path(d) for d in (dirs if dirs is not None else conf.rules_dirs())))


# --- Engine ------------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _evidence(sentence: str, match: re.Match[str]) -> str:
    if len(sentence) <= EVIDENCE_MAX:
        return sentence
    start = max(0, min(match.start() - 30, len(sentence) - EVIDENCE_MAX))
    return (
        ("…" if start else "")
        + sentence[start : start + EVIDENCE_MAX]
        + ("…" if start + EVIDENCE_MAX < len(sentence) else "")
    )


class Engine:
    """The admission check for one list: build once (the BM25 indexes), then ``check`` many requests."""

    def __init__(
        self,
        items: Iterable[ListItem],
        *,
        threshold: float | None = None,
        name_weight: float | None = None,
        rules: Sequence[Rule] | None = None,
    ) -> None:
        self.items = list(items)
        self._threshold = None if threshold is None else float(threshold)
        self.name_weight = conf.name_weight() if name_weight is None else float(name_weight)
        self.rules = tuple(rules) if rules is not None else load_rules()
        self._rules_by_id = {r.id: r for r in self.rules}
        # Two indexes: names alone (short, telling) and name + content; the score mixes them by name_weight.
        self._names = BM25Index(((i, item.name) for i, item in enumerate(self.items)), prior=specificity)
        self._full = BM25Index(
            ((i, f"{item.name}。{item.content}") for i, item in enumerate(self.items)), prior=specificity
        )
        # Which items each committee kind may carry (a village-only item never matches for a residents' committee).
        self._allowed = {
            kind: frozenset(
                i for i, item in enumerate(self.items) if kind in APPLIES_TO.get(item.applies_to, COMMITTEE_KINDS)
            )
            for kind in COMMITTEE_KINDS
        }

    # Matching -------------------------------------------------------------------------------------------------
    @property
    def threshold(self) -> float:
        """The engine's own threshold, else ADMISSION_MATCH_THRESHOLD (read at each check, so settings apply)."""
        return conf.match_threshold() if self._threshold is None else self._threshold

    def _combined(self, committee_kind: str, text: str) -> dict[int, float]:
        query = tokens(text)
        if not query:
            return {}
        by_name = self._names.score_map(query)
        by_full = self._full.score_map(query)
        w = self.name_weight
        allowed = self._allowed[committee_kind]
        return {
            i: w * by_name.get(i, 0.0) + (1 - w) * by_full.get(i, 0.0)  # type: ignore[misc]
            for i in by_name.keys() | by_full.keys()
            if i in allowed
        }

    def scores(self, committee_kind: str, text: str) -> list[tuple[ListItem, float]]:
        """Every item the committee's kind may carry that shares a term with ``text``, with its 0..1 score, best first."""
        combined = self._combined(committee_kind, text)
        ranked = sorted(combined.items(), key=lambda pair: (-pair[1], self.items[pair[0]].code))
        return [(self.items[i], score) for i, score in ranked]

    def match(self, committee_kind: str, text: str, threshold: float | None = None) -> list[MatchedItem]:
        """Items scoring at least the threshold, best first (at most MATCH_LIMIT)."""
        limit = self.threshold if threshold is None else float(threshold)
        combined = self._combined(committee_kind, text)
        top = heapq.nsmallest(MATCH_LIMIT, combined.items(), key=lambda pair: (-pair[1], self.items[pair[0]].code))
        return [
            MatchedItem(self.items[i].code, self.items[i].name, self.items[i].category, round(score, 3))
            for i, score in top
            if score >= limit
        ]

    # Prohibitions ---------------------------------------------------------------------------------------------
    def findings(
        self, title: str, content: str, approval: Approval | None = None, on: date | None = None
    ) -> list[Finding]:
        """Art. 7 and 8 findings for a request, most serious first (one per rule)."""
        on = on or date.today()
        title, content = normalise(_text(title)), normalise(_text(content))
        sents = sentences(title) + sentences(content)
        whole = f"{title}\n{content}"
        problem: str | None = None
        checked_approval = False
        out = []
        for rule in self.rules:
            if not rule.in_force(on):
                continue
            hit = rule.find(sents, whole)
            if hit is None:
                continue
            message = rule.explanation
            if rule.waived_by == "approval":
                if not checked_approval:
                    problem, checked_approval = approval_problem(approval), True
                if problem is None:
                    continue
                message = f"{message} {problem}"
            out.append(Finding(rule.article, rule.clause, rule.id, message, _evidence(*hit)))
        return out

    # Decision -------------------------------------------------------------------------------------------------
    def check(
        self,
        committee_kind: str,
        title: str,
        content: str,
        approval: Approval | None = None,
        on: date | None = None,
        threshold: float | None = None,
    ) -> CheckResult:
        if committee_kind not in COMMITTEE_KINDS:
            raise ValueError(f"committee_kind must be one of {COMMITTEE_KINDS}, not {committee_kind!r}")
        title, content = _text(title), _text(content)
        findings = self.findings(title, content, approval, on)
        matched = self.match(committee_kind, f"{title}\n{content}", threshold)
        if findings:
            return CheckResult(REJECT, matched, findings, self._explain_reject(findings))
        note = self._approval_note(approval, title, content, on)
        if matched:
            return CheckResult(ADMIT, matched, [], self._explain_admit(matched[0]) + note)
        return CheckResult(PURCHASE_SERVICE, [], [], self._explain_purchase() + note)

    def _explain_reject(self, findings: list[Finding]) -> str:
        first = findings[0]
        rule = self._rules_by_id.get(first.rule)
        text = _(
            "Under %(regulation)s, %(citation)s, state organs must not do this (%(title)s), so the task must not be "
            "given to the committee. Evidence: “%(evidence)s”."
        ) % {
            "regulation": regulation_name(),
            "citation": citation(first.article, first.clause),
            "title": rule.title if rule else first.rule,
            "evidence": first.evidence,
        }
        if len(findings) > 1:
            text += _(" %(count)s further problem(s) are listed in the findings.") % {"count": len(findings) - 1}
        return text + _(" The committee may refuse this task.")

    def _explain_admit(self, item: MatchedItem) -> str:
        category = _("performed by law") if item.category == "perform" else _("assisted by law")
        return _(
            "The task matches item %(code)s “%(name)s” of the committee's work list (%(category)s; match score "
            "%(score)s), so it may be assigned. Under %(regulation)s, Article 5, paragraph 1, the assigning authority "
            "must provide the necessary funding, working conditions and information support, and guide the work."
        ) % {
            "code": item.code,
            "name": item.name,
            "category": category,
            "score": f"{item.score:.2f}",
            "regulation": regulation_name(),
        }

    def _explain_purchase(self) -> str:
        return _(
            "The task is not on the committee's work list and breaks no prohibition. Under %(regulation)s, Article 5, "
            "paragraph 2, government work that is not listed and suits market provision may be given to the committee "
            "only as a purchased service, with the committee's consent and arranged by the county people's government; "
            "without that the committee may decline it."
        ) % {"regulation": regulation_name()}

    def _approval_note(self, approval: Approval | None, title: str, content: str, on: date | None) -> str:
        """When a secondment was waived by a valid approval, say so (the decision depends on it)."""
        if approval is None or approval_problem(approval) is not None:
            return ""
        on = on or date.today()
        t, c = normalise(title), normalise(content)
        sents, whole = sentences(t) + sentences(c), f"{t}\n{c}"
        if not any(r.waived_by == "approval" and r.in_force(on) and r.find(sents, whole) for r in self.rules):
            return ""
        return _(" The secondment was approved by %(body)s (%(document)s), as %(citation)s requires.") % {
            "body": approval.approved_by.strip(),
            "document": approval.document.strip(),
            "citation": citation(8, 4),
        }


@lru_cache(maxsize=16)
def _engine_for(items: tuple[ListItem, ...]) -> Engine:
    return Engine(items)


def check_request(
    items: Iterable[ListItem],
    committee_kind: str,
    title: str,
    content: str,
    approval: Approval | None = None,
    on: date | None = None,
    threshold: float | None = None,
) -> CheckResult:
    """Check one request against a list (the engine for the same items is built once and reused)."""
    return _engine_for(tuple(items)).check(committee_kind, title, content, approval, on, threshold)
