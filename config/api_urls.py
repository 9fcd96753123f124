"""/api/v1/: every app adds its routes here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api_views import ApiRootView, JobDetailView, JobListView, TokenView

urlpatterns = [
    # URL resolution walks the list in order, and every pattern tried before the match costs (Django builds the list
    # of tried patterns for its 404 page even when a later one matches): the public work-list API is the most
    # requested, then the committees' submissions (a burst of 16,727); the API's own few pages come last.
    path("", include("worklists.api_urls")),
    path("", include("reporting.api_urls")),
    path("", include("regions.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("legal.api_urls")),
    path("", include("admission.api_urls")),
    path("", include("assessment.api_urls")),
    path("", include("certificates.api_urls")),
    path("", include("supervision.api_urls")),
    path("", ApiRootView.as_view(), name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("jobs", JobListView.as_view(), name="api-jobs"),
    path("jobs/<int:pk>", JobDetailView.as_view(), name="api-job"),
]
