"""Filters shared by the pages, the API and the exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import ChannelKind, ChannelStatus, Frequency
from .models import DataElement, ReportingChannel, Submission


class ChannelFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name contains"))
    status = django_filters.ChoiceFilter(choices=ChannelStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=ChannelKind.choices, label=_("Kind"))
    frequency = django_filters.ChoiceFilter(choices=Frequency.choices, label=_("Frequency"))
    unlisted = django_filters.BooleanFilter(method="filter_unlisted", label=_("For no list item"))

    class Meta:
        model = ReportingChannel
        fields = ["q", "status", "kind", "frequency", "unlisted"]

    def filter_unlisted(self, queryset, name, value):  # noqa: ANN001, ANN201
        if value is None:
            return queryset
        return queryset.filter(list_items=[]) if value else queryset.exclude(list_items=[])


class SubmissionFilterSet(django_filters.FilterSet):
    channel = django_filters.NumberFilter(field_name="channel_id", label=_("Channel"))
    period = django_filters.CharFilter(field_name="period", label=_("Period"))
    committee = django_filters.CharFilter(field_name="committee__code", label=_("Committee code"))
    new = django_filters.BooleanFilter(field_name="pulled_at", lookup_expr="isnull", label=_("Not yet received"))

    class Meta:
        model = Submission
        fields = ["channel", "period", "committee", "new"]


class ElementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or code contains"))
    category = django_filters.CharFilter(field_name="category", label=_("Category"))

    class Meta:
        model = DataElement
        fields = ["q", "category"]

    def filter_q(self, queryset, name, value):  # noqa: ANN001, ANN201
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset
