from django.urls import path

from . import views

app_name = "legal"
urlpatterns = [
    path("", views.index, name="index"),
    path("s/<int:pk>/", views.source, name="source"),
    path("s/<int:pk>/change/", views.change, name="change"),
    path("s/<int:pk>/provision/", views.new_provision, name="new_provision"),
    path("new/", views.new_source, name="new_source"),
]
