import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .choices import Level, OrganisationKind
from .codes import InvalidCode, normalise, subtree_bounds
from .models import Organisation, Region


def _within(queryset: QuerySet, field: str, value: str, code_field: str) -> QuerySet:
    try:
        code = normalise(value)
    except InvalidCode:
        return queryset.none()
    from .codes import level_of

    low, high = subtree_bounds(code, level_of(code))
    return queryset.filter(**{f"{code_field}__gte": low, f"{code_field}__lte": high})


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    within = django_filters.CharFilter(method="filter_within", label=_("Within region"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"))

    class Meta:
        model = Region
        fields = ["q", "within", "level", "committee_kind"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value)) if value else queryset

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _within(queryset, name, value, "code")


class OrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="contains", label=_("Name contains"))
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices, label=_("Kind"))
    within = django_filters.CharFilter(method="filter_within", label=_("Within region"))

    class Meta:
        model = Organisation
        fields = ["q", "kind", "sector", "within"]

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _within(queryset, name, value, "region__code")
