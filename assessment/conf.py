"""The registry settings as data (assessment/data/registry.toml): repeat window, flag citations, weights, bands.

Pure: reading this file needs no database, so the rules can be tested and edited on their own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REGISTRY_FILE = Path(__file__).resolve().parent / "data" / "registry.toml"
FLAG_KEYS = ("repeat_visit", "unplanned_visit", "unplanned_research")


def citation(article: int, clause: int = 0) -> str:
    """第七条 / 第七条第（四）项 — how the regulation is cited on screen (clause 0: the article as a whole)."""
    numerals = "零一二三四五六七八九十"
    text = f"第{numerals[article] if 0 < article <= 10 else article}条"
    if clause:
        text += f"第（{numerals[clause] if clause <= 10 else clause}）项"
    return text


@dataclass(frozen=True)
class FlagRule:
    key: str
    article: int
    clause: int
    title: str
    explanation: str

    @property
    def citation(self) -> str:
        return citation(self.article, self.clause)


@dataclass(frozen=True)
class BandInfo:
    code: str
    label: str
    description: str


@dataclass(frozen=True)
class Registry:
    repeat_window_days: int
    flags: dict[str, FlagRule]
    weight_total: int
    bands: tuple[BandInfo, ...]

    def band(self, code: str) -> BandInfo | None:
        return next((b for b in self.bands if b.code == code), None)


def load_registry(path: Path | str = REGISTRY_FILE) -> Registry:
    """Read and check the file; raises ValueError naming the entry at fault."""
    with open(path, "rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    flags = {}
    for key in FLAG_KEYS:
        entry = data.get(key)
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: [{key}] is missing")
        try:
            flags[key] = FlagRule(key, int(entry["article"]), int(entry["clause"]), str(entry["title"]), str(entry["explanation"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: [{key}]: {exc!r}") from exc
    window = data.get("repeat_visit", {}).get("window_days")
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"{path}: [repeat_visit] window_days must be a whole number of days, at least 1")
    total = data.get("weights", {}).get("total", 100)
    if not isinstance(total, int) or total < 1:
        raise ValueError(f"{path}: [weights] total must be a positive whole number")
    bands = []
    for entry in data.get("band", []):
        try:
            bands.append(BandInfo(str(entry["code"]), str(entry["label"]), str(entry.get("description", ""))))
        except KeyError as exc:
            raise ValueError(f"{path}: [[band]]: {exc!r}") from exc
    if not bands or len({b.code for b in bands}) != len(bands):
        raise ValueError(f"{path}: [[band]] entries must exist and have unique codes")
    return Registry(repeat_window_days=window, flags=flags, weight_total=total, bands=tuple(bands))


@cache
def registry() -> Registry:
    return load_registry()
