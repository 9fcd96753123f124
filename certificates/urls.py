from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "certificates"
urlpatterns = [
    # The app's address on its own (as the README names it) opens its public page, like the header link.
    path("", RedirectView.as_view(pattern_name="certificates:check"), name="index"),
    path("catalogs/", views.catalogs, name="catalogs"),
    path("catalogs/<int:pk>/", views.catalog_version, name="catalog_version"),
    path("catalogs/manage/", views.manage, name="manage"),
    path("catalogs/derive/<str:code>/", views.derive, name="derive"),
    path("catalogs/<int:pk>/edit/", views.catalog_edit, name="catalog_edit"),
    path("catalogs/<int:pk>/types/new/", views.catalog_type, name="catalog_type_add"),
    path("catalogs/<int:pk>/types/<str:code>/", views.catalog_type, name="catalog_type"),
    path("catalogs/<int:pk>/types/<str:code>/remove", views.catalog_type_remove, name="catalog_type_remove"),
    path("catalogs/<int:pk>/types/<str:code>/restore", views.catalog_type_restore, name="catalog_type_restore"),
    path("catalogs/<int:pk>/publish", views.catalog_publish, name="catalog_publish"),
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
