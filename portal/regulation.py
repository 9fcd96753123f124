"""The regulation text (data/regulation/), split into articles and clauses, for display and citation."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

REGULATION_FILE = "liaoning-committee-worklist-regulation-2022.txt"
CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11}
ARTICLE_RE = re.compile(r"^第([一二三四五六七八九十]+)条\u3000(.*)$")
CLAUSE_RE = re.compile(r"^（([一二三四五六七八九十]+)）(.*)$")


@dataclass
class Article:
    number: int
    paragraphs: list[str]
    clauses: dict[int, str]

    @property
    def label(self) -> str:
        return f"第{list(CHINESE_NUMERALS)[self.number - 1]}条"


@dataclass
class Regulation:
    title: str
    adopted: str
    articles: list[Article]

    def article(self, number: int) -> Article:
        return self.articles[number - 1]


@cache
def regulation() -> Regulation:
    text = (Path(settings.BASE_DIR) / "data" / "regulation" / REGULATION_FILE).read_text(encoding="utf-8")
    lines = [re.sub(r"\[bookmark:[^\]]*\]", "", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    title = "".join(lines[:2]).replace(" ", "")
    adopted = lines[2].strip("（）")
    articles: list[Article] = []
    for line in lines[3:]:
        if match := ARTICLE_RE.match(line):
            articles.append(Article(CHINESE_NUMERALS[match.group(1)], [match.group(2)], {}))
        elif articles:
            if clause := CLAUSE_RE.match(line):
                articles[-1].clauses[CHINESE_NUMERALS[clause.group(1)]] = clause.group(2)
            articles[-1].paragraphs.append(line)
    return Regulation(title, adopted, articles)
