"""Data-element dictionary (数据项) and field-name resolution.

Departments write the same datum in many ways ("户籍总人口(人)", "户籍人口数"); Art. 6 of the regulation forbids asking
a committee for it twice. This module turns a field name into a *signature* — the core concept, what is counted
(persons, households, person-times, things) and the qualifiers that change meaning (户籍/常住, ages, 持证/享受补贴,
城镇/农村, 男/女, periods, 新增/累计) — and resolves it against the dictionary in ``data/elements.toml``.

Guarantee: two names stating different values of a qualifier, or counting different units (户 vs 人), never resolve
to one element. A name reaches an element only through a wording of it (name, synonym, officer-confirmed mapping)
with exactly the same signature, or through a spelling or word-order variant with identical qualifiers and unit; the
wordings of one element may leave a qualifier out (留守儿童数 for 农村留守儿童数) but never contradict each other,
which loading and ``learn`` check. Names the dictionary does not know are compared by their normalised form, which
keeps every qualifier. All wording rules are data (``data/normalisation.toml``, ``data/qualifiers.toml``), not code.

A name with no count word and no unit ("老年人", "低保户") is a ledger column or a yes/no attribute, not a count:
it is never merged with "老年人数" or "低保户数". A breakdown line ("其中：预备党员") counts.

The module is pure: no models, no database. Mappings confirmed by a civil-affairs officer are passed in
(``Resolver(elements, learnt_mappings)``) and stored by the Django layer.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process

from reporting import conf

DATA_DIR = Path(__file__).resolve().parent / "data"

MEASURE_SUFFIX = {"P": "人数", "H": "户数", "PT": "人次", "N": "数", "": ""}
ELEMENT_TYPES = ("int", "decimal", "text", "date", "bool")

# How a resolution was reached, for people (Resolution.reason is the stable code).
REASON_LABELS = {
    "learnt": _("Mapping confirmed by a civil-affairs officer"),
    "dictionary": _("Matches the data-element dictionary"),
    "reordered": _("Same words as a dictionary name, in another order"),
    "fuzzy": _("Close in spelling to a dictionary name, with the same qualifiers"),
    "ambiguous": _("Close to more than one data element: a civil-affairs officer must map it"),
    "unresolved": _("Not in the dictionary: queued for a civil-affairs officer to map"),
    "contextual": _("Its meaning depends on the form around it (such as 其中：女): never compared across forms"),
    "blank": _("Blank field name"),
}
MEASURE_LABELS = {
    "P": _("persons"),
    "H": _("households"),
    "PT": _("person-times"),
    "N": _("count"),
    "": _("not a count"),
}

_PUNCTUATION = re.compile(r"[\s、，,。.．:：;；\"“”'‘’`*＊※#/\\|·•_!！?？=+＋\-—–~～…]+")
_LEADING_NUMBER = re.compile(
    r"^(?:[(（]?[0-9０-９一二三四五六七八九十]{1,3}[)）.、．]|[①-⑳⑴-⒇⒈-⒛]|[ⅰ-ⅻⅠ-Ⅻ][.、．]?|[a-zA-Z][.、．)])+"
)
# Zero-width and control characters that copying from spreadsheets leaves in headers.
_INVISIBLE = dict.fromkeys([*range(0x00, 0x20), 0x7F, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0xAD])
_BRACKET = re.compile(r"[(\[【〔<《{]([^()\[\]【】〔〕<>《》{}]*)[)\]】〕>》}]")
_UNIT_PREFIX = re.compile(r"^(?:计量)?单位[:：]?")
_TRAILING_UNIT = re.compile(r"(?:计量)?单位[:：]?(\S{1,6})$")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_AGE = re.compile(r"([零〇一二两三四五六七八九十百]+)(周岁|岁)")


def _cn_number(text: str) -> int | None:
    """六十五 → 65, 一百 → 100; None when the text is not a plain Chinese numeral."""
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _cn_ages(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        number = _cn_number(match.group(1))
        return f"{number}{match.group(2)}" if number is not None else match.group(0)

    return _CN_AGE.sub(repl, text)


@dataclass(frozen=True)
class Signature:
    """What a field name means: core concept, counted unit and meaning-changing qualifiers."""

    core: str
    measure: str  # "P" persons, "H" households, "PT" person-times, "N" count of things, "" not a count / other unit
    qualifiers: tuple[tuple[str, str], ...] = ()

    def qualifier(self, dimension: str) -> str | None:
        return dict(self.qualifiers).get(dimension)

    def conflicts_with(self, other: Signature) -> list[str]:
        """Dimensions on which both signatures say something different (omitting a qualifier is no conflict)."""
        mine, theirs = dict(self.qualifiers), dict(other.qualifiers)
        clashes = [dim for dim in mine.keys() & theirs.keys() if mine[dim] != theirs[dim]]
        # A generic count (数) may stand for persons or households; anything else must agree.
        if (
            self.measure
            and other.measure
            and self.measure != other.measure
            and "N" not in (self.measure, other.measure)
        ):
            clashes.append("measure")
        return sorted(clashes)


@dataclass(frozen=True)
class Element:
    code: str
    name: str
    definition: str
    unit: str
    type: str
    synonyms: tuple[str, ...] = ()
    category: str = ""
    source: str = ""


@dataclass(frozen=True)
class Resolution:
    element_code: str | None
    canonical: str  # the element's canonical name, or the normalised field name when unresolved
    confidence: float
    reason: str  # learnt | dictionary | reordered | fuzzy | ambiguous | unresolved | blank
    normalised: str = ""


@dataclass
class _Dimension:
    name: str
    patterns: list[tuple[re.Pattern[str], str]]
    # One alternation of all patterns: most names carry few qualifiers, so most dimensions are skipped at once.
    any: re.Pattern[str] = field(default=re.compile(r"(?!)"))


_CJK = re.compile(r"[\u3400-\u9fff]")
_REGEX_META = re.compile(r"[\\.^$*+?{}\[\]|()]")


@dataclass
class _Rule:
    """A rewrite: plain text is replaced with str.replace (fast), anything else with the regular expression."""

    pattern: re.Pattern[str]
    repl: str
    literal: str | None
    # The Chinese characters of the pattern: a name containing none of them cannot match (see normalisation.toml).
    trigger: frozenset[str]

    @classmethod
    def make(cls, pattern: str, repl: str) -> _Rule:
        literal = None if _REGEX_META.search(pattern) else pattern
        return cls(re.compile(pattern), repl, literal, frozenset(_CJK.findall(pattern)))

    def apply(self, text: str) -> str:
        if self.literal is not None:
            return text.replace(self.literal, self.repl) if self.literal in text else text
        if self.trigger and self.trigger.isdisjoint(text):
            return text
        return self.pattern.sub(self.repl, text)


def _apply_rules(rules: list[_Rule], text: str) -> str:
    # The hot loop of normalisation, written out rather than calling _Rule.apply for each rule.
    chars = set(text)
    for rule in rules:
        literal = rule.literal
        if literal is not None:
            if literal in text:
                text = text.replace(literal, rule.repl)
                chars = set(text)
        elif not rule.trigger or not rule.trigger.isdisjoint(chars):
            changed = rule.pattern.sub(rule.repl, text)
            if changed != text:
                text, chars = changed, set(changed)
    return text


@dataclass
class Lexicon:
    """The compiled wording rules of normalisation.toml and qualifiers.toml."""

    pre: list[_Rule]
    rewrites: list[_Rule]
    units: dict[str, str]
    noise: re.Pattern[str]
    person_endings: tuple[str, ...]
    quantity_endings: tuple[str, ...]
    clarifying: tuple[str, ...]
    heading: re.Pattern[str]
    suffixes: list[tuple[str, str]]
    strip_after: dict[str, tuple[str, ...]]
    core_rewrites: dict[str, str]
    sensitive: frozenset[str]
    dimensions: list[_Dimension]
    order: list[str]
    _cache: dict[str, Signature] = field(default_factory=dict, repr=False)
    _stable: dict[str, Signature] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> Lexicon:
        with open(directory / "normalisation.toml", "rb") as fh:
            norm = tomllib.load(fh)
        with open(directory / "qualifiers.toml", "rb") as fh:
            quals = tomllib.load(fh)
        units: dict[str, str] = {}
        for measure, words in norm["units"].items():
            for word in words:
                units[unicodedata.normalize("NFKC", word).lower()] = "" if measure == "other" else measure
        dimensions = [
            _Dimension(
                d["name"],
                [(re.compile(pattern), value) for pattern, value in d["patterns"]],
                re.compile("|".join(f"(?:{pattern})" for pattern, _value in d["patterns"])),
            )
            for d in quals["dimension"]
        ]
        order = list(quals["order"])
        if sorted(order) != sorted(d.name for d in dimensions):
            raise ValueError("qualifiers.toml: `order` must list every dimension once")
        return cls(
            pre=[_Rule.make(r["pattern"], r["replace"]) for r in norm.get("pre", [])],
            rewrites=[_Rule.make(r["pattern"], r["replace"]) for r in norm.get("rewrite", [])],
            units=units,
            noise=re.compile("|".join(re.escape(w) for w in sorted(norm["noise"], key=len, reverse=True))),
            person_endings=tuple(norm["person_endings"]),
            quantity_endings=tuple(norm.get("quantity_endings", ())),
            clarifying=tuple(norm.get("clarifying_remarks", ())),
            heading=re.compile(
                "^[^:]*(?:" + "|".join(re.escape(w) for w in norm.get("heading_words", ["(?!)"])) + "):(?=.)"
            ),
            suffixes=sorted(norm["suffixes"].items(), key=lambda kv: len(kv[0]), reverse=True),
            strip_after={"P": tuple(norm["strip_after_persons"]), "H": tuple(norm["strip_after_households"])},
            core_rewrites=dict(norm.get("core", {})),
            sensitive=frozenset(norm.get("sensitive", "")),
            dimensions=dimensions,
            order=order,
        )

    # -- parsing ---------------------------------------------------------------------------------------------------

    def _unit(self, text: str) -> str | None:
        """The measure a bracketed remark stands for, or None when the remark is not a unit."""
        text = _UNIT_PREFIX.sub("", text)
        return self.units.get(text)

    def _parse_once(self, name: str) -> Signature:
        text = _LEADING_NUMBER.sub("", "".join(name.translate(_INVISIBLE).split()))
        text = "".join(unicodedata.normalize("NFKC", text).lower().split())
        text = _LEADING_NUMBER.sub("", text)
        # "其中：预备党员" is a breakdown line of a count table: it counts, even without 数.
        subitem = text.startswith("其中")
        text = _apply_rules(self.pre, text)
        if "岁" in text:
            text = _cn_ages(text)
        unit_hint: str | None = None
        remarks: list[str] = []
        # Brackets, innermost first: a unit tells what is counted, any other remark is part of the meaning.
        for _attempt in range(8):
            match = _BRACKET.search(text)
            if not match:
                break
            inner = match.group(1)
            unit = self._unit(inner)
            if unit is not None:
                unit_hint = unit_hint or unit
            elif inner and not inner.startswith(self.clarifying):
                remarks.append(inner)
            text = text[: match.start()] + text[match.end() :]
        text = "".join(remarks) + text
        trailing = _TRAILING_UNIT.search(text) if "单位" in text else None
        if trailing and self._unit(trailing.group(1)) is not None:
            unit_hint = unit_hint or self._unit(trailing.group(1))
            text = text[: trailing.start()]
        text = _LEADING_NUMBER.sub("", text)
        if ":" in text:
            text = self.heading.sub("", text)
        text = _PUNCTUATION.sub("", text)
        text = text.strip("()[]【】〔〕<>《》{}")
        text = _apply_rules(self.rewrites, text)

        # What is counted: read from the suffix, else from the unit in brackets.
        measure = ""
        for suffix, value in self.suffixes:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                measure = value
                if value == "N" and text.endswith(self.person_endings):
                    measure = "P"
                elif value == "N" and text.endswith(self.quantity_endings):
                    measure = ""
                break
        if not measure and unit_hint:
            measure = unit_hint
        if not measure and subitem:
            measure = "P" if text.endswith(self.person_endings) else "N"

        qualifiers: dict[str, str] = {}
        for dimension in self.dimensions:
            if not dimension.any.search(text):
                continue
            values: list[str] = []
            for pattern, value in dimension.patterns:
                if not pattern.search(text):
                    continue
                for found in pattern.finditer(text):
                    canonical = found.expand(value) if "\\" in value else value
                    if canonical not in values:
                        values.append(canonical)
                text = pattern.sub("", text)
            if values:
                qualifiers[dimension.name] = "+".join(sorted(values))
        text = self.noise.sub("", text)
        strip = self.strip_after.get(measure, ())
        changed = True
        while changed and strip:
            changed = False
            for ending in strip:
                if text.endswith(ending) and len(text) > len(ending):
                    text = text[: -len(ending)]
                    changed = True
                elif text == ending:
                    text = ""
                    changed = True
        text = self.core_rewrites.get(text, text)
        ordered = tuple((dim, qualifiers[dim]) for dim in self.order if dim in qualifiers)
        return Signature(core=text, measure=measure, qualifiers=ordered)

    def render(self, signature: Signature) -> str:
        prefix = "".join(value.replace("+", "") for _, value in signature.qualifiers)
        suffix = MEASURE_SUFFIX.get(signature.measure, "")
        if signature.measure == "P" and not signature.core:
            suffix = "人口"
        return prefix + signature.core + suffix

    def parse(self, name: str) -> Signature:
        """The signature of a field name, stable under re-normalisation (parse(render(s)) == s)."""
        if not isinstance(name, str):
            name = "" if name is None else str(name)
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        # Row numbers and spaces vary from form to form; names differing only in them share one parse.
        plain = _LEADING_NUMBER.sub("", "".join(name.translate(_INVISIBLE).split()))
        cached = self._cache.get(plain)
        if cached is not None:
            if len(self._cache) < 200_000:
                self._cache[name] = cached
            return cached
        signature = self._parse_once(plain)
        rendered = self.render(signature)
        stable = self._stable.get(rendered)
        if stable is None:
            stable = self._settled(signature, rendered)
            if len(self._stable) < 200_000:
                self._stable[self.render(stable)] = stable
        if len(self._cache) < 200_000:
            self._cache[name] = self._cache[plain] = stable
        return stable

    def _settled(self, signature: Signature, rendered: str) -> Signature:
        """Re-read the canonical wording until it no longer changes, so that normalising is idempotent and a parse
        never depends on what was parsed before (``_stable`` holds only settled signatures). A pass may strip one
        more repeated word ("人口人口人口户籍"), so passes go on while the wording changes; a wording that comes back
        settles on its cycle's smallest wording, whichever member it was entered from."""
        seen: list[str] = []
        for _pass in range(256):
            again = self._parse_once(rendered)
            if again == signature:
                return signature
            if rendered in seen:
                cycle = seen[seen.index(rendered) :]
                return self._parse_once(min(cycle))
            seen.append(rendered)
            signature, rendered = again, self.render(again)
        return signature

    def normalise(self, name: str) -> str:
        return self.render(self.parse(name))

    def may_fuzz(self, a: str, b: str) -> bool:
        """Fuzzy matching is allowed only when the two cores differ in no meaning-bearing character."""
        return not ((set(a) ^ set(b)) & self.sensitive)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load()


def normalise_field(name: str) -> str:
    """A field name in canonical wording: "户籍总人口(人)" and "户籍人口数" both give "户籍人口"."""
    return default_lexicon().normalise(name)


def parse_field(name: str) -> Signature:
    return default_lexicon().parse(name)


def load_elements(path: Path | None = None) -> list[Element]:
    """Read the data-element dictionary (TOML) and check every entry is complete."""
    path = path or DATA_DIR / "elements.toml"
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    elements: list[Element] = []
    seen: set[str] = set()
    for row in data.get("element", []):
        missing = [key for key in ("code", "name", "definition", "type") if not row.get(key)]
        if missing:
            raise ValueError(f"{path.name}: element {row.get('code') or row.get('name')!r} lacks {', '.join(missing)}")
        if row["type"] not in ELEMENT_TYPES:
            raise ValueError(f"{path.name}: element {row['code']}: type must be one of {', '.join(ELEMENT_TYPES)}")
        if row["code"] in seen:
            raise ValueError(f"{path.name}: duplicate element code {row['code']}")
        seen.add(row["code"])
        elements.append(
            Element(
                code=row["code"],
                name=row["name"],
                definition=row["definition"],
                unit=row.get("unit", ""),
                type=row["type"],
                synonyms=tuple(row.get("synonyms", ())),
                category=row.get("category", ""),
                source=row.get("source", ""),
            )
        )
    return elements


def _sorted_chars(text: str) -> str:
    return "".join(sorted(text))


class Resolver:
    """Resolves field names to data elements.

    Stages, in order: a mapping confirmed by a civil-affairs officer (``learnt``); the dictionary's names and
    synonyms, compared by signature (``dictionary``); the same words in another order (``reordered``); a close
    spelling of the core with identical qualifiers and unit (``fuzzy``). Anything else is unresolved
    (element_code None) and goes to the officer's queue.
    """

    def __init__(
        self,
        elements: Iterable[Element] | None = None,
        learnt_mappings: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        lexicon: Lexicon | None = None,
    ) -> None:
        self.lexicon = lexicon or default_lexicon()
        self.elements: dict[str, Element] = {e.code: e for e in (load_elements() if elements is None else elements)}
        self._index: dict[Signature, str] = {}
        self._canonical_signature: dict[str, Signature] = {}
        # Every qualifier any wording of an element states: what a new wording must not contradict.
        self._stated: dict[str, Signature] = {}
        # Per (measure, qualifiers): candidate cores for the reordered and fuzzy stages.
        self._cores: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}
        self._reordered: dict[tuple[str, tuple[tuple[str, str], ...], str], set[str]] = {}
        self._learnt: dict[Signature, str] = {}
        self._cache: dict[str, Resolution] = {}
        self._by_signature: dict[Signature, Resolution] = {}
        self._keys: dict[str, str] = {}
        self.fuzzy_min_score = conf.fuzzy_min_score()
        for element in self.elements.values():
            self._add_element(element)
        # Stored mappings that now contradict their element (the dictionary changed) are set aside, not applied:
        # the Django layer shows them to an officer again.
        self.rejected_mappings: list[tuple[str, str, str]] = []
        pairs = learnt_mappings.items() if isinstance(learnt_mappings, Mapping) else learnt_mappings
        for name, code in pairs:
            try:
                self.learn(name, code)
            except ValueError as refused:
                self.rejected_mappings.append((name, code, str(refused)))

    def _add_element(self, element: Element) -> None:
        canonical = self.lexicon.parse(element.name)
        self._canonical_signature[element.code] = canonical
        stated = dict(canonical.qualifiers)
        for name in (element.name, *element.synonyms):
            signature = self.lexicon.parse(name)
            if not signature.core and not signature.qualifiers and not signature.measure:
                raise ValueError(f"element {element.code}: name {name!r} is empty after normalisation")
            # A wording may leave out a qualifier, never contradict the name or another wording: otherwise
            # 城镇X and 农村X could both reach one element.
            clashes = signature.conflicts_with(canonical) + [
                dim for dim, value in signature.qualifiers if stated.get(dim, value) != value
            ]
            if clashes:
                raise ValueError(
                    f"element {element.code}: synonym {name!r} differs from {element.name!r} "
                    f"in {', '.join(sorted(set(clashes)))}"
                )
            stated.update(signature.qualifiers)
            owner = self._index.get(signature)
            if owner and owner != element.code:
                raise ValueError(f"{name!r} would mean both {owner} and {element.code}")
            self._index[signature] = element.code
            self._cores.setdefault((signature.measure, signature.qualifiers), {})[signature.core] = element.code
            if len(signature.core) >= 4:
                key = (signature.measure, signature.qualifiers, _sorted_chars(signature.core))
                self._reordered.setdefault(key, set()).add(element.code)
        self._stated[element.code] = Signature(canonical.core, canonical.measure, tuple(sorted(stated.items())))

    # -- public API ------------------------------------------------------------------------------------------------

    def element(self, code: str) -> Element:
        return self.elements[code]

    def canonical_signature(self, code: str) -> Signature:
        return self._canonical_signature[code]

    def learn(self, name: str, element_code: str, *, force: bool = False) -> None:
        """Record that ``name`` means ``element_code`` (confirmed by a civil-affairs officer).

        Refuses (ValueError) a mapping whose qualifiers or counted unit contradict the element's — e.g. mapping
        "常住人口" to 户籍人口 — unless ``force`` is given, since that would merge two different data.
        """
        if element_code not in self.elements:
            raise ValueError(f"unknown element {element_code!r}")
        signature = self.lexicon.parse(name)
        if not signature.core and not signature.qualifiers and not signature.measure:
            raise ValueError("blank field name")
        if not signature.core and signature.qualifier("residence") is None and signature not in self._index:
            raise ValueError(f"{name!r} depends on the form around it and cannot be mapped once for all")
        if not force:
            clashes = signature.conflicts_with(self._stated[element_code])
            if clashes:
                raise ValueError(f"{name!r} differs from {self.elements[element_code].name!r} in {', '.join(clashes)}")
        self._learnt[signature] = element_code
        self._cache.clear()
        self._by_signature.clear()
        self._keys.clear()

    def resolve(self, name: str) -> Resolution:
        if not isinstance(name, str):
            name = "" if name is None else str(name)
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        resolution = self._resolve(name)
        if len(self._cache) < 200_000:
            self._cache[name] = resolution
        return resolution

    def _found(self, code: str, confidence: float, reason: str, normalised: str) -> Resolution:
        return Resolution(code, self.elements[code].name, confidence, reason, normalised)

    def _resolve(self, name: str) -> Resolution:
        signature = self.lexicon.parse(name)
        found = self._by_signature.get(signature)
        if found is None:
            found = self._resolve_signature(signature)
            if len(self._by_signature) < 200_000:
                self._by_signature[signature] = found
        return found

    def _resolve_signature(self, signature: Signature) -> Resolution:
        normalised = self.lexicon.render(signature)
        if not normalised:
            return Resolution(None, "", 0.0, "blank", "")
        code = self._learnt.get(signature)
        if code:
            return self._found(code, 1.0, "learnt", normalised)
        code = self._index.get(signature)
        if code:
            return self._found(code, 1.0, "dictionary", normalised)
        cores = self._cores.get((signature.measure, signature.qualifiers))
        core = signature.core
        if len(core) >= 4 and cores:
            reordered = self._reordered.get((signature.measure, signature.qualifiers, _sorted_chars(core)), set())
            if len(reordered) == 1:
                return self._found(next(iter(reordered)), 0.9, "reordered", normalised)
            candidates = process.extract(
                core, list(cores), scorer=fuzz.ratio, score_cutoff=self.fuzzy_min_score, limit=None
            )
            scored = [(score, cores[other]) for other, score, _ in candidates if self.lexicon.may_fuzz(core, other)]
            if scored:
                best_score, best_code = max(scored)
                rivals = [c for score, c in scored if c != best_code and best_score - score < 5]
                if not rivals:
                    return self._found(best_code, round(best_score / 100 * 0.9, 3), "fuzzy", normalised)
                return Resolution(None, normalised, 0.0, "ambiguous", normalised)
        if not core and signature.qualifier("residence") is None:
            # Only qualifiers and a unit ("其中：女", "合计", "户数"): what it counts depends on the form around it.
            # With 户籍/常住/流动... it is a population figure in its own right ("常住男性人口").
            return Resolution(None, normalised, 0.0, "contextual", normalised)
        return Resolution(None, normalised, 0.0, "unresolved", normalised)

    def datum_key(self, name: str) -> str:
        """Equal keys ⇔ the same datum: "e:" + element code, else "n:" + normalised name; "" for a blank name and
        "c:" + the name itself for a contextual one, which is the same datum as nothing (not even its own words in
        another form)."""
        key = self._keys.get(name)
        if key is None:
            resolution = self.resolve(name)
            if resolution.element_code:
                key = "e:" + resolution.element_code
            elif resolution.reason == "contextual":
                key = "c:" + (name.strip() if isinstance(name, str) else str(name))
            else:
                key = "n:" + resolution.normalised if resolution.normalised else ""
            if isinstance(name, str) and len(self._keys) < 200_000:
                self._keys[name] = key
        return key

    def same_datum(self, a: str, b: str) -> bool:
        key = self.datum_key(a)
        return bool(key) and not key.startswith("c:") and key == self.datum_key(b)


@lru_cache(maxsize=1)
def default_resolver() -> Resolver:
    """The resolver over the shipped dictionary, without learnt mappings (the Django layer adds its own)."""
    return Resolver()


def same_datum(a: str, b: str, resolver: Resolver | None = None) -> bool:
    return (resolver or default_resolver()).same_datum(a, b)


def describe(element: Element) -> dict[str, Any]:
    """An element as plain data (for the API and exports)."""
    return {
        "code": element.code,
        "name": element.name,
        "definition": element.definition,
        "unit": element.unit,
        "type": element.type,
        "synonyms": list(element.synonyms),
        "category": element.category,
    }
