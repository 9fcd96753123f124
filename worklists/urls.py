from django.urls import path

from . import views, views_public

app_name = "worklists"
urlpatterns = [
    path("", views_public.index, name="index"),
    path("r/<str:code>/", views_public.region_page, name="region"),
    path("v/<int:pk>/", views_public.public_version, name="public_version"),
    path("v/<int:pk>/diff/", views_public.diff_page, name="diff"),
    path("v/<int:pk>/export.<str:fmt>", views_public.export, name="export"),
    path("search/", views_public.search, name="search"),
    path("feed.atom", views_public.feed, name="feed"),
    path("work/", views.work, name="work"),
    path("work/region/<str:code>/new/", views.create_draft, name="create_draft"),
    path("work/v/<int:pk>/", views.version, name="version"),
    path("work/v/<int:pk>/item/new/", views.item_form, name="item_new"),
    path("work/v/<int:pk>/item/<int:item_pk>/", views.item_form, name="item_edit"),
    path("work/v/<int:pk>/item/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
    path("work/v/<int:pk>/omission/<int:upper_pk>/", views.omission, name="omission"),
    path("work/v/<int:pk>/<str:step>/", views.transition, name="transition"),
    path("work/filing/<int:pk>/", views.filing, name="filing"),
    path("work/flags/", views.flags, name="flags"),
    path("work/notifications/", views.notifications, name="notifications"),
]
