"""Template context: the navigation by area, ordered and trimmed for the user's role, and what they may write.

Each role sees its own area first (a technician Phenotyping, a colony manager Colony, a data wrangler DCC). A
technician's menu leaves out the production and breeding pages they never work on (they stay readable by URL and
through the search box, but without write buttons: `lims.roles`).
"""
from lims.models import Role
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

#: The areas of the menu in the order each role sees them; an area a role does not list is not in its menu.
ROLE_AREAS: dict[str, tuple[str, ...]] = {
    Role.TECHNICIAN: ("Phenotyping", "Colony", "Reports"),
    Role.COLONY_MANAGER: ("Colony", "Production", "Phenotyping", "Reports", "DCC"),
    Role.DATA_WRANGLER: ("DCC", "Phenotyping", "Reports", "Colony", "Production"),
    Role.CENTRE_ADMIN: ("Production", "Colony", "Phenotyping", "DCC", "Reports"),
    Role.READ_ONLY: ("Production", "Colony", "Phenotyping", "DCC", "Reports"),
}

#: Links left out of a role's menu inside an area it keeps: a technician neither sets up matings nor changes the
#: centre's breeding settings.
ROLE_HIDDEN_LINKS: dict[str, frozenset[str]] = {
    Role.TECHNICIAN: frozenset({"colonies:mating_list", "colonies:colony_settings"}),
}


def navigation_for(user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The menu of `user`: their role's areas in their role's order (everything, in the default order, for a
    superuser or a user without a known role)."""
    role = "" if user is None or user.is_superuser else getattr(user, "role", "")
    areas = dict(NAVIGATION)
    order = ROLE_AREAS.get(role, tuple(areas))
    hidden = ROLE_HIDDEN_LINKS.get(role, frozenset())
    return [(area, [link for link in areas[area] if link[1] not in hidden]) for area in order]


def navigation(request):
    user = getattr(request, "user", None)
    writable = {area for area in WRITE_ROLES if user is not None and can_write(user, area)}
    return {"navigation": navigation_for(user) if user is not None and user.is_authenticated else [],
            "writable_areas": writable}
