from django.urls import path

from . import api

urlpatterns = [
    path("complaints", api.ComplaintView.as_view(), name="api-complaints"),
    path("complaints/<str:code>", api.ComplaintStatusView.as_view(), name="api-complaint-status"),
    path("supervision/cases/", api.CaseListView.as_view(), name="api-supervision-cases"),
    path("supervision/cases/<str:number>", api.CaseDetailView.as_view(), name="api-supervision-case"),
]
