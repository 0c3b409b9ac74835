"""What a colony made from a micro-injection starts with: its name from the centre's colony-name pattern, its
background strain and its allele, so the colony manager checks three fields instead of typing them.

Only a suggestion for the form: the service (`colony_create`) still checks what is saved.
"""
from colonies.models import Colony, MicroInjection
from colonies.selectors import colony_settings_for
from colonies.services.colony_settings import colony_name_pattern_errors
from lims.identifiers import identifier_problem


def suggested_colony_name(attempt: MicroInjection) -> str:
    """The centre's pattern filled in for `attempt`, with {n} the first number not yet taken by a colony of the
    centre; "" when the pattern cannot be used or gives a name that is not a valid identifier."""
    pattern = colony_settings_for(attempt.centre_id).colony_name_pattern
    if colony_name_pattern_errors(pattern):
        return ""
    taken = set(Colony.objects.filter(centre_id=attempt.centre_id).values_list("name", flat=True))
    tokens = {"centre": attempt.centre.code, "gene": attempt.plan.gene.symbol, "attempt": attempt.external_ref,
              "es_cell": attempt.es_cell.name if attempt.es_cell_id else ""}
    for n in range(1, len(taken) + 2):
        try:
            name = pattern.format(n=n, **tokens).strip()
        except (ValueError, IndexError, KeyError):
            return ""
        if name and name not in taken:
            return "" if identifier_problem(name) else name
        if "{n" not in pattern:
            return ""
    return ""


def colony_initial(attempt: MicroInjection) -> dict:
    """The colony form's starting values for a colony of `attempt`: name, gene, background strain and allele."""
    initial = {"microinjection": attempt.pk, "gene": attempt.plan.gene_id}
    name = suggested_colony_name(attempt)
    if name:
        initial["name"] = name
    if attempt.colony_background_strain_id:
        initial["background_strain"] = attempt.colony_background_strain_id
    if attempt.es_cell_id and attempt.es_cell.allele_symbol_superscript:
        initial["allele_symbol"] = f"{attempt.plan.gene.symbol}<{attempt.es_cell.allele_symbol_superscript}>"
    return initial
