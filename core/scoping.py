"""The one place that decides what a user may see or change (DESIGN.md §7 rule 1).

Every scoped model names the lookup path to a 12-digit region code in ``scope_code_field`` and may define
``public_q()`` (what anyone, signed in or not, may read, such as published lists). A user's scope for an action is
the union of the region subtrees of the organisations in which one of their roles grants that action. Outside it an
object does not exist: views answer 404.
"""

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accounts.choices import ROLE_ACTIONS, Action
from regions.codes import subtree_bounds


def scope_q(user: Any, action: str, code_field: str) -> Q | None:
    """Q matching objects inside the user's subtrees for ``action``; None when the user has no such scope."""
    if not getattr(user, "is_authenticated", False):
        return None
    q: Q | None = None
    for membership in user.cached_memberships():
        if action not in ROLE_ACTIONS[membership.role]:
            continue
        region = membership.organisation.region
        low, high = subtree_bounds(region.code, region.level)
        part = Q(**{f"{code_field}__gte": low, f"{code_field}__lte": high})
        q = part if q is None else q | part
    return q


def restrict(queryset: QuerySet, user: Any, action: str = Action.VIEW) -> QuerySet:
    """The subset of ``queryset`` that ``user`` may perform ``action`` on."""
    model = queryset.model
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return queryset
    q = scope_q(user, action, model.scope_code_field)
    if action == Action.VIEW and hasattr(model, "public_q"):
        public = model.public_q()
        q = public if q is None else q | public
    if q is None:
        return queryset.none()
    if getattr(model, "scope_through_many", False):
        # The path crosses a to-many relation: filter by key so rows are not repeated.
        return queryset.filter(pk__in=model._default_manager.filter(q).values("pk"))
    return queryset.filter(q)


def can(user: Any, action: str, obj: Model) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj`` (same rule as ``restrict``)."""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def get_scoped_object_or_404(queryset: QuerySet, user: Any, action: str = Action.VIEW, request: Any = None, **lookup: Any) -> Model:
    """Fetch one object through the scope; an object outside it is a 404, and the denial is audited."""
    try:
        return restrict(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        if getattr(user, "is_authenticated", False):
            existing = queryset.filter(**lookup).first()
            if existing is not None:
                from core.audit import record_denial

                record_denial(user, existing, action, request=request)
        raise Http404 from None
