from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("catalogs/", views.catalogs, name="catalogs"),
    path("catalogs/<int:pk>/", views.catalog_version, name="catalog_version"),
    path("check/", views.check_page, name="check"),
    path("guide/<str:code>/", views.guide, name="guide"),
    path("verify/<str:token>", views.verify, name="verify"),
    path("issue/", views.issue, name="issue"),
    path("register/", views.register, name="register"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf", views.pdf, name="pdf"),
    path("<int:pk>/revoke", views.revoke, name="revoke"),
    path("refuse/<str:code>/", views.refuse, name="refuse"),
]
