"""Template context: the navigation by area, and what the current user may write."""
from lims.roles import WRITE_ROLES, can_write

NAVIGATION = [
    ("Production", [("Genes", "colonies:gene_list"), ("Plans", "colonies:plan_list"),
                    ("ES cells", "colonies:escell_list"), ("Micro-injections", "colonies:microinjection_list"),
                    ("Colonies", "colonies:colony_list"), ("Allele modifications", "colonies:allelemodification_list"),
                    ("Phenotyping attempts", "colonies:phenotypingattempt_list"),
                    ("Production summary", "colonies:production_summary")]),
    ("Colony", [("Mice", "colonies:mouse_list"), ("Cages", "colonies:cage_list"), ("Matings", "colonies:mating_list"),
                ("Litters", "colonies:litter_list"), ("Rooms", "colonies:room_list"),
                ("To be genotyped", "colonies:genotyping_todo"), ("Genotyping results", "colonies:genotyperesult_list"),
                ("Genotyping assays", "colonies:assay_list"), ("To-do", "colonies:todo"),
                ("Census", "colonies:census"), ("Settings", "colonies:colony_settings")]),
    ("Phenotyping", [("Worklist", "procedures:worklist"), ("Scheduled tests", "procedures:scheduledtest_list"),
                     ("Experiments", "procedures:experiment_list")]),
    ("DCC", [("Export", "dcc:overview"), ("Submissions", "dcc:submission_list")]),
    ("Reports", [("Production report", "reports:production"),
                 ("Breeding report", "reports:breeding"), ("Phenotyping report", "reports:phenotyping"),
                 ("DCC report", "reports:dcc"), ("Phenotype QC", "reports:qc")]),
]


def navigation(request):
    user = getattr(request, "user", None)
    writable = {area for area in WRITE_ROLES if user is not None and can_write(user, area)}
    return {"navigation": NAVIGATION, "writable_areas": writable}
