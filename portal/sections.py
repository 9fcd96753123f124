"""Sections of the public committee page, contributed by each app (work list, certificates, ...)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass
class Section:
    template: str
    context: dict[str, Any]
    order: int = 100


SectionFactory = Callable[[HttpRequest, Any], Section | None]
_SECTIONS: list[SectionFactory] = []


def register(factory: SectionFactory) -> SectionFactory:
    _SECTIONS.append(factory)
    return factory


def sections_for(request: HttpRequest, region: Any) -> list[Section]:
    found = [s for s in (factory(request, region) for factory in _SECTIONS) if s is not None]
    return sorted(found, key=lambda s: s.order)
