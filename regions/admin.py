from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Organisation, Region, RegionCodeChange


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "committee_kind", "is_active"]
    search_fields = ["code", "name"]
    list_filter = ["level", "committee_kind", "is_active"]
    raw_id_fields = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "sector", "region"]
    search_fields = ["name", "region__code"]
    list_filter = ["kind", "sector"]
    raw_id_fields = ["region"]


admin.site.register(RegionCodeChange)
