from django.urls import path

from . import api

urlpatterns = [
    # First: URL resolution tries the patterns in order, and a burst of 16,727 committees submits here.
    path("reporting/submissions", api.SubmissionListView.as_view(), name="api-reporting-submissions"),
    path("reporting/analyze", api.AnalyzeView.as_view(), name="api-reporting-analyze"),
    path("reporting/elements", api.ElementListView.as_view(), name="api-reporting-elements"),
    path("reporting/channels", api.ChannelListView.as_view(), name="api-reporting-channels"),
    path("reporting/channels/<int:pk>", api.ChannelDetailView.as_view(), name="api-reporting-channel"),
    path("reporting/channels/<int:pk>/<str:step>", api.ChannelReviewView.as_view(), name="api-reporting-channel-step"),
]
