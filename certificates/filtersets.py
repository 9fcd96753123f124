"""Filters of the certificate register, shared by the page, the API and the exports."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Certificate, CertificateStatus


class CertificateFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CertificateStatus.choices)
    type_code = django_filters.CharFilter(label=_("Type code"), lookup_expr="iexact")
    committee = django_filters.CharFilter(label=_("Committee code"), method="filter_committee")
    issued_from = django_filters.DateFilter(label=_("Issued from"), field_name="issued_on", lookup_expr="gte")
    issued_to = django_filters.DateFilter(label=_("Issued until"), field_name="issued_on", lookup_expr="lte")
    q = django_filters.CharFilter(label=_("Serial or name"), method="filter_q")

    class Meta:
        model = Certificate
        fields = ["status", "type_code", "committee", "issued_from", "issued_to", "q"]

    def filter_committee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(committee__code__startswith=value.strip().rstrip("0") or value.strip())

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(serial__icontains=value) | Q(subject_name__icontains=value)) if value else queryset
