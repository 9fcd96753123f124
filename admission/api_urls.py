from django.urls import path

from . import api

urlpatterns = [
    path("admission/check", api.AdmissionCheckView.as_view(), name="api-admission-check"),
    path("admission/plaques", api.PlaqueListView.as_view(), name="api-admission-plaques"),
    path("admission/requests", api.RequestListView.as_view(), name="api-admission-requests"),
    path("admission/requests/<int:pk>", api.RequestDetailView.as_view(), name="api-admission-request"),
    path("admission/requests/<int:pk>/contract", api.ContractView.as_view(), name="api-admission-contract"),
    path("admission/requests/<int:pk>/<str:step>", api.RequestStepView.as_view(), name="api-admission-request-step"),
    path("admission/targets", api.TargetListView.as_view(), name="api-admission-targets"),
    path("admission/targets/<int:pk>/<str:step>", api.TargetStepView.as_view(), name="api-admission-target-step"),
]
