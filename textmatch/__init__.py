"""Chinese text matching shared by admission, certificates and reporting. The whole public API:

- ``normalise(text) -> str``: canonical form (NFKC, half-width, Chinese punctuation, no decorative brackets; idempotent).
- ``tokens(text) -> list[str]``: jieba segmentation with the domain dictionary, stop words dropped, synonyms canonicalised.
- ``BM25Index(docs, prior=specificity)``: build once over ``[(key, text)]``; ``.score(query) -> [(key, 0..1)]`` best first
  (``.score_map(query)``: the same, unordered).
- ``specificity(term) -> float``: how telling a word is in general Chinese (jieba's IDF table), a prior for BM25.
- ``sentences(text)``, ``clause_bounds(sentence, pos)``, ``negated(sentence, pos)``,
  ``negated_span(sentence, start, end)``: scope and negation over normalised text (cues: ``negation_cue()``).

``warm_up()`` loads jieba and the tables at once (a few seconds) instead of on the first call.

Data files (domain words, stop words, synonym groups, negation cues) are in ``textmatch/data/`` and are meant to be edited.
"""

from .bm25 import BM25Index
from .normalise import normalise
from .scope import clause_bounds, negated, negated_span, negation_cue, sentences
from .segment import specificity, tokenizer, tokens, warm_up

__all__ = [
    "BM25Index",
    "clause_bounds",
    "negated",
    "negated_span",
    "negation_cue",
    "normalise",
    "sentences",
    "specificity",
    "tokenizer",
    "tokens",
    "warm_up",
]
