"""HTML views for production and colonies: declarations only; `lims.views` does scoping, export, history, writes."""
from colonies import forms, selectors, services
from colonies.filters import (
    ColonyFilterSet,
    EsCellFilterSet,
    GeneFilterSet,
    MicroInjectionFilterSet,
    MouseFilterSet,
    PlanFilterSet,
)
from colonies.models import Colony, EsCell, MicroInjection, Mouse, Plan
from lims.models import Gene
from lims.scoping import scope_for_user
from lims.views import ScopedCreateView, ScopedDetailView, ScopedListView, ScopedUpdateView, Section


def total_chimeras(attempt: MicroInjection):
    return attempt.total_chimeras


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
        return [Section("Micro-injection attempts", MICROINJECTION_SECTION, attempts)]


class PlanCreateView(ScopedCreateView):
    form_class = forms.PlanForm
    service = services.plan_create


# --- ES cells -------------------------------------------------------------------------------------------------------


class EsCellListView(ScopedListView):
    filterset_class = EsCellFilterSet
    selector = selectors.es_cell_list
    columns = [("Name", "name"), ("Gene", "gene.symbol"), ("Allele", "allele_symbol_superscript"),
               ("Allele type", "allele_type"), ("Pipeline", "pipeline"), ("Parental cell line", "parental_cell_line")]


class EsCellDetailView(ScopedDetailView):
    model = EsCell
    selector = selectors.es_cell_list
    fields = [("Name", "name"), ("Gene", "gene"), ("Allele type", "allele_type"),
              ("Allele superscript", "allele_symbol_superscript"), ("MGI allele id", "mgi_allele_id"),
              ("Pipeline", "pipeline"), ("Parental cell line", "parental_cell_line"), ("Strain", "strain")]

    def get_sections(self):
        attempts = self.object.microinjections.filter(voided_at__isnull=True).select_related("es_cell")
        return [Section("Micro-injection attempts", MICROINJECTION_SECTION, attempts)]


class EsCellCreateView(ScopedCreateView):
    form_class = forms.EsCellForm
    service = services.es_cell_create


# --- Micro-injection attempts -----------------------------------------------------------------------------------


MICROINJECTION_SECTION = [("Attempt", "external_ref"), ("ES cell", "es_cell.name"), ("MI date", "mi_date"),
                          ("Status", "status", True)]


class MicroInjectionListView(ScopedListView):
    filterset_class = MicroInjectionFilterSet
    selector = selectors.microinjection_list
    columns = [("Attempt", "external_ref"), ("Gene", "plan.gene.symbol"), ("Consortium", "plan.consortium.name"),
               ("ES cell", "es_cell.name"), ("MI date", "mi_date"), ("Status", "status", True),
               ("Chimeras", total_chimeras), ("Het offspring", "number_of_het_offspring"), ("Active", "is_active")]


class MicroInjectionDetailView(ScopedDetailView):
    model = MicroInjection
    selector = selectors.microinjection_list
    select_related = ["plan__centre"]
    fields = [
        ("Status", "status", True), ("Plan", "plan"), ("ES cell", "es_cell"), ("MI date", "mi_date"),
        ("Active", "is_active"), ("Blast strain", "blast_strain"), ("Test cross strain", "test_cross_strain"),
        ("Colony background strain", "colony_background_strain"), ("Blasts injected", "total_blasts_injected"),
        ("Transferred", "total_transferred"), ("Surrogates receiving", "number_surrogates_receiving"),
        ("Pups born", "total_pups_born"), ("Male chimeras", "total_male_chimeras"),
        ("Female chimeras", "total_female_chimeras"), ("Chimeras", total_chimeras),
        ("Chimera matings attempted", "number_of_chimera_matings_attempted"),
        ("Chimera matings successful", "number_of_chimera_matings_successful"),
        ("Chimeras with GLT (genotyping)", "number_of_chimeras_with_glt_from_genotyping"),
        ("Het offspring", "number_of_het_offspring"), ("Live GLT offspring", "number_of_live_glt_offspring"),
        ("Comments", "comments"),
    ]

    def get_sections(self):
        colonies = self.object.colonies.filter(voided_at__isnull=True)
        return [Section("Colonies", [("Name", "name"), ("Genotype", "genotype_status", True)], colonies)]


class MicroInjectionCreateView(ScopedCreateView):
    form_class = forms.MicroInjectionForm
    service = services.microinjection_create


class MicroInjectionUpdateView(ScopedUpdateView):
    """Counts and dates change over weeks; the status badge is shown, and re-derived by the service on save."""

    form_class = forms.MicroInjectionForm
    service = services.microinjection_update
    selector = selectors.microinjection_list


# --- Colonies ---------------------------------------------------------------------------------------------------------


class ColonyListView(ScopedListView):
    filterset_class = ColonyFilterSet
    selector = selectors.colony_list
    area = "colony"
    columns = [("Name", "name"), ("Gene", "gene.symbol"), ("Allele", "allele_symbol"),
               ("Background strain", "background_strain.name"), ("Genotype", "genotype_status", True),
               ("Micro-injection", "microinjection")]


class ColonyDetailView(ScopedDetailView):
    model = Colony
    selector = selectors.colony_list
    area = "colony"
    fields = [("Name", "name"), ("Gene", "gene"), ("Genotype", "genotype_status", True),
              ("Micro-injection", "microinjection"), ("Background strain", "background_strain"),
              ("Allele symbol", "allele_symbol"), ("MGI allele id", "mgi_allele_id"), ("DCC project", "project")]

    def get_sections(self):
        mice = self.object.mice.filter(voided_at__isnull=True)
        return [Section("Mice", MOUSE_SECTION, mice)]


class ColonyCreateView(ScopedCreateView):
    form_class = forms.ColonyForm
    service = services.colony_create
    area = "colony"


# --- Mice -------------------------------------------------------------------------------------------------------------


MOUSE_SECTION = [("Specimen ID", "specimen_id"), ("Sex", "sex"), ("Date of birth", "date_of_birth"),
                 ("Zygosity", "zygosity"), ("Status", "status", True)]


class MouseListView(ScopedListView):
    filterset_class = MouseFilterSet
    selector = selectors.mouse_list
    filter_bar_exclude = ["updated_since"]  # for API clients syncing changes
    area = "colony"
    columns = [("Specimen ID", "specimen_id"), ("Colony", "colony"), ("Strain", "strain.name"), ("Sex", "sex"),
               ("Date of birth", "date_of_birth"), ("Zygosity", "zygosity"), ("Baseline", "is_baseline"),
               ("Litter", "litter_code"), ("Status", "status", True)]


class MouseDetailView(ScopedDetailView):
    """A mouse with its schedule and its experiments: what was planned for it and what was recorded."""

    model = Mouse
    selector = selectors.mouse_list
    area = "colony"
    fields = [("Specimen ID", "specimen_id"), ("Colony", "colony"), ("Strain", "strain"), ("Sex", "sex"),
              ("Date of birth", "date_of_birth"), ("Zygosity", "zygosity"), ("Baseline", "is_baseline"),
              ("Litter", "litter_code"), ("Status", "status", True), ("Status date", "status_date"),
              ("Status reason", "status_reason")]

    def get_sections(self):
        mouse = self.object
        tests = mouse.scheduled_tests.select_related("procedure").order_by("due_date", "procedure__key")
        experiments = mouse.experiments.filter(voided_at__isnull=True).select_related("procedure")
        return [
            Section("Scheduled tests", [("Procedure", "procedure.name"), ("Key", "procedure.key"),
                                        ("Due", "due_date"), ("Window ends", "window_end"),
                                        ("Status", "status", True)], tests, empty="Not enrolled in a pipeline."),
            Section("Experiments", [("Procedure", "procedure.name"), ("Date", "date_of_experiment"),
                                    ("Sequence", "sequence_id"), ("Experimenter", "experimenter"),
                                    ("Status", "status", True)], experiments),
        ]


class MouseCreateView(ScopedCreateView):
    form_class = forms.MouseForm
    service = services.mouse_create
    area = "colony"
