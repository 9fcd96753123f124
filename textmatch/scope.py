"""Sentences, clauses and negation scope over normalised text.

A prohibition pattern found in a request only counts when it is asserted. These helpers answer "is this position negated?":
a negation cue (data/negation.txt: 不得, 无需, 不作为, 严禁…) earlier in the same clause negates it, and so does a parenthetical
that opens with a cue — "协助开展安全生产宣传（不作为责任主体）" — both for its own content and for the clause it annotates.
"""

import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SENTENCE_END = "。！？；\n"
CLAUSE_END = SENTENCE_END + "，：（）"
_SENTENCE = re.compile(rf"[^{SENTENCE_END}]+[{SENTENCE_END}]?")


@lru_cache(maxsize=1)
def negation_cue() -> re.Pattern[str]:
    """The compiled alternation of data/negation.txt (one regex per line, '#' comments)."""
    lines = (DATA / "negation.txt").read_text(encoding="utf-8").splitlines()
    cues = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return re.compile("|".join(f"(?:{cue})" for cue in cues))


def sentences(text: str) -> list[str]:
    """Split normalised text into sentences (ending in 。！？；or a line break), ends kept, blanks dropped."""
    return [s for s in (m.group(0).strip() for m in _SENTENCE.finditer(text)) if s.strip(SENTENCE_END + " ")]


def clause_bounds(sentence: str, pos: int) -> tuple[int, int]:
    """[start, end) of the clause holding ``pos``: delimited by ，：；。！？, line breaks and parentheses."""
    start = pos
    while start > 0 and sentence[start - 1] not in CLAUSE_END:
        start -= 1
    end = pos
    while end < len(sentence) and sentence[end] not in CLAUSE_END:
        end += 1
    return start, end


def _cue_starts_in(sentence: str, start: int, end: int) -> bool:
    """A cue starting in [start, end) and within one clause; it may run past ``end`` ("不承担" before a match on "承担")."""
    limit = clause_bounds(sentence, end)[1] if end < len(sentence) else len(sentence)
    return any(m.start() < end for m in negation_cue().finditer(sentence, start, limit))


def negated_span(sentence: str, start: int, end: int) -> bool:
    """True when the match ``sentence[start:end]`` is negated: at its start (see ``negated``) or by a cue inside it
    ("村委会不作为责任主体" matched as 村委会…责任主体)."""
    return negated(sentence, start) or _cue_starts_in(sentence, start, end)


def negated(sentence: str, pos: int) -> bool:
    """True when the words at ``pos`` of a normalised sentence are negated.

    Negated means: a cue occurs in the same clause before ``pos``; or ``pos`` lies inside a parenthetical that opens with
    a cue; or the clause of ``pos`` is immediately followed by such a parenthetical ("X（不作为责任主体）").
    """
    if not sentence or pos < 0 or pos > len(sentence):
        return False
    start, end = clause_bounds(sentence, pos)
    if _cue_starts_in(sentence, start, pos):
        return True
    if end < len(sentence) and sentence[end] == "（":
        close = sentence.find("）", end)
        inner_end = close if close != -1 else len(sentence)
        cue = negation_cue().match(sentence, end + 1, inner_end)
        if cue is not None:
            return True
    # Inside "（不…，…）": the opening cue governs the whole parenthetical, across its commas.
    open_at = sentence.rfind("（", 0, pos)
    if open_at != -1 and sentence.find("）", open_at, pos) == -1:
        return negation_cue().match(sentence, open_at + 1) is not None
    return False
