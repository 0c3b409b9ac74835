"""HTML views for production (genes, plans, ES cells, attempts, colonies and the lines made from them, the summary):
declarations only; `lims.views` does scoping, export, history, writes.

What is added here is what production needs beyond a generic record: a status timeline drawn from the stamps,
warnings to confirm before saving (iMits warns, it never refuses), CRISPR guide and nuclease rows, an Abort action
that asks why (`colonies.production.mixins`), the production summary and the Excel imports. Columns are in
`colonies.tables`, FilterSets in `colonies.production.filters`.
"""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from colonies import selectors, services, tables
from colonies.generic import PrefillFromQueryMixin, SpreadsheetImportView, TemplateDownloadView
from colonies.models import AlleleModification, Colony, EsCell, MicroInjection, PhenotypingAttempt, Plan
from colonies.production import filters, forms, imports
from colonies.production.mixins import AbortView, ConfirmWarningsMixin, TimelineMixin
from colonies.production.prefill import colony_initial
from colonies.production.summary import production_summary
from colonies.selectors import colony_cages, colony_matings
from lims.exports import EXPORTERS
from lims.filters import GeneFilterSet
from lims.models import Gene
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import STATUS_TONES, ScopedCreateView, ScopedDetailView, ScopedListView, ScopedUpdateView, Section

# --- Genes: global reference data, with the centre's own work on each --------------------------------------------


class GeneListView(ScopedListView):
    filterset_class = GeneFilterSet
    scoped = False
    columns = tables.GENE_COLUMNS


class GeneDetailView(ScopedDetailView):
    """A gene is shared by every centre; the tables below it show only the user's centre's plans and colonies."""

    model = Gene
    scoped = False
    fields = tables.GENE_COLUMNS

    def get_sections(self):
        user, gene = self.request.user, self.object
        plans = scope_for_user(Plan.objects.filter(gene=gene, voided_at__isnull=True), user)
        colonies = scope_for_user(Colony.objects.filter(gene=gene, voided_at__isnull=True), user)
        return [
            Section("Plans", tables.GENE_PLAN_SECTION, plans.select_related("consortium")),
            Section("Colonies", tables.COLONY_SECTION, colonies),
        ]


# --- Plans ----------------------------------------------------------------------------------------------------------


class PlanListView(ScopedListView):
    filterset_class = filters.PlanFilterSet
    selector = selectors.plan_list
    columns = tables.PLAN_COLUMNS


class PlanDetailView(ScopedDetailView):
    model = Plan
    selector = selectors.plan_list
    fields = tables.PLAN_FIELDS

    def get_sections(self):
        attempts = self.object.microinjections.filter(voided_at__isnull=True).select_related("es_cell")
        may_add = can_write(self.request.user, self.area) and self.object.is_active and not self.object.withdrawn
        return [Section("Micro-injection attempts", tables.MICROINJECTION_SECTION, attempts,
                        action_url=f"{reverse('colonies:microinjection_create')}?plan={self.object.pk}" if may_add
                        else "", action_label="New attempt")]


class PlanCreateView(ConfirmWarningsMixin, ScopedCreateView):
    """A new plan, after the person has seen who else plans or injects the gene (iMits's warnings)."""

    form_class = forms.PlanForm
    service = services.plan_create

    def get_warnings(self, form) -> list[str]:
        data = form.service_fields()
        return services.plan_warnings(Plan(gene=data["gene"], consortium=data["consortium"]))


class PlanUpdateView(ScopedUpdateView):
    """Priority, activity and withdrawal; `plan_update` refuses a withdrawal without a reason."""

    form_class = forms.PlanUpdateForm
    service = services.plan_update
    selector = selectors.plan_list


# --- ES cells -------------------------------------------------------------------------------------------------------


class EsCellListView(ScopedListView):
    filterset_class = filters.EsCellFilterSet
    import_url_name = "colonies_import:escell_import"
    selector = selectors.es_cell_list
    columns = tables.ES_CELL_COLUMNS


class EsCellDetailView(ScopedDetailView):
    """The clone with its QC as two tables: user QC as entered, production-centre QC with every test (na if unset)."""

    model = EsCell
    selector = selectors.es_cell_list
    fields = tables.ES_CELL_FIELDS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["qc_tables"] = [
            ("User QC", tables.qc_rows([(t, "") for t in services.USER_QC_TESTS], self.object.user_qc)),
            ("Production-centre QC", tables.qc_rows([(t, "na") for t in services.PRODUCTION_QC_TESTS],
                                                    self.object.production_qc)),
        ]
        return context

    def get_sections(self):
        attempts = self.object.microinjections.filter(voided_at__isnull=True).select_related("es_cell")
        return [Section("Micro-injection attempts", tables.MICROINJECTION_SECTION, attempts)]


class EsCellCreateView(ScopedCreateView):
    form_class = forms.EsCellForm
    service = services.es_cell_create


class EsCellUpdateView(ScopedUpdateView):
    form_class = forms.EsCellForm
    service = services.es_cell_update
    selector = selectors.es_cell_list


# --- Micro-injection attempts -----------------------------------------------------------------------------------


class MicroInjectionListView(ScopedListView):
    filterset_class = filters.MicroInjectionListFilterSet
    import_url_name = "colonies_import:microinjection_import"
    selector = selectors.microinjection_list
    columns = tables.MICROINJECTION_COLUMNS


class MicroInjectionDetailView(TimelineMixin, ScopedDetailView):
    """The attempt's story: timeline from the stamps, the counts as a funnel and in full, CRISPR reagents."""

    model = MicroInjection
    selector = selectors.microinjection_detail_list
    select_related = ["plan__centre"]

    @property
    def fields(self):
        crispr = self.object.kind == MicroInjection.Kind.CRISPR
        return [*tables.MICROINJECTION_FIELDS,
                *(tables.CRISPR_ATTEMPT_FIELDS if crispr else tables.ES_CELL_ATTEMPT_FIELDS), ("Comments", "comments")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["funnel"] = tables.count_funnel(self.object)
        return context

    def get_sections(self):
        attempt = self.object
        sections = []
        if attempt.kind == MicroInjection.Kind.CRISPR:
            sections += [Section("Guides", tables.GUIDE_SECTION, attempt.guides.all()),
                         Section("Nucleases", tables.NUCLEASE_SECTION, attempt.nucleases.all())]
        colonies = attempt.colonies.filter(voided_at__isnull=True)
        may_add = can_write(self.request.user, "colony") and attempt.status in (
            MicroInjection.Status.GENOTYPE_CONFIRMED, MicroInjection.Status.FOUNDER_OBTAINED)
        sections.append(Section("Colonies", tables.COLONY_SECTION, colonies,
                                action_url=f"{reverse('colonies:colony_create')}?microinjection={attempt.pk}"
                                if may_add else "", action_label="New colony"))
        return sections


class MicroInjectionFormMixin:
    """Both kinds in one form; for CRISPR the guide and nuclease rows go to the service as lists of dicts."""

    def get_formsets(self):
        data = self.request.POST if self.request.method == "POST" else None
        attempt = self.object if getattr(self, "object", None) is not None and self.object.pk else None
        return forms.reagent_formsets(data=data, attempt=attempt)

    def form_valid(self, form):
        self.formsets = self.get_formsets()
        if form.kind == MicroInjection.Kind.CRISPR and not all(fs.is_valid() for fs in self.formsets.values()):
            return self.form_invalid(form)
        return super().form_valid(form)

    def reagents(self, form) -> dict:
        if form.kind != MicroInjection.Kind.CRISPR:
            return {}
        return {name: forms.formset_rows(formset) for name, formset in self.formsets.items()}

    def call_service(self, form):
        """Call the service; its guide and nuclease messages go on their rows, the rest on the form."""
        try:
            return self.call_attempt_service(form, **self.reagents(form))
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise
            rest = {}
            for key, errors in exc.message_dict.items():
                if key in self.formsets:
                    self.formsets[key]._non_form_errors = ErrorList(errors)
                else:
                    rest[key] = errors
            raise ValidationError(rest) from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        checked = getattr(self, "formsets", None)  # set once a valid form reached form_valid
        context["formsets"] = checked or self.get_formsets()
        form = context["form"]
        context["reagent_errors"] = bool(checked) and form.kind == MicroInjection.Kind.CRISPR and any(
            fs.non_form_errors() or any(fs.errors) for fs in checked.values())
        return context


class MicroInjectionCreateView(MicroInjectionFormMixin, PrefillFromQueryMixin, ConfirmWarningsMixin,
                               ScopedCreateView):
    """A new attempt; warns (and asks to confirm) when the gene is planned or being injected elsewhere."""

    form_class = forms.MicroInjectionForm
    service = services.microinjection_create
    prefill = ("plan",)

    def get_warnings(self, form) -> list[str]:
        return services.plan_warnings(form.cleaned_data["plan"])

    def call_attempt_service(self, form, **reagents):
        return type(self).service(actor=self.request.user, **form.service_fields(), **reagents)


class MicroInjectionUpdateView(MicroInjectionFormMixin, ScopedUpdateView):
    """Counts and dates change over weeks; the status badge is shown, and re-derived by the service on save."""

    form_class = forms.MicroInjectionForm
    service = services.microinjection_update
    selector = selectors.microinjection_detail_list

    def call_attempt_service(self, form, **reagents):
        return type(self).service(instance=self.object, actor=self.request.user, **form.service_fields(), **reagents)


class MicroInjectionAbortView(AbortView):
    model = MicroInjection
    selector = selectors.microinjection_list
    service = services.microinjection_abort


# --- Colonies ---------------------------------------------------------------------------------------------------------


class ColonyListView(ScopedListView):
    filterset_class = filters.ColonyFilterSet
    selector = selectors.colony_list
    area = "colony"
    columns = tables.COLONY_COLUMNS


class ColonyDetailView(ScopedDetailView):
    """A colony with what grew from it: its mice, its allele modifications and its phenotyping cohorts."""

    model = Colony
    selector = selectors.colony_list
    area = "colony"
    fields = tables.COLONY_FIELDS

    def get_actions(self):
        """*New mouse* and *New mating* start with this colony chosen (issue 14: fewer clicks); each shows only to
        a role that may write its area (matings are the breeding area: not technicians)."""
        colony, user = self.object, self.request.user
        if colony.is_voided:
            return []
        actions = []
        if can_write(user, "colony"):
            actions.append(("New mouse", f"{reverse('colonies:mouse_create')}?colony={colony.pk}"))
        if can_write(user, "breeding"):
            actions.append(("New mating", f"{reverse('colonies:mating_create')}?colony={colony.pk}"))
        return actions

    def get_sections(self):
        colony, user = self.object, self.request.user
        confirmed = colony.genotype_status == Colony.GenotypeStatus.CONFIRMED and not colony.is_voided
        may_add = confirmed and can_write(user, "production")

        def add_url(name: str) -> str:
            return f"{reverse(name)}?parent_colony={colony.pk}" if may_add else ""

        mice = colony.mice.filter(voided_at__isnull=True)
        modifications = scope_for_user(colony.allele_modifications.filter(voided_at__isnull=True), user)
        modifications = modifications.select_related("deleter_strain")
        cohorts = scope_for_user(colony.phenotyping_attempts.filter(voided_at__isnull=True), user)
        actions = dict(self.get_actions())
        new_mouse, new_mating = actions.get("New mouse", ""), actions.get("New mating", "")
        return [
            Section("Mice", tables.MOUSE_SECTION, mice, action_url=new_mouse, action_label="New mouse"),
            Section("Cages", tables.COLONY_CAGE_SECTION, colony_cages(colony, user), empty="No mouse of the colony "
                    "is in a cage."),
            Section("Matings", tables.MATING_COLUMNS, colony_matings(colony, user), action_url=new_mating,
                    action_label="New mating"),
            Section("Allele modifications", tables.COLONY_MODIFICATION_SECTION, modifications,
                    action_url=add_url("colonies:allelemodification_create"), action_label="New allele modification"),
            Section("Phenotyping attempts", tables.COLONY_COHORT_SECTION, cohorts,
                    action_url=add_url("colonies:phenotypingattempt_create"), action_label="New phenotyping attempt"),
        ]


class ColonyCreateView(PrefillFromQueryMixin, ScopedCreateView):
    """`?microinjection=<pk>` (the attempt's *New colony*) starts with the attempt's name from the centre's
    pattern, its background strain and its allele (`colonies.production.prefill`)."""

    form_class = forms.ColonyForm
    service = services.colony_create
    area = "colony"
    prefill = ("microinjection",)

    def get_initial(self):
        initial = super().get_initial()
        if "microinjection" in initial:
            attempts = scope_for_user(MicroInjection.objects.select_related("centre", "plan__gene", "es_cell"),
                                      self.request.user)
            attempt = attempts.filter(pk=initial["microinjection"]).first()
            if attempt is not None:
                initial = {**colony_initial(attempt), **initial}
        return initial


class ColonyUpdateView(ScopedUpdateView):
    """Name and background strain lock once data reached the DCC: the service's Conflict shows on the field."""

    form_class = forms.ColonyUpdateForm
    service = services.colony_update
    selector = selectors.colony_list
    area = "colony"


# --- Allele modifications (Cre excision) ------------------------------------------------------------------------


class AlleleModificationListView(ScopedListView):
    filterset_class = filters.AlleleModificationListFilterSet
    selector = selectors.allele_modification_list
    select_related = ["parent_colony__gene"]
    columns = tables.ALLELE_MODIFICATION_COLUMNS


class AlleleModificationDetailView(TimelineMixin, ScopedDetailView):
    model = AlleleModification
    selector = selectors.allele_modification_list
    select_related = ["parent_colony__gene"]
    fields = tables.ALLELE_MODIFICATION_FIELDS


class AlleleModificationCreateView(PrefillFromQueryMixin, ScopedCreateView):
    """Start a Cre excision; the service creates the child colony with it (named here or after the reference)."""

    form_class = forms.AlleleModificationForm
    service = services.allele_modification_create
    prefill = ("parent_colony",)

    def call_service(self, form):
        return type(self).service(actor=self.request.user, child_colony_name=form.cleaned_data["child_colony_name"],
                                  **form.service_fields())


class AlleleModificationUpdateView(ScopedUpdateView):
    form_class = forms.AlleleModificationForm
    service = services.allele_modification_update
    selector = selectors.allele_modification_list


class AlleleModificationAbortView(AbortView):
    model = AlleleModification
    selector = selectors.allele_modification_list
    service = services.allele_modification_abort


# --- Phenotyping attempts ---------------------------------------------------------------------------------------


class PhenotypingAttemptListView(ScopedListView):
    filterset_class = filters.PhenotypingAttemptListFilterSet
    selector = selectors.phenotyping_attempt_list
    select_related = ["parent_colony__gene"]
    columns = tables.PHENOTYPING_ATTEMPT_COLUMNS


class PhenotypingAttemptDetailView(TimelineMixin, ScopedDetailView):
    model = PhenotypingAttempt
    selector = selectors.phenotyping_attempt_list
    select_related = ["parent_colony__gene"]
    fields = tables.PHENOTYPING_ATTEMPT_FIELDS


class PhenotypingAttemptCreateView(PrefillFromQueryMixin, ScopedCreateView):
    form_class = forms.PhenotypingAttemptForm
    service = services.phenotyping_attempt_create
    prefill = ("parent_colony",)

    def call_service(self, form):
        fields = form.service_fields()
        if not fields.get("colony_name"):
            fields.pop("colony_name", None)  # the service names the cohort after the parent and the centre
        return type(self).service(actor=self.request.user, **fields)


class PhenotypingAttemptUpdateView(ScopedUpdateView):
    form_class = forms.PhenotypingAttemptForm
    service = services.phenotyping_attempt_update
    selector = selectors.phenotyping_attempt_list


class PhenotypingAttemptAbortView(AbortView):
    model = PhenotypingAttempt
    selector = selectors.phenotyping_attempt_list
    service = services.phenotyping_attempt_abort


# --- Production summary -------------------------------------------------------------------------------------------


class ProductionSummaryView(LoginRequiredMixin, TemplateView):
    """Distinct genes per consortium × centre at each status, each figure a link to the lines behind it.

    `?export=csv|xlsx` gives the same table as a spreadsheet (the figures, without links).
    """

    template_name = "colonies/production_summary.html"

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export is None:
            return super().get(request, *args, **kwargs)
        if export not in EXPORTERS:
            raise Http404(f"No export format {export!r}.")
        summary = production_summary(request.user)
        filename = f"production-summary-{timezone.localdate().isoformat()}"
        return EXPORTERS[export](summary.export_headers, summary.export_rows(), filename)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = production_summary(self.request.user)
        context.update(title="Production summary", summary=summary,
                       columns=[(c, STATUS_TONES.get(c.status, "muted")) for c in summary.columns])
        return context


# --- Excel imports (the `colonies_import` namespace, `colonies.production.import_urls`) -------------------------


class EsCellImportView(SpreadsheetImportView):
    noun, noun_plural, columns, filename = "ES cell clone", "ES cell clones", imports.ES_CELL_COLUMNS, "es-cells"
    importer, template_builder = imports.es_cells_import, imports.es_cell_template
    template_url_name = "colonies_import:escell_import_template"
    list_url_name = "colonies:escell_list"


class EsCellTemplateView(TemplateDownloadView):
    template_builder, filename = imports.es_cell_template, "es-cells"


class MicroInjectionImportView(SpreadsheetImportView):
    noun, noun_plural = "micro-injection attempt", "micro-injection attempts"
    columns, filename = imports.MICROINJECTION_COLUMNS, "microinjections"
    importer, template_builder = imports.microinjections_import, imports.microinjection_template
    template_url_name = "colonies_import:microinjection_import_template"
    list_url_name = "colonies:microinjection_list"


class MicroInjectionTemplateView(TemplateDownloadView):
    template_builder, filename = imports.microinjection_template, "microinjections"
