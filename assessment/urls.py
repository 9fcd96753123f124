from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "assessment"
urlpatterns = [
    # The app's address on its own (as the README names it) opens its public page, like the header link.
    path("", RedirectView.as_view(pattern_name="assessment:check"), name="index"),
    path("check/", views.check_page, name="check"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/indicators/new/", views.indicator_form, name="indicator_new"),
    path("plans/<int:pk>/indicators/<int:indicator_pk>/", views.indicator_form, name="indicator_edit"),
    path("plans/<int:pk>/indicators/<int:indicator_pk>/delete/", views.indicator_delete, name="indicator_delete"),
    path("plans/<int:pk>/findings/<int:finding_pk>/dismiss/", views.finding_dismiss, name="finding_dismiss"),
    path("plans/<int:pk>/results/", views.plan_results, name="plan_results"),
    path("plans/<int:pk>/<str:step>/", views.plan_step, name="plan_step"),
    path("results/", views.result_list, name="results"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_create, name="visit_new"),
    path("visits/totals/", views.visit_totals_export, name="visit_totals"),
]
