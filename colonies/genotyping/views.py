"""Genotyping pages under /colony/genotyping/: assays with their editable rule table, results, the "to be genotyped"
list, result entry for a mouse and the Excel import.

Views only translate: every write goes through `colonies.services` (assay_*, zygosity_rule_*, result_*), reads through
`colonies.genotyping.selectors`, and the lists use the API's FilterSets (`colonies.genotyping.filters`), so the
page and `/api/v1/genotypes/` filter alike; forms are in `colonies.genotyping.forms`, columns in `colonies.tables`. URL names live in the `colonies` namespace.
"""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView

from colonies import services, tables
from colonies.generic import PrefillFromQueryMixin, SpreadsheetImportView, TemplateDownloadView
from colonies.genotyping import selectors
from colonies.genotyping.filters import GenotypeResultFilterSet, GenotypingAssayFilterSet, ToBeGenotypedFilterSet
from colonies.genotyping.forms import AssayForm, GenotypeResultForm, ResultUploadForm, VoidForm
from colonies.genotyping.imports import RESULT_COLUMNS, batch_name, results_import, results_template
from colonies.models import GenotypeResult, GenotypingAssay, Mouse, ZygosityRule
from lims.exceptions import DomainError
from lims.exports import EXPORTERS
from lims.forms import add_service_errors, service_error_messages
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import (
    Column,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedQuerysetMixin,
    ScopedUpdateView,
    Section,
    WriteAccessMixin,
    make_cell,
)

RECENT_RESULTS = 20


class NamedUrlsMixin:
    """Pages whose URL names are not `<model>_<action>` (`assay_detail`, not `genotypingassay_detail`)."""

    url_prefix = ""

    def url_for(self, action: str, *args) -> str:
        try:
            return reverse(f"colonies:{self.url_prefix}_{action}", args=args)
        except NoReverseMatch:
            return ""


# --- Assays and their rule table ---------------------------------------------------------------------------------


class AssayListView(NamedUrlsMixin, ScopedListView):
    filterset_class = GenotypingAssayFilterSet
    selector = selectors.assay_list
    area = "colony"
    url_prefix = "assay"
    title = "Genotyping assays"
    filter_bar_exclude = ["updated_since"]
    columns = tables.ASSAY_COLUMNS


class AssayDetailView(NamedUrlsMixin, ScopedDetailView):
    """An assay with its rule table, edited in place (a row per call: change its zygosity, remove it, add one for a
    call without a rule), and its recent results."""

    model = GenotypingAssay
    selector = selectors.assay_detail_list
    area = "colony"
    url_prefix = "assay"
    template_name = "colonies/genotyping/assay_detail.html"
    fields = tables.ASSAY_FIELDS

    def get_sections(self):
        results = selectors.genotype_result_list().filter(assay=self.object, voided_at__isnull=True)[:RECENT_RESULTS]
        return [Section(f"Recent results (last {RECENT_RESULTS})", tables.ASSAY_RESULT_SECTION, results)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assay = self.object
        rules = list(assay.rules.all())
        ruled = {rule.call for rule in rules}
        context.update(
            rules=rules,
            unruled_calls=[call for call in assay.calls if call not in ruled],
            zygosity_choices=Mouse.Zygosity.choices,
            can_edit_rules=can_write(self.request.user, self.area) and not assay.is_voided,
            results_url=f"{reverse('colonies:genotyperesult_list')}?assay={assay.pk}",
        )
        return context


class AssayCreateView(NamedUrlsMixin, ScopedCreateView):
    form_class = AssayForm
    service = services.assay_create
    area = "colony"
    url_prefix = "assay"


class AssayUpdateView(NamedUrlsMixin, ScopedUpdateView):
    model = GenotypingAssay
    form_class = AssayForm
    service = services.assay_update
    area = "colony"
    url_prefix = "assay"


class RuleWriteView(LoginRequiredMixin, WriteAccessMixin, View):
    """Base of the rule-table buttons: POST only, errors come back as messages on the assay page."""

    area = "colony"
    http_method_names = ["post"]

    def back(self, assay: GenotypingAssay) -> HttpResponseRedirect:
        return HttpResponseRedirect(f"{assay.get_absolute_url()}#rules")

    def report(self, exc: Exception) -> None:
        for key, texts in service_error_messages(exc).items():
            for text in texts:
                messages.error(self.request, text)

    def scoped(self, model) -> QuerySet:
        return scope_for_user(model.objects.all(), self.request.user)


class RuleCreateView(RuleWriteView):
    def post(self, request, pk):
        assay = get_object_or_404(self.scoped(GenotypingAssay), pk=pk)
        try:
            rule = services.zygosity_rule_create(actor=request.user, assay=assay, call=request.POST.get("call", ""),
                                                 zygosity=request.POST.get("zygosity", ""))
        except (ValidationError, DomainError) as exc:
            self.report(exc)
        else:
            messages.success(request, f"Rule added: {rule.call} → {rule.zygosity}.")
        return self.back(assay)


class RuleUpdateView(RuleWriteView):
    def post(self, request, pk):
        rule = get_object_or_404(self.scoped(ZygosityRule).select_related("assay"), pk=pk)
        try:
            services.zygosity_rule_update(instance=rule, actor=request.user, zygosity=request.POST.get("zygosity", ""))
        except (ValidationError, DomainError) as exc:
            self.report(exc)
        else:
            messages.success(request, f"Rule changed: {rule.call} → {rule.zygosity}. Results recorded from now on "
                                      "follow it.")
        return self.back(rule.assay)


class RuleDeleteView(RuleWriteView):
    def post(self, request, pk):
        rule = get_object_or_404(self.scoped(ZygosityRule).select_related("assay"), pk=pk)
        assay = rule.assay
        services.zygosity_rule_delete(instance=rule, actor=request.user,
                                      reason=request.POST.get("change_reason", ""))
        messages.success(request, f"Rule for '{rule.call}' removed; that call cannot be recorded until it has a rule.")
        return self.back(assay)


# --- To be genotyped ---------------------------------------------------------------------------------------------


class GenotypingTodoView(ScopedListView):
    """Mice of colonies with no result yet, oldest first; "due" once they reach the centre's genotyping age."""

    filterset_class = ToBeGenotypedFilterSet
    model = Mouse
    area = "colony"
    title = "To be genotyped"
    import_url_name = "colonies:genotyperesult_import"
    columns = tables.TO_BE_GENOTYPED_COLUMNS

    def base_queryset(self) -> QuerySet:
        user = self.request.user
        if user.centre_id is None:
            return Mouse.objects.none()
        return selectors.to_be_genotyped(user.centre, timezone.localdate())

    def export(self, fmt: str, queryset: QuerySet):
        columns = self.get_columns()
        rows = ([make_cell(obj, column).value for column in columns] for obj in queryset)
        return EXPORTERS[fmt]([c.header for c in columns], rows, f"to-be-genotyped-{timezone.localdate().isoformat()}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["create_url"] = ""
        if can_write(self.request.user, self.area):
            create = reverse("colonies:genotyperesult_create")
            action = Column("Genotype", lambda mouse: "Record result")
            context["columns"] = [*context["columns"], action]
            for obj, cells in context["rows"]:
                cell = make_cell(obj, action)
                cell.url = f"{create}?mouse={obj.pk}"
                cells.append(cell)
        return context


# --- Results -----------------------------------------------------------------------------------------------------


class GenotypeResultListView(ScopedListView):
    filterset_class = GenotypeResultFilterSet
    selector = selectors.genotype_result_list
    area = "colony"
    title = "Genotyping results"
    import_url_name = "colonies:genotyperesult_import"
    filter_bar_exclude = ["updated_since"]
    columns = tables.GENOTYPE_RESULT_COLUMNS


class GenotypeResultDetailView(ScopedDetailView):
    model = GenotypeResult
    selector = selectors.genotype_result_list
    area = "colony"
    fields = tables.GENOTYPE_RESULT_FIELDS

    def get_actions(self):
        if self.object.is_voided or not can_write(self.request.user, self.area):
            return []
        return [("Void…", reverse("colonies:genotyperesult_void", args=[self.object.pk]))]


class GenotypeResultCreateView(PrefillFromQueryMixin, ScopedCreateView):
    """Record a result for a mouse (`?mouse=<pk>` from the to-do list or the mouse's page)."""

    form_class = GenotypeResultForm
    area = "colony"
    prefill = ("mouse",)

    def call_service(self, form):
        return services.result_record(actor=self.request.user, **form.service_fields(), **form.extra_fields())

    def get_success_url(self) -> str:
        return reverse("colonies:genotyperesult_detail", args=[self.object.pk])


class GenotypeResultVoidView(LoginRequiredMixin, WriteAccessMixin, ScopedQuerysetMixin, FormView):
    """Void a wrong result with a reason; the mouse's genotype falls back to its latest remaining result."""

    model = GenotypeResult
    area = "colony"
    form_class = VoidForm
    template_name = "generic/object_form.html"
    template_kind = "_void"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self) -> str:
        return reverse("colonies:genotyperesult_detail", args=[self.object.pk])

    def form_valid(self, form):
        try:
            services.result_void(instance=self.object, actor=self.request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Result {self.object} voided.")
        return HttpResponseRedirect(self.detail_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=f"Void {self.object}", kind="Void genotyping result", cancel_url=self.detail_url())
        return context


# --- Excel import ------------------------------------------------------------------------------------------------


class GenotypeResultImportView(SpreadsheetImportView):
    area = "colony"
    form_class = ResultUploadForm
    noun, noun_plural, columns, filename = "genotyping result", "genotyping results", RESULT_COLUMNS, "genotyping"
    template_builder = results_template
    template_url_name = "colonies:genotyperesult_import_template"
    list_url_name = "colonies:genotyperesult_list"

    importer = results_import

    def form_valid(self, form):
        """Import with the batch name; a good file lands on the result list filtered to that batch."""
        upload = form.cleaned_data["file"]
        batch = batch_name(form.cleaned_data.get("batch", ""), upload)
        result = results_import(file=upload, actor=self.request.user, batch=batch)
        if result.ok:
            noun = self.noun if result.created == 1 else self.noun_plural
            messages.success(self.request, f"Imported {result.created} {noun} from {upload.name} (batch {batch}).")
            return HttpResponseRedirect(f"{reverse(self.list_url_name)}?{urlencode({'batch': batch})}")
        return self.render_to_response(self.get_context_data(form=form, result=result, upload_name=upload.name))


class GenotypeResultTemplateView(TemplateDownloadView):
    area = "colony"
    template_builder, filename = results_template, "genotyping-results"
