from django.urls import path

from . import api

urlpatterns = [
    path("regions/<str:code>", api.RegionDetailView.as_view(), name="api-region"),
    path("regions/<str:code>/children", api.RegionChildrenView.as_view(), name="api-region-children"),
    path("organisations/", api.OrganisationListView.as_view(), name="api-organisations"),
]
