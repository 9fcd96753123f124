"""Helpers for the access matrix (tests/security/test_access_matrix.py): every route, sample arguments from the demo."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

WENGUAN = "210105023201"  # 文官村委会, 皇姑区 (every business object of the demo lives in 皇姑区)
HUANGGU = "210105000000"
# A converter (<int:pk>) or a named regex group ((?P<app_label>a|b)) of a URL pattern.
PARAM = r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)"
ZHONGSHAN = "210202000000"


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full pattern text, its reversible name (namespace:name) and its view."""

    pattern: str
    name: str
    callback: Any

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/v1/")

    @property
    def params(self) -> list[str]:
        import re

        return [a or b for a, b in re.findall(PARAM, self.pattern)]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else prefix + str(entry.pattern), entry.callback)


def all_routes() -> list[Route]:
    """Every route of config/urls.py and its includes (the Django admin under sysadmin/ included)."""
    return list(_walk(get_resolver().url_patterns))


def fill(pattern: str, values: dict[str, Any]) -> str:
    """The concrete path for ``pattern`` with ``values`` put in place of its converters."""
    import re

    def put(match: "re.Match[str]") -> str:
        return str(values[match.group(1) or match.group(2)])

    path = re.sub(PARAM, put, pattern)
    return "/" + path.replace("^", "").replace("$", "")
