from django.urls import path

from . import api

urlpatterns = [
    path("committees/<str:code>/worklist", api.committee_worklist, name="api-committee-worklist"),
    path("worklists/versions/", api.VersionListView.as_view(), name="api-worklist-versions"),
    path("worklists/versions/<int:pk>", api.VersionDetailView.as_view(), name="api-worklist-version"),
    path("worklists/versions/<int:pk>/diff", api.VersionDiffView.as_view(), name="api-worklist-diff"),
    path("worklists/versions/<int:pk>/import", api.VersionImportView.as_view(), name="api-worklist-import"),
    path("worklists/versions/<int:pk>/<str:step>", api.VersionStepView.as_view(), name="api-worklist-step"),
    path("worklists/filings/<int:pk>/<str:decision>", api.FilingStepView.as_view(), name="api-worklist-filing"),
]
