"""Forms for production: ModelForms without status (services derive it), choices of the user's centre.

Forms only collect input. Rules live in `colonies.services`; their errors come back onto these forms through
`lims.forms.add_service_errors`. Fields that are not model fields (`confirm_warnings`, `child_colony_name`, the
CRISPR formsets) are read by the views and passed to the services explicitly.
"""
from django import forms
from django.db.models import Case, Q, Value, When

from colonies.models import (
    AlleleModification,
    Colony,
    CrisprGuide,
    EsCell,
    MicroInjection,
    Nuclease,
    PhenotypingAttempt,
    Plan,
)
from colonies.services.production import COUNT_LABELS
from lims.forms import ConfirmWarningsMixin, ScopedModelForm, numeric_inputs
from lims.models import Strain

MAX_GUIDES = 3
MAX_NUCLEASES = 2


def _strain_choices(form: forms.BaseForm, name: str, **flags) -> None:
    """Offer only the strains that may play this role (background, deleter …); the one already chosen stays."""
    if name not in form.fields:
        return
    current = getattr(form.instance, f"{name}_id", None)
    condition = Q(**flags) | Q(pk=current) if current else Q(**flags)
    form.fields[name].queryset = Strain.objects.filter(condition)


# --- Plans ------------------------------------------------------------------------------------------------------


class PlanForm(ConfirmWarningsMixin, ScopedModelForm):
    class Meta:
        model = Plan
        fields = ["gene", "consortium", "priority", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class PlanUpdateForm(ScopedModelForm):
    """Gene and consortium define the plan and stay; withdrawing asks why (the service refuses a bare withdrawal)."""

    class Meta:
        model = Plan
        fields = ["priority", "is_active", "withdrawn", "withdrawal_reason", "comment"]
        labels = {"withdrawn": "Withdrawn (say why below)"}
        widgets = {"comment": forms.Textarea(attrs={"rows": 3}), "withdrawal_reason": forms.Textarea(attrs={"rows": 2})}


# --- ES cells ---------------------------------------------------------------------------------------------------


class EsCellForm(ScopedModelForm):
    class Meta:
        model = EsCell
        fields = ["name", "gene", "allele_type", "allele_symbol_superscript", "mgi_allele_id", "pipeline",
                  "parental_cell_line", "strain"]
        labels = {"allele_symbol_superscript": "Allele superscript"}
        help_texts = {"parental_cell_line": "e.g. JM8A3.N1, JM8.N4, AB2.2; it implies the strain."}


# --- Micro-injection attempts -----------------------------------------------------------------------------------

ES_CELL_COUNTS = [
    "total_blasts_injected", "total_transferred", "number_surrogates_receiving", "total_pups_born",
    "total_male_chimeras", "total_female_chimeras", "date_chimeras_mated",
    "number_of_chimera_matings_attempted", "number_of_chimera_matings_successful",
    "number_of_chimeras_with_glt_from_genotyping", "total_f1_mice_from_matings", "number_of_live_glt_offspring",
    "number_of_het_offspring",
]
ES_CELL_ONLY = ["es_cell", "blast_strain", "test_cross_strain"]
CRISPR_COUNTS = [
    "crsp_total_embryos_injected", "crsp_total_embryos_survived", "crsp_total_transfered", "crsp_no_founder_pups",
    "no_nhej_g0_mutants", "no_deletion_g0_mutants", "no_hr_g0_mutants", "no_hdr_g0_mutants", "assay_type",
]


class MicroInjectionForm(ConfirmWarningsMixin, ScopedModelForm):
    """The attempt as the lab records it; the status follows from the counts (`microinjection_derive_status`).

    Both kinds share one form: the template shows the ES cell or the CRISPR counts depending on `kind`, and the
    view adds the guide and nuclease rows for CRISPR. Creating never asks for `is_active`: a new attempt is active,
    and aborting is its own action with a reason.
    """

    class Meta:
        model = MicroInjection
        fields = [
            "plan", "kind", "es_cell", "external_ref", "mi_date", "is_active",
            "blast_strain", "test_cross_strain", "colony_background_strain",
            *ES_CELL_COUNTS, *CRISPR_COUNTS, "comments",
        ]
        labels = {
            "is_active": "Active (untick to abort the attempt; Abort asks for a reason)", "es_cell": "ES cell",
            "mi_date": "MI date", "external_ref": "External reference",
            # The count errors name the counts in these same words ("Pups born", "Male + female chimeras").
            **COUNT_LABELS,
        }
        widgets = {"comments": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = self.fields["plan"].queryset.select_related("gene", "consortium", "centre")
        self.fields["es_cell"].help_text = "ES cell attempts only; its gene must be the plan's gene (listed first)."
        self._plan_gene_first()
        self.fields["confirm_warnings"].help_text = "I have read the warnings above and still want to inject."
        _strain_choices(self, "blast_strain", is_blast=True)
        _strain_choices(self, "test_cross_strain", is_test_cross=True)
        _strain_choices(self, "colony_background_strain", is_background=True)
        if self.instance.pk is None:
            del self.fields["is_active"]
        else:
            # The kind decides which counts and reagents make sense; it is fixed once the attempt exists.
            self.fields["kind"].disabled = True
        numeric_inputs(self)

    def _plan_gene_first(self) -> None:
        """The ES cell choices of the plan's gene come first (issue 14: fewer clicks; the other clones stay listed
        after them: a centre may hold the right clone under an older symbol)."""
        plan_id = (self.data.get(self.add_prefix("plan")) if self.is_bound else None) or self.initial.get("plan") \
            or self.instance.plan_id
        plan_id = getattr(plan_id, "pk", plan_id)
        field = self.fields["es_cell"]
        gene_id = Plan.objects.filter(pk=plan_id).values_list("gene_id", flat=True).first() if str(
            plan_id or "").isdigit() else None
        if gene_id is not None:
            field.queryset = field.queryset.annotate(
                other_gene=Case(When(gene_id=gene_id, then=Value(0)), default=Value(1))).order_by("other_gene", "name")

    @property
    def kind(self) -> str:
        """The kind being entered: what was posted on create, the stored one on update."""
        if self.is_bound and not self.fields["kind"].disabled:
            return self.data.get(self.add_prefix("kind"), MicroInjection.Kind.ES_CELL)
        return self.instance.kind or MicroInjection.Kind.ES_CELL

    def field_groups(self) -> list[tuple[str, str, list]]:
        """(title, kind, bound fields) for the template: shared fields, then each kind's counts."""
        groups = {"": [], MicroInjection.Kind.ES_CELL: [], MicroInjection.Kind.CRISPR: []}
        for bound in self:
            if bound.name == "confirm_warnings":
                continue
            kind = (MicroInjection.Kind.ES_CELL if bound.name in ES_CELL_COUNTS or bound.name in ES_CELL_ONLY
                    else MicroInjection.Kind.CRISPR if bound.name in CRISPR_COUNTS else "")
            groups[kind].append(bound)
        return [("Attempt", "", groups[""]), ("ES cell attempt", MicroInjection.Kind.ES_CELL,
                                              groups[MicroInjection.Kind.ES_CELL]),
                ("CRISPR attempt", MicroInjection.Kind.CRISPR, groups[MicroInjection.Kind.CRISPR])]


class CrisprGuideForm(forms.ModelForm):
    """One guide row; a blank row is ignored. Sequence rules (≥ 16 bases, end - start + 1) are the service's."""

    class Meta:
        model = CrisprGuide
        fields = ["sequence", "pam", "chromosome", "start", "end", "strand"]
        widgets = {"sequence": forms.TextInput(attrs={"class": "input--sequence", "spellcheck": "false",
                                                      "autocapitalize": "characters", "autocomplete": "off"})}


class NucleaseForm(forms.ModelForm):
    class Meta:
        model = Nuclease
        fields = ["nuclease_type", "nuclease_class", "concentration"]


# Stored rows get a "Remove" box; blank extra rows are ignored. The service replaces the whole list on save.
GuideFormSet = forms.formset_factory(CrisprGuideForm, extra=MAX_GUIDES, max_num=MAX_GUIDES, validate_max=True,
                                     can_delete=True, can_delete_extra=False)
NucleaseFormSet = forms.formset_factory(NucleaseForm, extra=MAX_NUCLEASES, max_num=MAX_NUCLEASES, validate_max=True,
                                        can_delete=True, can_delete_extra=False)


def reagent_formsets(*, data=None, attempt: MicroInjection | None = None) -> dict[str, forms.BaseFormSet]:
    """The guide and nuclease rows, filled from `attempt` when editing (blank rows up to the maximum)."""
    guides = [{f: getattr(g, f) for f in CrisprGuideForm._meta.fields} for g in attempt.guides.all()] if attempt else []
    nucleases = ([{f: getattr(n, f) for f in NucleaseForm._meta.fields} for n in attempt.nucleases.all()]
                 if attempt else [])
    formsets = {
        "guides": GuideFormSet(data, prefix="guides", initial=guides or None),
        "nucleases": NucleaseFormSet(data, prefix="nucleases", initial=nucleases or None),
    }
    for formset in formsets.values():
        for form in formset.forms:
            numeric_inputs(form)
    return formsets


def formset_rows(formset: forms.BaseFormSet) -> list[dict]:
    """The kept rows of a valid formset as the list of dicts the service takes (blank and removed rows left out)."""
    return [
        {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class AbortForm(forms.Form):
    """Why a production record stops; the service refuses a reason shorter than a few words."""

    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
        help_text="Kept with the record and shown in its history, e.g. 'no chimeras after three transfers'.",
    )


# --- Colonies ---------------------------------------------------------------------------------------------------


class ColonyForm(ScopedModelForm):
    """A colony from a genotype-confirmed attempt of the centre (or a CRISPR attempt with founders); the gene is
    taken from the attempt when left empty."""

    class Meta:
        model = Colony
        fields = ["name", "microinjection", "gene", "background_strain", "allele_symbol", "mgi_allele_id", "project"]
        help_texts = {"gene": "Left empty, the gene of the micro-injection attempt is used."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        S, K = MicroInjection.Status, MicroInjection.Kind
        attempts = self.fields["microinjection"].queryset
        self.fields["microinjection"].queryset = attempts.filter(
            Q(status=S.GENOTYPE_CONFIRMED) | Q(kind=K.CRISPR, status=S.FOUNDER_OBTAINED))
        self.fields["gene"].required = False
        _strain_choices(self, "background_strain", is_background=True)


class ColonyUpdateForm(ScopedModelForm):
    """The colony's own data; its origin (attempt or modification) and gene stay. The genotype status is set by
    people (GenTaR: user transitions), so unlike the derived attempt statuses it is on the form."""

    class Meta:
        model = Colony
        fields = ["name", "background_strain", "genotype_status", "allele_symbol", "mgi_allele_id", "project"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _strain_choices(self, "background_strain", is_background=True)


# --- Allele modifications and phenotyping attempts ---------------------------------------------------------------


def _confirmed_colonies(form: forms.BaseForm) -> None:
    """Both start from a genotype-confirmed colony of the centre (the service checks it again)."""
    field = form.fields["parent_colony"]
    field.queryset = field.queryset.filter(genotype_status=Colony.GenotypeStatus.CONFIRMED).select_related("gene")


class AlleleModificationForm(ScopedModelForm):
    class Meta:
        model = AlleleModification
        fields = ["parent_colony", "external_ref", "deleter_strain", "tat_cre", "number_of_cre_matings_started",
                  "number_of_cre_matings_successful", "allele_type", "background_strain"]
        labels = {"external_ref": "External reference"}

    child_colony_name = forms.CharField(
        max_length=125, required=False, label="Child colony name",
        help_text="The colony the excision makes; left empty, it takes the external reference.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _strain_choices(self, "deleter_strain", is_deleter=True)
        _strain_choices(self, "background_strain", is_background=True)
        if self.instance.pk is None:
            _confirmed_colonies(self)
        else:
            del self.fields["child_colony_name"]  # the child colony exists: edit it on its own page
            self.fields["parent_colony"].disabled = True
        numeric_inputs(self)


class PhenotypingAttemptForm(ScopedModelForm):
    class Meta:
        model = PhenotypingAttempt
        fields = ["parent_colony", "colony_name", "background_strain", "phenotyping_complete"]
        labels = {"colony_name": "Cohort (colony) name"}
        help_texts = {
            "colony_name": "Left empty: the parent colony + '_' + your centre's code. Locked once phenotyping starts.",
            "background_strain": "Left empty: the parent colony's background strain.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _strain_choices(self, "background_strain", is_background=True)
        if self.instance.pk is None:
            _confirmed_colonies(self)
            self.fields["colony_name"].required = False
            del self.fields["phenotyping_complete"]  # nothing can be complete before its first experiment
        else:
            self.fields["parent_colony"].disabled = True

