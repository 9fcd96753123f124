"""One FilterSet per model for the pages, the API and the exports. No ordering by outcome: committees are listed by code
(Art. 7(2): no ranking)."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regions.codes import InvalidCode, level_of, normalise, subtree_bounds

from .choices import Decision, RequestKind, RequestStatus, TargetStatus
from .models import RequestTarget, WorkRequest


def _within(queryset: QuerySet, value: str, field: str) -> QuerySet:
    try:
        code = normalise(value)
    except InvalidCode:
        return queryset.none()
    low, high = subtree_bounds(code, level_of(code))
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})


class RequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Title or content contains"))
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices, label=_("Type"))
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices, label=_("Status"))
    decision = django_filters.ChoiceFilter(choices=Decision.choices, label=pgettext_lazy("admission decision", "Decision"))
    short_notice = django_filters.BooleanFilter(label=_("Short notice"))
    sender = django_filters.NumberFilter(field_name="sender_id", label=_("Sender"))
    within = django_filters.CharFilter(method="filter_within", label=_("Sender within region"))

    class Meta:
        model = WorkRequest
        fields = ["q", "kind", "status", "decision", "short_notice", "sender", "within"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(title__contains=value) | Q(content__contains=value))

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _within(queryset, value, "sender__region__code")


class TargetFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TargetStatus.choices, label=_("Status"))
    decision = django_filters.ChoiceFilter(choices=Decision.choices, label=pgettext_lazy("admission decision", "Decision"))
    request = django_filters.NumberFilter(field_name="request_id", label=_("Request"))
    committee = django_filters.CharFilter(field_name="committee__code", label=_("Committee code"))
    within = django_filters.CharFilter(method="filter_within", label=_("Within region"))

    class Meta:
        model = RequestTarget
        fields = ["status", "decision", "request", "committee", "within"]

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _within(queryset, value, "committee__code")
