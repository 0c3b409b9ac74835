"""IMPReSS definitions are reference data: editable in the admin (normally loaded with `load_impress`)."""
from django.contrib import admin

from procedures.models import Parameter, Pipeline, Procedure


class ParameterInline(admin.TabularInline):
    model = Parameter
    extra = 0
    fields = ["key", "name", "type", "value_type", "unit", "required", "derived", "order"]


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "version"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "pipeline", "version", "week", "is_mandatory", "level"]
    list_filter = ["pipeline", "level", "week"]
    search_fields = ["key", "name"]
    inlines = [ParameterInline]
