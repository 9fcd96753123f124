"""BM25 over short documents (list items), with scores normalised to 0..1 so that one threshold means the same everywhere."""

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence

from .segment import tokens as default_tokens


class BM25Index:
    """Build once per document set; ``score(query)`` ranks documents by how much of each one the query covers.

    The normalised score of a document is its BM25 score for the query divided by its BM25 score for itself, i.e. the
    IDF-weighted share of the document's terms that the query contains (each query term counted once). 1.0 means the query
    mentions every term of the document; rare terms weigh more than common ones. ``prior(term)`` optionally multiplies
    each term's IDF (``textmatch.specificity`` down-weights words common in general Chinese).
    """

    def __init__(
        self,
        docs: Iterable[tuple[Hashable, str]],
        *,
        k1: float = 1.2,
        b: float = 0.75,
        tokenize: Callable[[str], list[str]] = default_tokens,
        prior: Callable[[str], float] | None = None,
    ) -> None:
        self.tokenize = tokenize
        self.keys: list[Hashable] = []
        counts: list[Counter[str]] = []
        for key, text in docs:
            self.keys.append(key)
            counts.append(Counter(tokenize(text)))
        n = len(counts)
        lengths = [sum(c.values()) for c in counts]
        avg = (sum(lengths) / n) if n else 0.0
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        # prior (e.g. textmatch.specificity) scales a term's IDF by outside knowledge of how telling the word is.
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) * (prior(t) if prior else 1.0) for t, f in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.self_scores: list[float] = []
        for i, c in enumerate(counts):
            norm = k1 * (1 - b + b * (lengths[i] / avg)) if avg else k1
            total = 0.0
            for term, tf in c.items():
                weight = self.idf[term] * tf * (k1 + 1) / (tf + norm)
                self.postings.setdefault(term, []).append((i, weight))
                total += weight
            self.self_scores.append(total)

    def __len__(self) -> int:
        return len(self.keys)

    def score_map(self, query: str | Sequence[str]) -> dict[Hashable, float]:
        """{key: score in 0..1} for documents sharing at least one term with ``query``, unordered (cheaper than score)."""
        terms = set(self.tokenize(query) if isinstance(query, str) else query)
        acc: dict[int, float] = {}
        for term in terms:
            for i, weight in self.postings.get(term, ()):
                acc[i] = acc.get(i, 0.0) + weight
        keys, selfs = self.keys, self.self_scores
        return {keys[i]: min(1.0, s / selfs[i]) for i, s in acc.items() if selfs[i] > 0}

    def score(self, query: str | Sequence[str], limit: int | None = None) -> list[tuple[Hashable, float]]:
        """[(key, score in 0..1)] for documents sharing at least one term with ``query``, best first.

        ``query`` is text, or tokens already produced by the index's tokenizer (to tokenise once for several indexes).
        """
        ranked = sorted(self.score_map(query).items(), key=lambda pair: -pair[1])
        return ranked[:limit] if limit is not None else ranked
