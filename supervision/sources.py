"""Registries through which other apps feed supervision without supervision importing them.

- ``register_violation_source(name, lister)``: ``lister(region) -> Iterable[Violation]`` yields violations the system
  itself found inside ``region``'s subtree (a rejected admission, a flagged reporting channel, a non-compliant
  assessment plan, a refused certificate demand). Each names the agency that caused it and can open a case.
- ``register_scorecard_metric(name, func, label=..., order=...)``: ``func(agency, period) -> int`` counts one burden
  figure of an agency in a period (requests sent, rejected requests, channels, filings per year, fields, hours,
  inspections).
- ``register_dashboard_figure(name, func)``: ``func(region, user, period) -> Iterable[Figure]`` adds figures to the
  regional dashboard (catalogs and lists published, filed, overdue adjustments; admissions; reporting burden), each
  with the URL of the records behind it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Violation:
    source: str  # registry name, e.g. "admission"
    ref: str  # stable identifier of the record inside its module
    agency_id: int | None  # Organisation that caused it
    region_code: str  # 12-digit code where it happened
    article: int
    clause: int
    summary: str
    occurred_at: datetime | None = None
    url: str = ""


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime  # exclusive


@dataclass
class Figure:
    group: str
    label: str
    value: int
    url: str = ""
    note: str = ""


@dataclass
class Metric:
    name: str
    label: str | Promise
    func: Callable[[Any, Period], int | None] | None
    order: int = 100
    unit: str = ""
    higher_is_burden: bool = True


ViolationLister = Callable[[Any], Iterable[Violation]]
FigureFunc = Callable[[Any, Any, Period], Iterable[Figure]]

_VIOLATION_SOURCES: dict[str, ViolationLister] = {}
_METRICS: dict[str, Metric] = {}
_FIGURES: dict[str, FigureFunc] = {}


def register_violation_source(name: str, lister: ViolationLister) -> ViolationLister:
    _VIOLATION_SOURCES[name] = lister
    return lister


def violation_sources() -> dict[str, ViolationLister]:
    return dict(_VIOLATION_SOURCES)


def register_scorecard_metric(
    name: str, func: Callable[[Any, Period], int | None], *, label: str | Promise | None = None, order: int | None = None,
    unit: str = "",
) -> Callable[[Any, Period], int | None]:
    """Add or replace a metric; a module that lands replaces the placeholder of the same name."""
    existing = _METRICS.get(name)
    _METRICS[name] = Metric(
        name=name, label=label or (existing.label if existing else name), func=func,
        order=order if order is not None else (existing.order if existing else 100), unit=unit or (existing.unit if existing else ""),
    )
    return func


def declare_metric(name: str, label: str | Promise, order: int, unit: str = "") -> None:
    """A column the scorecard shows even before the module that computes it registers (shown as “—”)."""
    _METRICS.setdefault(name, Metric(name=name, label=label, func=None, order=order, unit=unit))


def scorecard_metrics() -> list[Metric]:
    return sorted(_METRICS.values(), key=lambda m: (m.order, m.name))


def register_dashboard_figure(name: str, func: FigureFunc) -> FigureFunc:
    _FIGURES[name] = func
    return func


def dashboard_figures() -> dict[str, FigureFunc]:
    return dict(_FIGURES)
