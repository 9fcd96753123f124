"""Segmentation: jieba with the domain dictionary, stop words and synonym groups (all in data/), loaded once per process."""

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

import jieba

from .normalise import normalise

DATA = Path(__file__).resolve().parent / "data"
_WORD = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]")
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(normalise(word) for word in _lines("stopwords.txt"))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """term → canonical term of its group (data/synonyms.tsv; first column is canonical)."""
    table: dict[str, str] = {}
    for line in _lines("synonyms.tsv"):
        group = [normalise(term) for term in line.split("\t") if term.strip()]
        for term in group:
            table.setdefault(term, group[0])
    return table


def tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, built quietly on first use (jieba's own prefix-dict cache file is reused)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict…" at DEBUG to stderr otherwise
                tk = jieba.Tokenizer()
                tk.initialize()
                with open(DATA / "userdict.txt", "rb") as userdict:  # given a path, jieba never closes the file
                    tk.load_userdict(userdict)
                for term in synonyms():
                    if len(term) > 1:
                        tk.add_word(term, freq=20000)
                _tokenizer = tk
    return _tokenizer


def tokens(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Content words of ``text``: normalised, segmented, stop words dropped, each mapped to its synonym group's canonical term.

    Applying the same mapping to lists and requests is equivalent to expanding a query with all synonyms.
    """
    text = normalise(text)
    if not text:
        return []
    stop = stopwords()
    table = synonyms()
    out: list[str] = []
    for word in tokenizer().cut(text):
        word = word.strip()
        if not word or not _WORD.search(word):
            continue
        canonical = table.get(word, word)
        if not keep_stopwords and (word in stop or canonical in stop):
            continue
        out.append(canonical)
    return out


@lru_cache(maxsize=1)
def _general_idf() -> tuple[dict[str, float], float]:
    """jieba's general-language IDF table (jieba/analyse/idf.txt) and its median."""
    path = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, _, value = line.rstrip("\n").partition(" ")
            if value:
                table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2] if values else 1.0


def specificity(term: str) -> float:
    """How specific a term is in general Chinese, relative to a median word (0.3..1.5).

    政策, 服务, 防范 score low; 禁毒, 居住证 high; domain words missing from the table count as median. Used as a prior on
    BM25 term weights so that a request sharing only a common word with an item does not look like a match.
    """
    table, median = _general_idf()
    return min(1.5, max(0.3, table.get(term, median) / median))


def warm_up() -> None:
    """Load jieba, the dictionaries and the IDF table now (a few seconds), e.g. when a server worker starts."""
    tokenizer()
    _general_idf()
    stopwords()
