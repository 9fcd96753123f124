import csv
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.audit import record
from core.exports import safe_cell
from core.models import AuditAction, AuditEvent

from .choices import Action
from .filtersets import AuditEventFilterSet
from .forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.session.pop("qd_expired", False)
        return context


def locked_out(request: HttpRequest, original_response: Any = None, credentials: dict | None = None, *args: Any, **kwargs: Any) -> HttpResponse:
    # django-axes 8 calls (request, original_response, credentials); older versions (request, credentials).
    if isinstance(original_response, dict) and credentials is None:
        credentials = original_response
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    record(AuditAction.LOCKED_OUT, request=request, username=str(username)[:150])
    if request.path.startswith("/api/"):
        from core.api import json_error

        return json_error(request, "locked_out", _("Too many failed sign-ins. Try again later."), 429)
    return render(request, "accounts/locked_out.html", status=429)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"memberships": request.user.cached_memberships()})


def _audit_queryset(request: HttpRequest) -> Any:
    """Audit administrators read events of their region subtree (and events with no region, such as logins)."""
    if Action.AUDIT not in request.user.actions():
        raise PermissionDenied
    from django.db.models import Q

    from core.scoping import scope_q

    q = scope_q(request.user, Action.AUDIT, "region_code")
    return AuditEvent.objects.filter(q | Q(region_code="")).select_related("actor")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilterSet(request.GET, queryset=_audit_queryset(request))
    if request.GET.get("format") == "csv":
        record(AuditAction.EXPORT, user=request.user, request=request, what="audit_log")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["id", "at", "user", "action", "object_type", "object_id", "object", "region", "ip", "detail", "hash"])
        for e in filterset.qs.iterator(chunk_size=2000):
            writer.writerow([safe_cell(v) for v in (e.pk, e.at.isoformat(), e.actor_name, e.action, e.object_type, e.object_id,
                                                    e.object_repr, e.region_code, e.ip_address or "", e.detail, e.hash)])
        return response
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"filterset": filterset, "page": page})
