from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "admission"
urlpatterns = [
    # The app's address on its own (as the README names it) opens its public page, like the header link.
    path("", RedirectView.as_view(pattern_name="admission:check"), name="index"),
    path("check/", views.check_page, name="check"),
    path("plaques/", views.plaques, name="plaques"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/<str:step>/", views.request_step, name="request_step"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.target_detail, name="target"),
    path("inbox/<int:pk>/<str:step>/", views.target_step, name="target_step"),
]
