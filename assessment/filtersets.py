"""One FilterSet per model for the pages, the API and the exports. None of them offers ordering: committees are always
listed by code (Art. 7(2): no ranking)."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from regions.codes import InvalidCode, level_of, normalise, subtree_bounds

from .choices import Band, PlanStatus, VisitKind
from .models import AssessmentPlan, AssessmentResult, InspectionVisit


def _within(queryset: QuerySet, value: str, field: str) -> QuerySet:
    try:
        code = normalise(value)
    except InvalidCode:
        return queryset.none()
    low, high = subtree_bounds(code, level_of(code))
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})


class PlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="contains", label=_("Title contains"))
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("Status"))
    within = django_filters.CharFilter(method="filter_within", label=_("Within region"))

    class Meta:
        model = AssessmentPlan
        fields = ["q", "year", "status", "within"]

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _within(queryset, value, "region__code")


class ResultFilterSet(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("Plan"))
    band = django_filters.ChoiceFilter(choices=Band.choices, label=_("Evaluation"))
    year = django_filters.NumberFilter(field_name="plan__year", label=_("Year"))
    within = django_filters.CharFilter(method="filter_within", label=_("Within region"))

    class Meta:
        model = AssessmentResult
        fields = ["plan", "band", "year", "within"]

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _within(queryset, value, "committee__code")


class VisitFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="visited_on__year", label=_("Year"))
    kind = django_filters.ChoiceFilter(choices=VisitKind.choices, label=_("Kind"))
    committee = django_filters.CharFilter(field_name="committee__code", label=_("Committee code"))
    agency = django_filters.NumberFilter(field_name="agency_id", label=_("Agency"))
    within = django_filters.CharFilter(method="filter_within", label=_("Within region"))
    flagged = django_filters.ChoiceFilter(
        choices=[("any", _("Any flag")), ("repeat", _("Repeat visits")), ("unplanned", _("Outside any approved plan"))],
        method="filter_flagged", label=_("Flagged"),
    )

    class Meta:
        model = InspectionVisit
        fields = ["year", "kind", "committee", "agency", "within", "flagged"]

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _within(queryset, value, "committee__code")

    def filter_flagged(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "repeat":
            return queryset.filter(is_repeat=True)
        if value == "unplanned":
            return queryset.filter(is_unplanned=True)
        return queryset.filter(Q(is_repeat=True) | Q(is_unplanned=True))
