"""Django admin: reference data (centres, consortia, strains, genes) and users. Lab records are edited in the app,
where centre scoping and services apply."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from lims.models import Centre, Consortium, Gene, Strain, User


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "full_name", "default_pipeline", "default_project"]
    search_fields = ["code", "name", "full_name"]


@admin.register(Consortium)
class ConsortiumAdmin(admin.ModelAdmin):
    list_display = ["name", "funding"]
    search_fields = ["name"]


@admin.register(Strain)
class StrainAdmin(admin.ModelAdmin):
    list_display = ["name", "mgi_id", "is_background", "is_test_cross", "is_blast", "is_deleter"]
    list_filter = ["is_background", "is_test_cross", "is_blast", "is_deleter"]
    search_fields = ["name", "mgi_id"]


@admin.register(Gene)
class GeneAdmin(admin.ModelAdmin):
    list_display = ["symbol", "mgi_id", "name", "chromosome"]
    search_fields = ["symbol", "mgi_id", "name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "centre", "role", "is_active", "is_staff"]
    list_filter = ["centre", "role", "is_active", "is_staff"]
    fieldsets = BaseUserAdmin.fieldsets + (("Centre and role", {"fields": ("centre", "role")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Centre and role", {"fields": ("centre", "role")}),)
