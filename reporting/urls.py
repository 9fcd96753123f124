from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.index, name="index"),
    path("elements/", views.elements, name="elements"),
    path("channels/", views.channel_list, name="channels"),
    path("channels/new/", views.channel_new, name="channel_new"),
    path("channels/<int:pk>/", views.channel_detail, name="channel"),
    path("channels/<int:pk>/edit/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/<str:step>/", views.channel_step, name="channel_step"),
    path("analyze/", views.analyze_forms, name="analyze"),
    path("review/<str:code>/", views.review, name="review"),
    path("mapping/", views.mapping, name="mapping"),
    path("plan/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("fill/", views.fill, name="fill"),
    path("received/", views.received, name="received"),
]
