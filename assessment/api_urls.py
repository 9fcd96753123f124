from django.urls import path

from . import api

urlpatterns = [
    path("assessments/check", api.AssessmentCheckView.as_view(), name="api-assessment-check"),
    path("assessments/plans", api.PlanListView.as_view(), name="api-assessment-plans"),
    path("assessments/plans/<int:pk>", api.PlanDetailView.as_view(), name="api-assessment-plan"),
    path("assessments/plans/<int:pk>/results", api.RecordResultView.as_view(), name="api-assessment-record-result"),
    path("assessments/plans/<int:pk>/<str:step>", api.PlanStepView.as_view(), name="api-assessment-plan-step"),
    path("assessments/results", api.ResultListView.as_view(), name="api-assessment-results"),
    path("assessments/visits", api.VisitListView.as_view(), name="api-assessment-visits"),
    path("assessments/visits/totals", api.VisitTotalsView.as_view(), name="api-assessment-visit-totals"),
]
