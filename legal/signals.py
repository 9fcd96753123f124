"""Sent when the law changes, so that the work lists citing it are flagged (worklists listens)."""

from django.dispatch import Signal

# kwargs: change (legal.models.LawChange), user
law_changed = Signal()
