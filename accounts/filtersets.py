import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.models import AuditAction, AuditEvent
from regions.codes import InvalidCode, level_of, normalise, subtree_bounds


class AuditEventFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(field_name="actor_name", lookup_expr="icontains", label=_("User"))
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    region = django_filters.CharFilter(method="filter_region", label=_("Region code"))
    object = django_filters.CharFilter(method="filter_object", label=_("Object"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields = ["user", "action", "region", "object", "since", "until"]

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            code = normalise(value)
        except InvalidCode:
            return queryset.none()
        low, high = subtree_bounds(code, level_of(code))
        return queryset.filter(region_code__gte=low, region_code__lte=high)

    def filter_object(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from django.db.models import Q

        return queryset.filter(Q(object_repr__icontains=value) | Q(object_type__icontains=value) | Q(object_id=value))
