"""Assessment-plan checker: every indicator of a plan against Art. 7 of the regulation.

The rules are data (assessment/rules/art7.toml, one entry per wording family, each with article and clause); this module
only normalises text, finds matches, reads negation and builds findings. It needs no database, so the UI can check one
indicator live (`check_indicator`) and the API can check a whole plan (`check_plan`, DESIGN.md §8
POST /api/v1/assessments/check).

The rule "only indicators tied to listed items may be assessed" (Art. 7, opening sentence) needs list data and is enforced
by the Django layer; `unlisted_indicator_finding` builds its finding so the wording stays in one place.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).resolve().parent / "rules" / "art7.toml"

# Clause 0 = the opening sentence of Art. 7 ("对清单规定事项…可以进行检查考核评比"), which has no numbered item.
UNLISTED_CLAUSE = 0
UNLISTED_RULE = "unlisted-indicator"

EVIDENCE_MAX = 60  # characters of original text shown as evidence
EVIDENCE_CONTEXT = 12  # characters kept either side of the match when the segment is longer than EVIDENCE_MAX

_SENTENCE_END = frozenset("。;!?\n")
_SEGMENT_END = _SENTENCE_END | frozenset(",:")
# Dropped in normalisation: quotation marks and title brackets get in the way of wording ("实行“一票否决”").
_DROPPED = frozenset("\"'“”‘’「」『』《》〈〉【】`")


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages without needing Django settings at import time."""
    return message


FINDING_MESSAGE = gettext_noop("Art. %(article)s(%(clause)s) %(title)s: %(explanation)s")
UNLISTED_MESSAGE = gettext_noop(
    "Art. 7: indicator “%(name)s” does not correspond to any item on the work list; only listed items may be "
    "inspected, assessed or compared."
)
_CONJOINED = re.compile(r"(或者|或是|或|和|及|以及|与|、)(变相|其他|其它|任何)?(形式的)?[^,;:。!?]{0,4}?")
_CHINESE_NUMERALS = {0: "", 1: "一", 2: "二", 3: "三", 4: "四"}


# ---------------------------------------------------------------------------------------------------- public types
@dataclass(frozen=True)
class Indicator:
    """One assessment indicator (考核指标): its name, description, and the means of verification (考核方式/佐证)."""

    name: str = ""
    description: str = ""
    evidence: Sequence[str] = ()


@dataclass(frozen=True)
class Finding:
    """A breach of Art. 7 found in the plan title (indicator None) or in the indicator with this 0-based index."""

    article: int
    clause: int
    indicator: int | None
    rule: str
    message: str
    evidence: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "clause": self.clause,
            "indicator": self.indicator,
            "rule": self.rule,
            "message": self.message,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class PlanCheck:
    compliant: bool
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The response body of POST /api/v1/assessments/check (DESIGN.md §8), with the extra key `rule`."""
        return {"compliant": self.compliant, "findings": [f.as_dict() for f in self.findings]}


@dataclass(frozen=True)
class Rule:
    id: str
    article: int
    clause: int
    title: str
    title_en: str
    explanation: str
    explanation_en: str
    patterns: tuple[re.Pattern[str], ...]
    requires: tuple[re.Pattern[str], ...] = ()
    requires_scope: str = "sentence"
    unless: tuple[re.Pattern[str], ...] = ()
    unless_scope: str = "sentence"


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    cue_re: re.Pattern[str]  # a negation cue at the end of the text before a match
    filler_re: re.Pattern[str]  # one filler word at the end of that text
    after_re: re.Pattern[str]  # a negation right after a match ("…一律取消")
    condition_re: re.Pattern[str]  # right after a negated match, makes it a condition ("不签订责任状的…扣分")


# ---------------------------------------------------------------------------------------------------- loading rules
def _expand(pattern: str, macros: Mapping[str, str]) -> str:
    # {NAME} → macro; regex quantifiers such as {0,8} never hold capitals, so they are left alone.
    return re.sub(r"\{([A-Z_]+)\}", lambda m: macros[m.group(1)], pattern)


def _compile(patterns: Iterable[str], macros: Mapping[str, str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(_expand(p, macros)) for p in patterns)


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def load_rules(path: Path | str = RULES_FILE) -> RuleSet:
    """Read and compile a rule file; raises ValueError naming the rule when an entry is malformed."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    macros: dict[str, str] = {}
    for name, value in data.get("macros", {}).items():
        macros[name] = _expand(value, macros)  # a macro may use the ones defined before it
    negation = data.get("negation", {})
    rules = []
    seen: set[str] = set()
    for entry in data.get("rule", []):
        rule_id = entry.get("id", "?")
        try:
            if rule_id in seen:
                raise ValueError("duplicate id")
            seen.add(rule_id)
            if entry.get("requires_scope", "sentence") not in ("sentence", "indicator"):
                raise ValueError("requires_scope must be 'sentence' or 'indicator'")
            if entry.get("unless_scope", "sentence") not in ("segment", "sentence", "indicator"):
                raise ValueError("unless_scope must be 'segment', 'sentence' or 'indicator'")
            rules.append(
                Rule(
                    id=rule_id,
                    article=int(entry["article"]),
                    clause=int(entry["clause"]),
                    title=entry["title"],
                    title_en=entry.get("title_en", entry["title"]),
                    explanation=entry["explanation"],
                    explanation_en=entry.get("explanation_en", entry["explanation"]),
                    patterns=_compile(entry["patterns"], macros),
                    requires=_compile(entry.get("requires", ()), macros),
                    requires_scope=entry.get("requires_scope", "sentence"),
                    unless=_compile(entry.get("unless", ()), macros),
                    unless_scope=entry.get("unless_scope", "sentence"),
                )
            )
        except (KeyError, ValueError, TypeError, re.error) as exc:
            raise ValueError(f"{path}: rule {rule_id}: {exc!r}") from exc

    def alternatives(key: str, default: list[str]) -> str:
        return _alternation(_expand(p, macros) for p in negation.get(key, default))

    try:
        return RuleSet(
            rules=tuple(rules),
            cue_re=re.compile(f"(?:{alternatives('cues', ['不'])})$"),
            filler_re=re.compile(f"(?:{alternatives('fillers', ['进行'])})$"),
            after_re=re.compile(f"(?:{alternatives('after_cues', ['(?!)'])})"),
            condition_re=re.compile(f"(?:{alternatives('conditions', ['的'])})"),
        )
    except (KeyError, re.error) as exc:
        raise ValueError(f"{path}: [negation]: {exc!r}") from exc


@cache
def default_rules() -> RuleSet:
    return load_rules(RULES_FILE)


# ---------------------------------------------------------------------------------------------------- text handling
_CHAR_CACHE: dict[str, str] = {}


def _normalise_char(ch: str) -> str:
    """One character in the normalised form: NFKC, lower case, no spaces or quotes, line breaks as \\n."""
    out = _CHAR_CACHE.get(ch)
    if out is None:
        if ch in "\r\n\u2028\u2029":
            out = "\n"
        else:
            nfkc = unicodedata.normalize("NFKC", ch).lower()
            out = "".join(o for o in nfkc if not (o.isspace() or o in _DROPPED))
        if len(_CHAR_CACHE) < 65536:
            _CHAR_CACHE[ch] = out
    return out


class _Text:
    """A normalised text with a map back to the original, split into sentences and comma segments."""

    __slots__ = ("original", "norm", "starts", "sentences", "_seg_starts", "_seg_ends")

    def __init__(self, original: str) -> None:
        self.original = original
        chars: list[str] = []
        starts: list[int] = []  # starts[k] = index in `original` of the character that produced norm[k]
        for i, ch in enumerate(original):
            out = _normalise_char(ch)
            if len(out) == 1:
                chars.append(out)
                starts.append(i)
            else:
                chars.extend(out)
                starts.extend([i] * len(out))
        self.norm = "".join(chars)
        self.starts = starts
        self.sentences = list(_spans(self.norm, _SENTENCE_END))
        segments = list(_spans(self.norm, _SEGMENT_END))
        self._seg_starts = [a for a, _ in segments]
        self._seg_ends = [b for _, b in segments]

    def segment(self, pos: int) -> tuple[int, int]:
        """The comma segment holding norm[pos]; (pos, pos) on a separator."""
        k = bisect_right(self._seg_starts, pos) - 1
        if k >= 0 and pos < self._seg_ends[k]:
            return self._seg_starts[k], self._seg_ends[k]
        return pos, pos

    def excerpt(self, start: int, end: int) -> str:
        """Original text around norm[start:end]: its whole segment when short, else the match with some context."""
        seg_start, seg_end = self.segment(start)[0], self.segment(max(start, end - 1))[1]
        seg_start, seg_end = min(seg_start, start), max(seg_end, end)
        if seg_end - seg_start > EVIDENCE_MAX:
            seg_start = max(seg_start, start - EVIDENCE_CONTEXT)
            seg_end = min(seg_end, max(end + EVIDENCE_CONTEXT, seg_start + 1))
        if seg_end <= seg_start:
            return ""
        return self.original[self.starts[seg_start] : self.starts[seg_end - 1] + 1].strip()


def _spans(text: str, ends: frozenset[str]) -> list[tuple[int, int]]:
    """Non-empty runs of text between separator characters."""
    pattern = "[" + re.escape("".join(sorted(ends))) + "]"
    return [(m.start(), m.end()) for m in re.finditer(f"(?:(?!{pattern}).)+", text, re.S)]


def normalise(text: str) -> str:
    """The form the rule patterns are written against (see the head of assessment/rules/art7.toml)."""
    return _Text(text or "").norm


# ---------------------------------------------------------------------------------------------------- matching
NEGATION_WINDOW = 40  # characters before a match searched for a negation cue: negation is local


def _negated(rules: RuleSet, text: _Text, start: int, end: int) -> bool:
    """Whether the match norm[start:end] is negated ("不设一票否决", "一票否决一律取消") rather than asserted."""
    seg_start, seg_end = text.segment(start)
    after = text.norm[end : min(seg_end, end + NEGATION_WINDOW)]
    if rules.after_re.match(after):
        return True
    before = text.norm[max(seg_start, start - NEGATION_WINDOW) : start]
    for _ in range(8):  # bounded: each pass strips one filler word
        if rules.cue_re.search(before):
            # "不签订责任状的…扣分": a negated condition still imposes the thing.
            return not rules.condition_re.match(after)
        stripped = rules.filler_re.sub("", before, count=1)
        if stripped == before:
            return False
        before = stripped
    return False


def _present(rules: RuleSet, patterns: Iterable[re.Pattern[str]], spans: Sequence[tuple[_Text, int, int]]) -> bool:
    """Whether any pattern matches, not negated, in any of the spans (text, lo, hi)."""
    for text, lo, hi in spans:
        chunk = text.norm[lo:hi]
        for pattern in patterns:
            for m in pattern.finditer(chunk):
                if m.end() > m.start() and not _negated(rules, text, lo + m.start(), lo + m.end()):
                    return True
    return False


def _match_rule(rules: RuleSet, rule: Rule, text: _Text, context: Sequence[_Text]) -> tuple[int, int] | None:
    """The first span of `text` where `rule` is breached, or None. `context` = all texts of the same indicator."""
    indicator_requires: bool | None = None  # computed once, when first needed
    indicator_unless: bool | None = None
    for s_lo, s_hi in text.sentences:
        chunk = text.norm[s_lo:s_hi]
        matches = sorted(
            {
                (s_lo + m.start(), s_lo + m.end())
                for pattern in rule.patterns
                for m in pattern.finditer(chunk)
                if m.end() > m.start()
            }
        )
        negated_cover = bytearray(s_hi - s_lo)
        negated_ends: set[int] = set()
        for a, b in matches:
            if _negated(rules, text, a, b):
                negated_cover[a - s_lo : b - s_lo] = b"\x01" * (b - a)
                negated_ends.add(b)
        unless_cache: dict[tuple[int, int], bool] = {}
        sentence_requires: bool | None = None
        for start, end in matches:
            # A match starting inside a negated one is part of the same negated phrase ("不设[一票否决]事项"), and one
            # joined to it by 或/和/、 shares its negation ("严禁排名或[变相排名]").
            if negated_cover[start - s_lo]:
                continue
            if any(
                k in negated_ends and _CONJOINED.fullmatch(text.norm, k, start)
                for k in range(max(s_lo, start - 12), start)
            ):
                continue
            if rule.unless and rule.unless_scope == "indicator":
                if indicator_unless is None:
                    indicator_unless = any(u.search(t.norm) for u in rule.unless for t in context)
                if indicator_unless:
                    continue
            elif rule.unless:
                lo, hi = text.segment(start) if rule.unless_scope == "segment" else (s_lo, s_hi)
                hi = max(hi, text.segment(end - 1)[1])
                if (lo, hi) not in unless_cache:
                    unless_cache[(lo, hi)] = any(u.search(text.norm, lo, hi) for u in rule.unless)
                if unless_cache[(lo, hi)]:
                    continue
            if rule.requires:
                if rule.requires_scope == "indicator":
                    if indicator_requires is None:
                        spans = [(t, a, b) for t in context for a, b in t.sentences]
                        indicator_requires = _present(rules, rule.requires, spans)
                    if not indicator_requires:
                        continue
                else:
                    if sentence_requires is None:
                        sentence_requires = _present(rules, rule.requires, [(text, s_lo, s_hi)])
                    if not sentence_requires:
                        continue
            return start, end
    return None


def _django_ready() -> bool:
    """Whether Django's translation machinery can be used (the checker also runs outside Django, e.g. in scripts)."""
    try:
        from django.apps import apps
        from django.conf import settings
    except ImportError:
        return False
    return settings.configured and apps.ready


def _language_is_chinese() -> bool:
    if not _django_ready():
        return True  # users of the regulation read Chinese
    from django.conf import settings
    from django.utils.translation import get_language

    return (get_language() or settings.LANGUAGE_CODE).lower().startswith("zh")


def _gettext(message: str) -> str:
    if not _django_ready():
        return message
    from django.utils.translation import gettext

    return gettext(message)


# Used outside Django, where no translation catalogue is loaded; the same text as the zh_Hans catalogue.
_FINDING_MESSAGE_ZH = "第%(article)s条第（%(clause)s）项【%(title)s】%(explanation)s"
_UNLISTED_MESSAGE_ZH = (
    "第七条：考核指标“%(name)s”未对应工作事项清单中的任何事项；只有清单规定事项才可以进行检查考核评比。"
)


def _message(rule: Rule) -> str:
    chinese = _language_is_chinese()
    template = _gettext(FINDING_MESSAGE) if _django_ready() else _FINDING_MESSAGE_ZH
    return template % {
        "article": "七" if chinese and rule.article == 7 else rule.article,
        "clause": _CHINESE_NUMERALS.get(rule.clause, rule.clause) if chinese else rule.clause,
        "title": rule.title if chinese else rule.title_en,
        "explanation": rule.explanation if chinese else rule.explanation_en,
    }


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _coerce(indicator: Indicator | Mapping[str, Any]) -> Indicator:
    """Accept an Indicator or a mapping shaped like the API request ({name, description, evidence})."""
    if isinstance(indicator, Indicator):
        return indicator
    if isinstance(indicator, str):
        return Indicator(name=indicator)
    if not isinstance(indicator, Mapping):
        raise TypeError(f"an indicator must be an Indicator or a mapping, not {type(indicator).__name__}")
    evidence = indicator.get("evidence") or ()
    if isinstance(evidence, str):
        evidence = (evidence,)
    return Indicator(
        name=_as_text(indicator.get("name")),
        description=_as_text(indicator.get("description")),
        evidence=tuple(_as_text(e) for e in evidence),
    )


def _check_texts(texts: Sequence[str], index: int | None, rules: RuleSet) -> list[Finding]:
    parsed = [_Text(_as_text(t)) for t in texts]
    findings = []
    for rule in rules.rules:
        for text in parsed:
            span = _match_rule(rules, rule, text, parsed)
            if span:
                findings.append(Finding(rule.article, rule.clause, index, rule.id, _message(rule), text.excerpt(*span)))
                break  # one finding per rule and indicator: the first place it shows
    findings.sort(key=lambda f: f.clause)
    return findings


# ---------------------------------------------------------------------------------------------------- public API
def check_indicator(
    indicator: Indicator | Mapping[str, Any], index: int | None = None, rules: RuleSet | None = None
) -> list[Finding]:
    """Findings for one indicator (name, description, each evidence item), tagged with its 0-based index."""
    ind = _coerce(indicator)
    evidence = [ind.evidence] if isinstance(ind.evidence, str) else list(ind.evidence or ())
    return _check_texts([ind.name, ind.description, *evidence], index, rules or default_rules())


def check_plan(
    title: str, indicators: Iterable[Indicator | Mapping[str, Any]], rules: RuleSet | None = None
) -> PlanCheck:
    """Check a whole assessment plan: the title (findings with indicator None), then every indicator in order."""
    rules = rules or default_rules()
    findings = _check_texts([_as_text(title)], None, rules)
    for index, indicator in enumerate(indicators or ()):
        findings.extend(check_indicator(indicator, index, rules))
    return PlanCheck(compliant=not findings, findings=findings)


def check_text(text: str, rules: RuleSet | None = None) -> list[Finding]:
    """Art. 7 findings (indicator None) for one free text, e.g. a work request that carries assessment terms."""
    return _check_texts([_as_text(text)], None, rules or default_rules())


def unlisted_indicator_finding(index: int | None, name: str) -> Finding:
    """The finding for an indicator that assesses work not on the committee's list (Art. 7, opening sentence)."""
    name = _as_text(name).strip()
    template = _gettext(UNLISTED_MESSAGE) if _django_ready() else _UNLISTED_MESSAGE_ZH
    message = template % {"name": name}
    return Finding(7, UNLISTED_CLAUSE, index, UNLISTED_RULE, message, name[:EVIDENCE_MAX])


def rule_catalogue(rules: RuleSet | None = None) -> list[dict[str, Any]]:
    """The rules as shown to users (id, article, clause, title, explanation) in the active language."""
    chinese = _language_is_chinese()
    return [
        {
            "id": r.id,
            "article": r.article,
            "clause": r.clause,
            "title": r.title if chinese else r.title_en,
            "explanation": r.explanation if chinese else r.explanation_en,
        }
        for r in (rules or default_rules()).rules
    ]
