from django.contrib.auth import views as auth_views
from django.urls import path

from . import otp_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("otp/", otp_views.otp, name="otp"),
    path("audit/", views.audit_log, name="audit"),
]
