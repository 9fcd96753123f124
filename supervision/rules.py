"""The law-derived data of supervision: complaint categories and time limits, read from rules/*.toml.

Pure Python (no database): the engine tests load these files directly.
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "rules"


class RulesError(ValueError):
    """A rules file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    description: str
    article: int
    clause: int
    in_scope: bool = True
    guidance: str = ""

    @property
    def citation(self) -> str:
        """'第八条第（四）项' style citation; empty for out-of-scope matters."""
        if not self.article:
            return ""
        text = f"第{_chinese_number(self.article)}条"
        if self.clause:
            text += f"第（{_chinese_number(self.clause)}）项" if self.article in (7, 8) else f"第{_chinese_number(self.clause)}款"
        return text


@dataclass(frozen=True)
class Deadlines:
    default_days: int
    min_days: int
    max_days: int
    remind_days_before: int
    escalate_late_response: bool
    assign_within_days: int


_DIGITS = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")


def parse_categories(text: str, source: str = "categories.toml") -> list[Category]:
    data = tomllib.loads(text)
    out: list[Category] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("category", []), start=1):
        where = f"{source} [[category]] #{i}"
        code = str(entry.get("code", ""))
        if not code or not code.replace("_", "").isalnum() or not code.isascii():
            raise RulesError(f"{where}: code must be ASCII letters, digits or underscores")
        if code in seen:
            raise RulesError(f"{where}: duplicate code {code}")
        seen.add(code)
        in_scope = bool(entry.get("in_scope", True))
        if in_scope and not entry.get("article"):
            raise RulesError(f"{where}: an in-scope category must name its article")
        if not in_scope and not entry.get("guidance"):
            raise RulesError(f"{where}: an out-of-scope category must give guidance")
        out.append(Category(
            code=code, name=str(entry["name"]), description=str(entry.get("description", "")),
            article=int(entry.get("article", 0)), clause=int(entry.get("clause", 0)),
            in_scope=in_scope, guidance=str(entry.get("guidance", "")),
        ))
    if not out:
        raise RulesError(f"{source}: no categories")
    return out


@cache
def categories() -> dict[str, Category]:
    path = RULES_DIR / "categories.toml"
    return {c.code: c for c in parse_categories(path.read_text(encoding="utf-8"), path.name)}


def category(code: str) -> Category | None:
    return categories().get(code)


@cache
def deadlines() -> Deadlines:
    data = tomllib.loads((RULES_DIR / "deadlines.toml").read_text(encoding="utf-8"))
    c, v = data["correction"], data["verification"]
    return Deadlines(
        default_days=int(c["default_days"]), min_days=int(c["min_days"]), max_days=int(c["max_days"]),
        remind_days_before=int(c["remind_days_before"]),
        escalate_late_response=bool(c.get("escalate_late_response", True)),
        assign_within_days=int(v["assign_within_days"]),
    )
