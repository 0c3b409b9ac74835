"""Every API route of /api/v1/, discovered from the routers, and one record of one centre for each.

`api_routes()` reads the routers included by `lims.urls.api_v1`, so a route added tomorrow shows up here by itself;
the suites then fail until `BUILDERS` (records of a centre) or `SHARED` (reference data every centre reads, with the
reason) names it. Records are built with the shared factories and the services, the way the application makes them.
"""
import datetime as dt
import importlib

from django.urls import URLResolver

from lims.models import Role

# Reference data read by every centre by design (not owned by one); they must stay read-only through the API.
SHARED = {
    "centres": "the list of IMPC centres is public to every member",
    "consortia": "consortia are shared reference data",
    "strains": "strains are shared reference data (edited in the admin)",
    "genes": "genes are loaded from MGI for everyone",
    "pipelines": "IMPReSS pipelines are the same for every centre",
    "procedures": "IMPReSS procedures are the same for every centre",
}


# API modules that serve no records, only figures computed for the caller's own centre, with where that is checked.
NOT_RECORDS = {
    "lims.reports.api": "reports aggregate the caller's centre only; tests/reports/test_figures.py builds every report "
                        "as the other centre's user and finds none of this centre's data",
}


def api_routes() -> dict[str, type]:
    """{prefix: viewset} of every router included under /api/v1/ (lims.urls.api_v1)."""
    from lims.urls import api_v1

    routes: dict[str, type] = {}
    for entry in api_v1:
        if not isinstance(entry, URLResolver):
            continue  # auth/token/: a plain view, no records
        module = entry.urlconf_name if not isinstance(entry.urlconf_name, str) else importlib.import_module(
            entry.urlconf_name)
        if module.__name__ in NOT_RECORDS:
            continue
        router = getattr(module, "router", None)
        assert router is not None, f"{module.__name__} includes API routes without a `router` this suite can read"
        for prefix, viewset, _basename in router.registry:
            assert prefix not in routes, f"route {prefix} registered twice"
            routes[prefix] = viewset
    return routes


def build_line(centre) -> dict:
    """One record per centre-owned route, all of `centre`, made by factories and services.

    Long for a reason: a flat inventory, one line per route's record, kept in one place so a new route's record is
    added beside the others."""
    from colonies import services as colony_services
    from lims.models import Strain
    from procedures import services as proc_services
    from procedures.dcc import services as dcc_services
    from procedures.models import Parameter, Procedure
    from procedures.services import EnteredValue
    from tests.factories import (
        BODY_WEIGHT_VALUES,
        CageFactory,
        GenotypingAssayFactory,
        LitterFactory,
        MouseFactory,
        ProcedureFactory,
        RoomFactory,
        StrainFactory,
        UserFactory,
        ZygosityRuleFactory,
        body_weight_procedure,
        pair_mating,
    )
    from tests.procedures.helpers import scheduled_test

    actor = UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username=f"builder-{centre.code}")
    mouse = MouseFactory(centre=centre)
    colony = mouse.colony
    attempt = colony.microinjection
    litter = LitterFactory(mating=pair_mating(centre=centre, colony=colony))
    cage = CageFactory(centre=centre)
    rule = ZygosityRuleFactory(assay=GenotypingAssayFactory(centre=centre))
    result = colony_services.result_record(actor=actor, mouse=mouse, assay=rule.assay, call=rule.call,
                                           tested_on=mouse.date_of_birth, sample_id="S-1", sample_type="ear",
                                           collected_on=mouse.date_of_birth)
    deleter = Strain.objects.filter(is_deleter=True).first() or StrainFactory(
        name="Tg(Zp3-cre)3Mrt", mgi_id="", is_deleter=True, is_background=False)
    modification = colony_services.allele_modification_create(
        actor=actor, parent_colony=colony, deleter_strain=deleter, number_of_cre_matings_started=1,
        background_strain=colony.background_strain)
    phenotyping = colony_services.phenotyping_attempt_create(actor=actor, parent_colony=colony)
    bwt = body_weight_procedure()
    test = scheduled_test(MouseFactory(centre=centre, colony=colony), bwt)
    experiment = proc_services.experiment_record(
        mouse=mouse, procedure=bwt, date_of_experiment=mouse.date_of_birth + dt.timedelta(days=30), actor=actor,
        values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()})
    fertility = ProcedureFactory(key="IMPC_FER_001", name="Fertility", level=Procedure.Level.LINE, version="1.1")
    Parameter.objects.get_or_create(procedure=fertility, key="IMPC_FER_001_001", defaults={
        "name": "Gross Findings Male", "type": "simple", "value_type": "TEXT", "required": True,
        "options": ["Fertile", "Infertile"]})
    line_experiment = proc_services.line_experiment_record(
        colony=colony, procedure=fertility, date_of_experiment=mouse.date_of_birth + dt.timedelta(days=60),
        actor=actor, values={"IMPC_FER_001_001": [EnteredValue(value="Fertile")]})
    submission = dcc_services.submission_create(centre=centre, actor=actor)
    return {
        "plans": attempt.plan, "es-cells": attempt.es_cell, "microinjections": attempt, "colonies": colony,
        "allele-modifications": modification, "phenotyping-attempts": phenotyping, "mice": mouse,
        "rooms": RoomFactory(centre=centre), "racks": cage.rack, "cages": cage, "matings": litter.mating,
        "litters": litter, "genotypes": result, "genotyping-assays": rule.assay, "zygosity-rules": rule,
        "scheduled-tests": test, "experiments": experiment, "line-experiments": line_experiment,
        "dcc-submissions": submission,
    }


# The routes `build_line` covers; a route in neither this set nor SHARED fails the suites.
BUILT = {"plans", "es-cells", "microinjections", "colonies", "allele-modifications", "phenotyping-attempts", "mice",
         "rooms", "racks", "cages", "matings", "litters", "genotypes", "genotyping-assays", "zygosity-rules",
         "scheduled-tests", "experiments", "line-experiments", "dcc-submissions"}


def allows(viewset, method: str) -> bool:
    return method.lower() in getattr(viewset, "http_method_names", ()) and {
        "post": hasattr(viewset, "create"), "patch": hasattr(viewset, "partial_update"),
        "put": hasattr(viewset, "update"), "delete": hasattr(viewset, "destroy"),
    }.get(method.lower(), True)


def serializer_for(viewset, action: str, user, method: str = "POST"):
    """The serializer the viewset would use for `action`, with a request of `user` in its context."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    django_request = getattr(APIRequestFactory(), method.lower())("/")
    django_request.user = user
    request = Request(django_request)
    request.user = user
    view = viewset(action=action, request=request, format_kwarg=None, kwargs={})
    return view.get_serializer()
