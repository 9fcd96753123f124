"""Demo data registry: each app contributes a loader, run in order by `manage.py load_demo`."""

from collections.abc import Callable
from typing import Any

Loader = Callable[[Any], None]
_LOADERS: list[tuple[int, str, Loader]] = []


def register(order: int, name: str) -> Callable[[Loader], Loader]:
    def wrap(func: Loader) -> Loader:
        _LOADERS.append((order, name, func))
        return func

    return wrap


def loaders() -> list[tuple[int, str, Loader]]:
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as missing:
            if missing.name != f"{config.name}.demo":
                raise
    return sorted(set(_LOADERS), key=lambda entry: entry[0])
