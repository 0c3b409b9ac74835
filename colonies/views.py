"""HTML views for production and colonies: declarations only; `lims.views` does scoping, export, history, writes.

What is added here is what production needs beyond a generic record: a status timeline drawn from the stamps,
warnings to confirm before saving (iMits warns, it never refuses), CRISPR guide and nuclease rows, an Abort action
that asks why, and the production summary.
"""
import datetime as dt
from dataclasses import dataclass

import django_filters as df
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import ErrorList
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from colonies import forms, selectors, services
from colonies.filters import (
    AlleleModificationFilterSet,
    ColonyFilterSet,
    EsCellFilterSet,
    GeneFilterSet,
    MicroInjectionFilterSet,
    MouseFilterSet,
    PhenotypingAttemptFilterSet,
    PlanFilterSet,
)
from colonies.husbandry_forms import MouseForm
from colonies.models import AlleleModification, Colony, EsCell, MicroInjection, Mouse, PhenotypingAttempt, Plan
from colonies.pedigree import pedigree_of
from colonies.reports import production_summary
from lims.exceptions import DomainError
from lims.exports import EXPORTERS
from lims.forms import add_service_errors
from lims.models import Gene
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import (
    STATUS_TONES,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedQuerysetMixin,
    ScopedUpdateView,
    Section,
    WriteAccessMixin,
)


def total_chimeras(attempt: MicroInjection):
    return attempt.total_chimeras


# --- Shared pieces ------------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One step of a status timeline: reached (with its date), current, still ahead, or the abort."""

    label: str
    code: str
    reached_on: dt.date | None
    state: str  # done | current | next | aborted


def status_path(record) -> list[str]:
    """The forward statuses of a record's machine, in order (the abort is drawn only when it happens)."""
    if isinstance(record, MicroInjection):
        S = MicroInjection.Status
        middle = S.FOUNDER_OBTAINED if record.kind == MicroInjection.Kind.CRISPR else S.CHIMERAS_OBTAINED
        return [S.IN_PROGRESS, middle, S.GENOTYPE_CONFIRMED]
    return [status for status in type(record).Status if status != type(record).Status.ABORTED]


def status_timeline(record) -> list[Step]:
    """The record's stamps oldest first, then the statuses still ahead (none once aborted).

    Stamps are read through `record.stamps.all()`, so a prefetch serves them. Ties on a day keep the machine's
    order, since several statuses can be reached by one save.
    """
    Status = type(record).Status
    path = status_path(record)
    order = {code: index for index, code in enumerate(path)}
    stamps = sorted(record.stamps.all(), key=lambda s: (s.reached_on, order.get(s.status, len(path))))
    aborted = record.status == Status.ABORTED
    steps = []
    for stamp in stamps:
        label = Status(stamp.status).label if stamp.status in Status.values else stamp.status
        state = ("aborted" if stamp.status == Status.ABORTED else "current" if stamp.status == record.status
                 else "done")
        steps.append(Step(label=label, code=stamp.status, reached_on=stamp.reached_on, state=state))
    if not aborted:
        reached = {stamp.status for stamp in stamps}
        steps += [Step(label=Status(code).label, code=code, reached_on=None, state="next")
                  for code in path if code not in reached]
    return steps


class TimelineMixin:
    """Detail pages of records with derived statuses: the timeline, and Abort for writers while active."""

    template_name = "colonies/record_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context["timeline"] = status_timeline(obj)
        context["status_tone"] = STATUS_TONES.get(obj.status, "muted")
        may_abort = obj.is_active and not obj.is_voided and can_write(self.request.user, self.area)
        context["abort_url"] = self.url_for("abort", obj.pk) if may_abort else ""
        return context


class ConfirmWarningsMixin:
    """Save only once the person has seen the warnings: the first post re-renders the form with them and a
    "Save anyway" box (`confirm_warnings`); a post with the box ticked saves. The form's own errors come before
    any warning; the service's checks run on the confirmed save, like any other."""

    def get_warnings(self, form) -> list[str]:
        raise NotImplementedError

    def form_valid(self, form):
        warnings = self.get_warnings(form)
        if warnings and not form.cleaned_data.get("confirm_warnings"):
            return self.render_to_response(self.get_context_data(form=form, warnings=warnings))
        return super().form_valid(form)


class PrefillFromQueryMixin:
    """Create forms opened from a parent's page (`?plan=3`, `?parent_colony=7`) start with that parent chosen."""

    prefill: tuple[str, ...] = ()

    def get_initial(self):
        initial = super().get_initial()
        for name in self.prefill:
            if self.request.GET.get(name, "").isdigit():
                initial[name] = int(self.request.GET[name])
        return initial


class AbortView(LoginRequiredMixin, WriteAccessMixin, ScopedQuerysetMixin, SingleObjectMixin, FormView):
    """Abort a production record with a reason through its service (`…_abort(instance, actor, reason)`).

    The reason is the audit event's "why", so the History tab shows it beside the status change. Another centre's
    record is a 404, like every other page; an already aborted one sends the person back to it.
    """

    form_class = forms.AbortForm
    template_name = "colonies/abort_form.html"
    template_kind = "_abort"
    service = None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_active:
            messages.info(request, f"{self.object} is already aborted.")
            return HttpResponseRedirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            type(self).service(instance=self.object, actor=self.request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, DomainError) as exc:
            self.object.refresh_from_db()
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.object} aborted.")
        return HttpResponseRedirect(self.object.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        verbose = self.get_model()._meta.verbose_name
        context.update(title=f"Abort {self.object}", kind=f"Abort {verbose}", cancel_url=self.object.get_absolute_url(),
                       status_tone=STATUS_TONES.get(self.object.status, "muted"))
        return context


class LineFilterMixin(df.FilterSet):
    """Consortium and centre filters for lines (modifications, phenotyping), so the summary's links are exact.

    A line's consortium is its attempt's plan's, or its parent line's for a line made by Cre excision. These belong
    in `colonies.filters` once the API wants them too.
    """

    consortium = df.CharFilter(method="filter_consortium", label="Consortium")
    centre = df.CharFilter(field_name="centre__code", lookup_expr="iexact", label="Centre code")

    def filter_consortium(self, queryset, name, value):
        if not value.strip():
            return queryset
        via_attempt = "parent_colony__microinjection__plan__consortium__name__iexact"
        via_parent = "parent_colony__allele_modification__parent_colony__microinjection__plan__consortium__name__iexact"
        return queryset.filter(Q(**{via_attempt: value}) | Q(**{via_parent: value}))


class AlleleModificationListFilterSet(LineFilterMixin, AlleleModificationFilterSet):
    pass


class PhenotypingAttemptListFilterSet(LineFilterMixin, PhenotypingAttemptFilterSet):
    pass


class MicroInjectionListFilterSet(MicroInjectionFilterSet):
    """The API's filters plus the centre code (superusers see every centre; the summary links name one)."""

    centre = df.CharFilter(field_name="centre__code", lookup_expr="iexact", label="Centre code")


# --- Genes: global reference data, with the centre's own work on each --------------------------------------------


class GeneListView(ScopedListView):
    filterset_class = GeneFilterSet
    scoped = False
    columns = [("Symbol", "symbol"), ("MGI id", "mgi_id"), ("Name", "name"), ("Chromosome", "chromosome")]


class GeneDetailView(ScopedDetailView):
    """A gene is shared by every centre; the tables below it show only the user's centre's plans and colonies."""

    model = Gene
    scoped = False
    fields = [("Symbol", "symbol"), ("MGI id", "mgi_id"), ("Name", "name"), ("Chromosome", "chromosome")]

    def get_sections(self):
        user, gene = self.request.user, self.object
        plans = scope_for_user(Plan.objects.filter(gene=gene, voided_at__isnull=True), user)
        colonies = scope_for_user(Colony.objects.filter(gene=gene, voided_at__isnull=True), user)
        return [
            Section("Plans", [("Consortium", "consortium.name"), ("Priority", "priority"), ("Active", "is_active")],
                    plans.select_related("consortium")),
            Section("Colonies", [("Name", "name"), ("Genotype", "genotype_status", True)], colonies),
        ]


# --- Plans ----------------------------------------------------------------------------------------------------------


PLAN_COLUMNS = [("Gene", "gene.symbol"), ("Consortium", "consortium.name"), ("Priority", "priority"),
                ("Active", "is_active"), ("Withdrawn", "withdrawn")]


class PlanListView(ScopedListView):
    filterset_class = PlanFilterSet
    selector = selectors.plan_list
    columns = PLAN_COLUMNS


class PlanDetailView(ScopedDetailView):
    model = Plan
    selector = selectors.plan_list
    fields = [("Gene", "gene"), *PLAN_COLUMNS[1:], ("Withdrawal reason", "withdrawal_reason"), ("Comment", "comment")]

    def get_sections(self):
        attempts = self.object.microinjections.filter(voided_at__isnull=True).select_related("es_cell")
        may_add = can_write(self.request.user, self.area) and self.object.is_active and not self.object.withdrawn
        return [Section("Micro-injection attempts", MICROINJECTION_SECTION, attempts,
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

QC_TONES = {"pass": "success", "passb": "success", "fail": "danger", "limit": "warning", "na": "muted"}


QC_WORDS = {"pcr": "PCR", "qpcr": "qPCR", "lr": "LR", "sr": "SR", "srpcr": "SR-PCR", "loxp": "loxP", "loa": "LOA",
            "tv": "TV", "lacz": "lacZ"}


def _qc_label(test: str) -> str:
    """`five_prime_lr_pcr` → "Five prime LR PCR": the iMits column names, readable."""
    words = [QC_WORDS.get(word, word) for word in test.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def _qc_rows(tests, results: dict) -> list[tuple[str, str, str, str]]:
    """(test, label, value, tone) for every known test; a production test never run reads "na" (iMits)."""
    rows = []
    for test, default in tests:
        value = str((results or {}).get(test, default))
        tone = QC_TONES.get(value, "danger" if value.startswith(("fail", "double")) else "muted") if value else ""
        rows.append((test, _qc_label(test), value, tone))
    return rows


class EsCellListView(ScopedListView):
    filterset_class = EsCellFilterSet
    import_url_name = "colonies_import:escell_import"
    selector = selectors.es_cell_list
    columns = [("Name", "name"), ("Gene", "gene.symbol"), ("Allele", "allele_symbol_superscript"),
               ("Allele type", "allele_type"), ("Pipeline", "pipeline"), ("Parental cell line", "parental_cell_line")]


class EsCellDetailView(ScopedDetailView):
    """The clone with its QC as two tables: user QC as entered, production-centre QC with every test (na if unset)."""

    model = EsCell
    selector = selectors.es_cell_list
    fields = [("Name", "name"), ("Gene", "gene"), ("Allele type", "allele_type"),
              ("Allele superscript", "allele_symbol_superscript"), ("MGI allele id", "mgi_allele_id"),
              ("Pipeline", "pipeline"), ("Parental cell line", "parental_cell_line"), ("Strain", "strain")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["qc_tables"] = [
            ("User QC", _qc_rows([(t, "") for t in services.USER_QC_TESTS], self.object.user_qc)),
            ("Production-centre QC", _qc_rows([(t, "na") for t in services.PRODUCTION_QC_TESTS],
                                              self.object.production_qc)),
        ]
        return context

    def get_sections(self):
        attempts = self.object.microinjections.filter(voided_at__isnull=True).select_related("es_cell")
        return [Section("Micro-injection attempts", MICROINJECTION_SECTION, attempts)]


class EsCellCreateView(ScopedCreateView):
    form_class = forms.EsCellForm
    service = services.es_cell_create


class EsCellUpdateView(ScopedUpdateView):
    form_class = forms.EsCellForm
    service = services.es_cell_update
    selector = selectors.es_cell_list


# --- Micro-injection attempts -----------------------------------------------------------------------------------


MICROINJECTION_SECTION = [("Attempt", "external_ref"), ("ES cell", "es_cell.name"), ("MI date", "mi_date"),
                          ("Status", "status", True)]

ES_CELL_FIELDS = [
    ("ES cell", "es_cell"), ("Blast strain", "blast_strain"), ("Test cross strain", "test_cross_strain"),
    ("Blasts injected", "total_blasts_injected"), ("Transferred", "total_transferred"),
    ("Surrogates receiving", "number_surrogates_receiving"), ("Pups born", "total_pups_born"),
    ("Male chimeras", "total_male_chimeras"), ("Female chimeras", "total_female_chimeras"),
    ("Chimeras", total_chimeras), ("Date chimeras mated", "date_chimeras_mated"),
    ("Chimera matings attempted", "number_of_chimera_matings_attempted"),
    ("Chimera matings successful", "number_of_chimera_matings_successful"),
    ("Chimeras with GLT (genotyping)", "number_of_chimeras_with_glt_from_genotyping"),
    ("F1 mice from chimera matings", "total_f1_mice_from_matings"),
    ("Het offspring", "number_of_het_offspring"), ("Live GLT offspring", "number_of_live_glt_offspring"),
]
CRISPR_FIELDS = [
    ("Embryos injected", "crsp_total_embryos_injected"), ("Embryos survived", "crsp_total_embryos_survived"),
    ("Embryos transferred", "crsp_total_transfered"), ("Founder pups", "crsp_no_founder_pups"),
    ("NHEJ G0 mutants", "no_nhej_g0_mutants"), ("Deletion G0 mutants", "no_deletion_g0_mutants"),
    ("HR G0 mutants", "no_hr_g0_mutants"), ("HDR G0 mutants", "no_hdr_g0_mutants"), ("Assay", "assay_type"),
]
# The funnel drawn on the detail page: each stage of an attempt beside the one it came from.
FUNNELS = {
    MicroInjection.Kind.ES_CELL: [("Blasts injected", "total_blasts_injected"), ("Transferred", "total_transferred"),
                                  ("Pups born", "total_pups_born"), ("Chimeras", "total_chimeras"),
                                  ("Male chimeras", "total_male_chimeras"),
                                  ("Chimera matings successful", "number_of_chimera_matings_successful"),
                                  ("Het offspring", "number_of_het_offspring")],
    MicroInjection.Kind.CRISPR: [("Embryos injected", "crsp_total_embryos_injected"),
                                 ("Embryos survived", "crsp_total_embryos_survived"),
                                 ("Embryos transferred", "crsp_total_transfered"),
                                 ("Founder pups", "crsp_no_founder_pups"), ("G0 mutants", "g0_mutants")],
}


def nuclease_concentration(nuclease) -> str | None:
    """With its unit: a table header in capitals would turn µ into a Greek capital mu."""
    return f"{nuclease.concentration:g} ng/µl" if nuclease.concentration is not None else None


def count_funnel(attempt: MicroInjection) -> list[tuple[str, int | None, float]]:
    """(label, count, share of the largest count) for the bars of the detail page."""
    values = [(label, getattr(attempt, name)) for label, name in FUNNELS[attempt.kind]]
    top = max((v for _, v in values if v), default=0)
    return [(label, value, (value or 0) / top if top else 0) for label, value in values]


class MicroInjectionListView(ScopedListView):
    filterset_class = MicroInjectionListFilterSet
    import_url_name = "colonies_import:microinjection_import"
    selector = selectors.microinjection_list
    columns = [("Attempt", "external_ref"), ("Gene", "plan.gene.symbol"), ("Consortium", "plan.consortium.name"),
               ("Kind", "kind"), ("ES cell", "es_cell.name"), ("MI date", "mi_date"), ("Status", "status", True),
               ("Chimeras", total_chimeras), ("Het offspring", "number_of_het_offspring"), ("Active", "is_active")]


class MicroInjectionDetailView(TimelineMixin, ScopedDetailView):
    """The attempt's story: timeline from the stamps, the counts as a funnel and in full, CRISPR reagents."""

    model = MicroInjection
    selector = selectors.microinjection_detail_list
    select_related = ["plan__centre"]

    @property
    def fields(self):
        crispr = self.object.kind == MicroInjection.Kind.CRISPR
        return [
            ("Status", "status", True), ("Plan", "plan"), ("Kind", "kind"), ("MI date", "mi_date"),
            ("Active", "is_active"), ("Aborted because", "aborted_reason"),
            ("Colony background strain", "colony_background_strain"),
            *(CRISPR_FIELDS if crispr else ES_CELL_FIELDS), ("Comments", "comments"),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["funnel"] = count_funnel(self.object)
        return context

    def get_sections(self):
        attempt = self.object
        sections = []
        if attempt.kind == MicroInjection.Kind.CRISPR:
            sections += [
                Section("Guides", [("Sequence", "sequence"), ("PAM", "pam"), ("Chromosome", "chromosome"),
                                   ("Start", "start"), ("End", "end"), ("Strand", "strand")], attempt.guides.all()),
                Section("Nucleases", [("Type", "nuclease_type"), ("Class", "nuclease_class"),
                                      ("Concentration", nuclease_concentration)], attempt.nucleases.all()),
            ]
        colonies = attempt.colonies.filter(voided_at__isnull=True)
        may_add = can_write(self.request.user, "colony") and attempt.status in (
            MicroInjection.Status.GENOTYPE_CONFIRMED, MicroInjection.Status.FOUNDER_OBTAINED)
        sections.append(Section("Colonies", [("Name", "name"), ("Genotype", "genotype_status", True)], colonies,
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
    filterset_class = ColonyFilterSet
    selector = selectors.colony_list
    area = "colony"
    columns = [("Name", "name"), ("Gene", "gene.symbol"), ("Allele", "allele_symbol"),
               ("Background strain", "background_strain.name"), ("Genotype", "genotype_status", True),
               ("Micro-injection", "microinjection")]


class ColonyDetailView(ScopedDetailView):
    """A colony with what grew from it: its mice, its allele modifications and its phenotyping cohorts."""

    model = Colony
    selector = selectors.colony_list
    area = "colony"
    fields = [("Name", "name"), ("Gene", "gene"), ("Genotype", "genotype_status", True),
              ("Micro-injection", "microinjection"), ("Allele modification", "allele_modification"),
              ("Background strain", "background_strain"), ("Allele symbol", "allele_symbol"),
              ("MGI allele id", "mgi_allele_id"), ("DCC project", "project"),
              ("Submitted to the DCC", "dcc_submitted_at")]

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
        return [
            Section("Mice", MOUSE_SECTION, mice),
            Section("Allele modifications", [("Reference", "external_ref"), ("Deleter strain", "deleter_strain"),
                                             ("TAT-Cre", "tat_cre"), ("Status", "status", True)], modifications,
                    action_url=add_url("colonies:allelemodification_create"), action_label="New allele modification"),
            Section("Phenotyping attempts", [("Cohort", "colony_name"), ("Status", "status", True),
                                             ("Active", "is_active")], cohorts,
                    action_url=add_url("colonies:phenotypingattempt_create"), action_label="New phenotyping attempt"),
        ]


class ColonyCreateView(PrefillFromQueryMixin, ScopedCreateView):
    form_class = forms.ColonyForm
    service = services.colony_create
    area = "colony"
    prefill = ("microinjection",)


class ColonyUpdateView(ScopedUpdateView):
    """Name and background strain lock once data reached the DCC: the service's Conflict shows on the field."""

    form_class = forms.ColonyUpdateForm
    service = services.colony_update
    selector = selectors.colony_list
    area = "colony"


# --- Allele modifications (Cre excision) ------------------------------------------------------------------------


class AlleleModificationListView(ScopedListView):
    filterset_class = AlleleModificationListFilterSet
    selector = selectors.allele_modification_list
    select_related = ["parent_colony__gene"]
    columns = [("Reference", "external_ref"), ("Parent colony", "parent_colony"),
               ("Gene", "parent_colony.gene.symbol"), ("Deleter strain", "deleter_strain.name"),
               ("TAT-Cre", "tat_cre"), ("Allele type", "allele_type"), ("Status", "status", True),
               ("Active", "is_active")]


class AlleleModificationDetailView(TimelineMixin, ScopedDetailView):
    model = AlleleModification
    selector = selectors.allele_modification_list
    select_related = ["parent_colony__gene"]
    fields = [("Status", "status", True), ("Parent colony", "parent_colony"), ("Gene", "parent_colony.gene"),
              ("Child colony", "child_colony"), ("Deleter strain", "deleter_strain"), ("TAT-Cre", "tat_cre"),
              ("Cre matings started", "number_of_cre_matings_started"),
              ("Cre matings successful", "number_of_cre_matings_successful"), ("Allele type", "allele_type"),
              ("Background strain", "background_strain"), ("Active", "is_active"),
              ("Aborted because", "aborted_reason")]


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
    filterset_class = PhenotypingAttemptListFilterSet
    selector = selectors.phenotyping_attempt_list
    select_related = ["parent_colony__gene"]
    columns = [("Cohort", "colony_name"), ("Parent colony", "parent_colony"), ("Gene", "parent_colony.gene.symbol"),
               ("Background strain", "background_strain.name"), ("Status", "status", True), ("Active", "is_active")]


class PhenotypingAttemptDetailView(TimelineMixin, ScopedDetailView):
    model = PhenotypingAttempt
    selector = selectors.phenotyping_attempt_list
    select_related = ["parent_colony__gene"]
    fields = [("Status", "status", True), ("Cohort", "colony_name"), ("Parent colony", "parent_colony"),
              ("Gene", "parent_colony.gene"), ("Background strain", "background_strain"),
              ("Phenotyping started", "phenotyping_started"), ("Phenotyping complete", "phenotyping_complete"),
              ("Active", "is_active"), ("Aborted because", "aborted_reason")]


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


# --- Mice -------------------------------------------------------------------------------------------------------------


def _born(mouse):
    """The date of birth, or an embryo's stage (an embryo has none)."""
    if mouse.is_embryo:
        return f"embryo, {mouse.stage} {mouse.stage_unit}".strip()
    return mouse.date_of_birth


MOUSE_SECTION = [("Mouse ID", "specimen_id"), ("Sex", "sex"), ("Date of birth", _born),
                 ("Zygosity", "zygosity"), ("Status", "status", True)]


def _current_cage(mouse):
    placements = getattr(mouse, "current_placements", [])
    return placements[0].cage if placements else None


def _genotype(mouse) -> str:
    alleles = "; ".join(f"{a.allele}: {a.get_zygosity_display().lower()}" for a in mouse.alleles.all())
    return alleles or mouse.get_zygosity_display() or "not genotyped"


class MouseListView(ScopedListView):
    """Mice with where they are now; breeders are labelled so they are never mistaken for stock."""

    filterset_class = MouseFilterSet
    selector = selectors.mouse_list
    filter_bar_exclude = ["updated_since"]  # for API clients syncing changes
    area = "colony"
    columns = [("Mouse ID", "specimen_id"), ("Ear mark", "ear_mark"), ("Colony", "colony"), ("Strain", "strain.name"),
               ("Sex", "sex"), ("Date of birth", _born), ("Genotype", _genotype),
               ("Baseline", "is_baseline"), ("Cage", _current_cage), ("Breeding", "breeding_status"),
               ("Litter", "litter_code"), ("Status", "status", True)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_write"] = can_write(self.request.user, self.area)
        return context


class MouseDetailView(ScopedDetailView):
    """A mouse: its pedigree drawn, its cage history, genotypes, schedule and experiments."""

    model = Mouse
    selector = selectors.mouse_list
    area = "colony"
    fields = [("Mouse ID", "specimen_id"), ("Ear mark", "ear_mark"), ("Colony", "colony"), ("Strain", "strain"),
              ("Generation", "generation"), ("Sex", "sex"), ("Date of birth", _born),
              ("Genotype", _genotype), ("Baseline", "is_baseline"), ("Cage", _current_cage),
              ("Sire", "sire"), ("Dam", "dam"), ("Litter", "litter"), ("Breeding", "breeding_status"),
              ("Status", "status", True), ("Status date", "status_date"), ("Status reason", "status_reason"),
              ("Specimen status code", "specimen_status_code"), ("Specimen status date", "specimen_status_date"),
              ("Sent to the DCC", "dcc_submitted_at")]

    def get_actions(self):
        mouse = self.object
        if not can_write(self.request.user, self.area):
            return []
        correct = ([("Correct identity", reverse("colonies:mouse_correct", args=[mouse.pk]))]
                   if mouse.dcc_submitted_at is not None else [])
        if not mouse.is_alive:
            return correct
        action = reverse("colonies:mice_action")
        return [("Move", f"{action}?mice={mouse.pk}&action=move"),
                ("Record genotype", f"{reverse('colonies:genotyperesult_create')}?mouse={mouse.pk}"),
                ("Cull", f"{action}?mice={mouse.pk}&action=cull"), *correct]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context.get("tab") != "history":
            context["pedigree"] = pedigree_of(self.object)
        return context

    def get_sections(self):
        mouse = self.object
        placements = mouse.placements.select_related("cage__rack__room").order_by("-started_on", "-pk")
        results = mouse.genotype_results.filter(voided_at__isnull=True).select_related("assay", "sample")
        tests = mouse.scheduled_tests.select_related("procedure").order_by("due_date", "procedure__key")
        experiments = mouse.experiments.filter(voided_at__isnull=True).select_related("procedure")
        return [
            Section("Cage history", [("Cage", "cage"), ("Room", "cage.rack.room"), ("In", "started_on"),
                                     ("Out", "ended_on"), ("Reason", "reason")], placements,
                    empty="Never placed in a cage."),
            Section("Genotyping results", [("Assay", "assay"), ("Allele", "assay.allele"), ("Call", "call"),
                                           ("Zygosity", "zygosity"), ("Sample", "sample"), ("Tested", "tested_on")],
                    results, empty="Not genotyped yet."),
            Section("Scheduled tests", [("Procedure", "procedure.name"), ("Key", "procedure.key"),
                                        ("Due", "due_date"), ("Window ends", "window_end"),
                                        ("Status", "status", True)], tests, empty="Not enrolled in a pipeline."),
            Section("Experiments", [("Procedure", "procedure.name"), ("Date", "date_of_experiment"),
                                    ("Sequence", "sequence_id"), ("Experimenter", "experimenter"),
                                    ("Status", "status", True)], experiments),
        ]


class MouseCreateView(PrefillFromQueryMixin, ScopedCreateView):
    form_class = MouseForm
    service = services.mouse_create
    area = "colony"
    prefill = ("colony", "cage")


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
