"""Writing audit events. Callers never build AuditEvent rows themselves."""

from typing import Any

from django.db.models import Model

from .models import AuditAction, AuditEvent


def client_ip(request: Any) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def region_code_of(obj: Any) -> str:
    """Best-effort region code of an object, following its scope path."""
    path = getattr(type(obj), "scope_code_field", "")
    if not path or getattr(type(obj), "scope_through_many", False):
        return ""
    value: Any = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def event(
    action: str,
    *,
    user: Any = None,
    obj: Model | None = None,
    ip: str | None = None,
    region_code: str = "",
    **detail: Any,
) -> AuditEvent:
    """An audit event not yet written: for ``record_many``, which chains and writes several in one statement."""
    actor = user if getattr(user, "is_authenticated", False) else None
    name = getattr(user, "username", "") or detail.pop("username", "") or ""
    return AuditEvent(
        actor=actor,
        actor_name=name[:150],
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        region_code=region_code or (region_code_of(obj) if obj is not None else ""),
        ip_address=ip,
        detail=detail,
    )


def record(
    action: str,
    *,
    user: Any = None,
    obj: Model | None = None,
    request: Any = None,
    region_code: str = "",
    **detail: Any,
) -> AuditEvent:
    built = event(action, user=user, obj=obj, ip=client_ip(request), region_code=region_code, **detail)
    built.save()
    return built


def record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write several events at once, chained in their order (a batch of submissions: one lock, one INSERT)."""
    return AuditEvent.append_many(events)


def record_denial(user: Any, obj: Model | None, action: str, request: Any = None, **detail: Any) -> AuditEvent:
    return record(AuditAction.PERMISSION_DENIED, user=user, obj=obj, request=request, attempted=action, **detail)
