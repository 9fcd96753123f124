from django.urls import path

from . import api

urlpatterns = [
    path("legal/sources/", api.SourceListView.as_view(), name="api-legal-sources"),
    path("legal/sources/<int:pk>", api.SourceDetailView.as_view(), name="api-legal-source"),
]
