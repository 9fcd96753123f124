from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "display_name", "is_active", "is_demo", "last_login"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Qingdan", {"fields": ("display_name", "is_demo")}))
