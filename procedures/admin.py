"""IMPReSS definitions are reference data: editable in the admin (normally loaded with `load_impress`)."""
from django.contrib import admin

from procedures.models import Parameter, Pipeline, PipelineSettings, Procedure


class ParameterInline(admin.TabularInline):
    model = Parameter
    extra = 0
    fields = ["key", "name", "type", "value_type", "unit", "required", "derived", "min_value", "max_value",
              "range_source", "order", "source", "retired"]


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "version", "source"]
    list_filter = ["source"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "pipeline", "version", "week", "is_mandatory", "level", "source"]
    list_filter = ["pipeline", "level", "week", "source"]
    search_fields = ["key", "name"]
    inlines = [ParameterInline]


@admin.register(PipelineSettings)
class PipelineSettingsAdmin(admin.ModelAdmin):
    """A centre's window per pipeline; changing it affects mice enrolled afterwards only."""

    list_display = ["centre", "pipeline", "window_days"]
    list_filter = ["centre", "pipeline"]
