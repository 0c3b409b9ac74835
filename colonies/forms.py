"""Forms for production and colonies: ModelForms without status (services derive it), choices of the user's centre."""
from django import forms

from colonies.models import Colony, EsCell, MicroInjection, Mouse, Plan
from lims.forms import ScopedModelForm


class PlanForm(ScopedModelForm):
    class Meta:
        model = Plan
        fields = ["gene", "consortium", "priority", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class EsCellForm(ScopedModelForm):
    class Meta:
        model = EsCell
        fields = ["name", "gene", "allele_type", "allele_symbol_superscript", "mgi_allele_id", "pipeline",
                  "parental_cell_line", "strain"]
        labels = {"allele_symbol_superscript": "Allele superscript"}


class MicroInjectionForm(ScopedModelForm):
    """The attempt as the lab records it; the status follows from the counts (`microinjection_derive_status`)."""

    class Meta:
        model = MicroInjection
        fields = [
            "plan", "es_cell", "external_ref", "mi_date", "is_active",
            "blast_strain", "test_cross_strain", "colony_background_strain",
            "total_blasts_injected", "total_transferred", "number_surrogates_receiving", "total_pups_born",
            "total_male_chimeras", "total_female_chimeras",
            "number_of_chimera_matings_attempted", "number_of_chimera_matings_successful",
            "number_of_chimeras_with_glt_from_genotyping", "number_of_het_offspring", "number_of_live_glt_offspring",
            "comments",
        ]
        labels = {
            "is_active": "Active (untick to abort the attempt)", "es_cell": "ES cell", "mi_date": "MI date",
            "external_ref": "External reference",
            "number_of_chimeras_with_glt_from_genotyping": "Number of chimeras with GLT from genotyping",
            "number_of_live_glt_offspring": "Number of live GLT offspring",
        }
        widgets = {"comments": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = self.fields["plan"].queryset.select_related("gene", "consortium", "centre")
        for form_field in self.fields.values():
            if isinstance(form_field, forms.IntegerField):
                form_field.widget.attrs.update(inputmode="numeric")


class ColonyForm(ScopedModelForm):
    """A colony from a genotype-confirmed attempt of the centre; the gene is taken from the attempt when left empty."""

    class Meta:
        model = Colony
        fields = ["name", "microinjection", "gene", "background_strain", "allele_symbol", "mgi_allele_id", "project"]
        help_texts = {"gene": "Left empty, the gene of the micro-injection attempt is used."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attempts = self.fields["microinjection"].queryset
        self.fields["microinjection"].queryset = attempts.filter(status=MicroInjection.Status.GENOTYPE_CONFIRMED)
        self.fields["gene"].required = False


class MouseForm(ScopedModelForm):
    class Meta:
        model = Mouse
        fields = ["specimen_id", "colony", "is_baseline", "strain", "sex", "date_of_birth", "zygosity", "litter_code"]
