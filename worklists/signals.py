from typing import Any

from django.dispatch import receiver

from legal.signals import law_changed


@receiver(law_changed)
def flag_items_on_law_change(sender: Any, change: Any, user: Any = None, **kwargs: Any) -> int:
    from .services import flag_dependents

    return flag_dependents(change)
