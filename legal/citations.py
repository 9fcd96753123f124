"""Chinese legal citations: "中华人民共和国村民委员会组织法 第二十五条第二款第（三）项". Pure functions, no database.

A citation names a law and optionally an article (条), a paragraph (款) and an item (项). Numbers are written in
Chinese numerals; this module reads and writes them (1-9999) so that what is stored is numbers and what is shown is
the wording of Chinese legal texts.
"""

import re
from dataclasses import dataclass

DIGITS = "零一二三四五六七八九"
UNITS = [(1000, "千"), (100, "百"), (10, "十")]
_VALUE = {ch: i for i, ch in enumerate(DIGITS)} | {"〇": 0, "两": 2}
_UNIT = {"十": 10, "百": 100, "千": 1000}


class CitationError(ValueError):
    pass


def to_chinese(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五, 1145 → 一千一百四十五 (the style of Chinese statutes)."""
    if not 1 <= n <= 9999:
        raise ValueError(n)
    out = []
    zero = False
    for value, unit in UNITS:
        digit = n // value % 10
        if digit:
            if zero:
                out.append("零")
                zero = False
            # 十 alone at the head: 十二, not 一十二; inside a larger number: 一百一十二.
            if not (value == 10 and digit == 1 and n < 20):
                out.append(DIGITS[digit])
            out.append(unit)
        elif out:
            zero = True
    last = n % 10
    if last:
        if zero:
            out.append("零")
        out.append(DIGITS[last])
    return "".join(out)


def from_chinese(text: str) -> int:
    """Inverse of to_chinese; also accepts Arabic digits."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(ch not in _VALUE and ch not in _UNIT for ch in text):
        raise CitationError(text)
    total, digit = 0, None
    for ch in text:
        if ch in _VALUE:
            if digit is not None and digit != 0 and _VALUE[ch] != 0:
                raise CitationError(text)  # two digits in a row (二三) is not a numeral
            digit = _VALUE[ch]
        else:
            unit = _UNIT[ch]
            total += (digit if digit is not None else 1) * unit
            digit = None
    total += digit or 0
    if total == 0:
        raise CitationError(text)
    return total


@dataclass(frozen=True)
class Citation:
    law: str
    article: int | None = None
    paragraph: int | None = None
    item: int | None = None

    @property
    def label(self) -> str:
        return format_article(self.article, self.paragraph, self.item)

    def __str__(self) -> str:
        return f"{self.law} {self.label}".strip()


def format_article(article: int | None, paragraph: int | None = None, item: int | None = None) -> str:
    if article is None:
        return ""
    text = f"第{to_chinese(article)}条"
    if paragraph:
        text += f"第{to_chinese(paragraph)}款"
    if item:
        text += f"第（{to_chinese(item)}）项"
    return text


_NUM = r"[零〇一二两三四五六七八九十百千0-9]+"
_PART = re.compile(
    rf"^第(?P<article>{_NUM})条(?:第(?P<paragraph>{_NUM})款)?(?:第[（(](?P<item>{_NUM})[）)]项|第(?P<item2>{_NUM})项)?$"
)
SEPARATORS = re.compile(r"[；;]")


def parse_article(text: str) -> tuple[int, int | None, int | None]:
    match = _PART.match(text.strip())
    if not match:
        raise CitationError(text)
    item = match["item"] or match["item2"]
    return (
        from_chinese(match["article"]),
        from_chinese(match["paragraph"]) if match["paragraph"] else None,
        from_chinese(item) if item else None,
    )


def parse_citation(text: str) -> Citation:
    """"法律名称 第X条[第Y款][第（Z）项]" or a law name alone (cited as a whole: article not confirmed)."""
    text = " ".join(text.replace("\u3000", " ").split())
    if not text:
        raise CitationError(text)
    position = text.find("第")
    # A law name never starts with 第; the article part starts at the last "第…条" run.
    match = re.search(rf"\s*(第{_NUM}条.*)$", text)
    if match is None:
        # "第十二" without 条, or a name starting with 第: a broken article reference, not a law name.
        if position == 0 or re.search(rf"第{_NUM}", text):
            raise CitationError(text)
        return Citation(law=text.strip("《》 "))
    law = text[: match.start()].strip().strip("《》 ")
    if not law:
        raise CitationError(text)
    article, paragraph, item = parse_article(match.group(1).replace(" ", ""))
    return Citation(law=law, article=article, paragraph=paragraph, item=item)


def parse_basis(text: str) -> list[Citation]:
    """The `basis` column: citations separated by ；."""
    return [parse_citation(part) for part in SEPARATORS.split(text or "") if part.strip()]
