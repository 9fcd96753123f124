from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("regulation/", views.regulation_page, name="regulation"),
    path("about/", views.about, name="about"),
    path("committees/<str:code>/", views.committee, name="committee"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
