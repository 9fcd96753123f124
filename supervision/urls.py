from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "supervision"
urlpatterns = [
    # The app's address on its own (as the README names it) opens its public page, like the header link.
    path("", RedirectView.as_view(pattern_name="supervision:complaint_new"), name="index"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/track/", views.track, name="track"),
    path("complaints/mine/", views.my_complaints, name="my_complaints"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/<str:step>/", views.case_step, name="case_step"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("notices/", views.notices, name="notices"),
    path("violations/", views.violations, name="violations"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("scorecards/", views.scorecard_list, name="scorecards"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard"),
]
