from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog, set_language

import certificates.views
from core.views import healthz, ping

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    # URL resolution walks the list in order (DESIGN §10 throughput): the API first (a burst of submissions), then
    # the public pages most visited. A path outside api/v1/ skips the API after one failed prefix match.
    path("api/v1/", include("config.api_urls")),
    path("", include("portal.urls")),
    # No CSRF token: switching the display language gains an attacker nothing, and a token-free language form lets
    # public pages be shared by every visitor (core/httpcache.py; docs/security.md). `next` is still checked.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("regions/", include("regions.urls")),
    path("legal/", include("legal.urls")),
    path("worklists/", include("worklists.urls")),
    path("admission/", include("admission.urls")),
    path("reporting/", include("reporting.urls")),
    path("assessment/", include("assessment.urls")),
    path("certificates/", include("certificates.urls")),
    path("supervision/", include("supervision.urls")),
    path("sysadmin/", admin.site.urls),
    # The address printed in certificates' QR codes.
    path("verify/<str:token>", certificates.views.verify, name="verify"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
