"""Fixtures of the DCC export tests: an outbox per test, Harwell mice with body weights, eager tasks on demand.

Dates are relative to today because `experiment_record` refuses experiments in the future.
"""
import datetime as dt
import io

import pytest
import xmlschema
from django.conf import settings as django_settings
from django.core.management import call_command

from procedures.services import EnteredValue, experiment_record
from tests.factories import (
    BODY_WEIGHT_VALUES,
    ColonyFactory,
    MouseFactory,
    StrainFactory,
    UserFactory,
    body_weight_procedure,
)

TODAY = dt.date.today()
BORN = TODAY - dt.timedelta(weeks=20)


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    """Every test writes its work files and default deliveries under its own temporary outbox."""
    settings.LIMS_DCC_OUTBOX = tmp_path / "outbox"
    return settings.LIMS_DCC_OUTBOX



@pytest.fixture
def body_weight(db):
    return body_weight_procedure()


@pytest.fixture
def mutant(centre):
    colony = ColonyFactory(centre=centre, name="H-Pax6-TM1A", project="BaSH")
    return MouseFactory(centre=centre, colony=colony, specimen_id="H-MUT-001", date_of_birth=BORN, litter_code="L1")


@pytest.fixture
def baseline(centre):
    strain = StrainFactory(name="C57BL/6NTac", mgi_id="MGI:2164831")
    return MouseFactory(
        centre=centre, colony=None, is_baseline=True, zygosity="wild type", strain=strain,
        specimen_id="H-WT-001", date_of_birth=BORN, litter_code="",
    )


@pytest.fixture
def record_weight(body_weight, tech):
    """Return a function recording one IMPC_BWT_001 experiment for a mouse (a week ago unless told)."""

    def record(mouse, *, on: dt.date | None = None, weight: str = BODY_WEIGHT_VALUES["IMPC_BWT_001_001"]):
        values = {key: [EnteredValue(value=value)] for key, value in BODY_WEIGHT_VALUES.items()}
        values["IMPC_BWT_001_001"] = [EnteredValue(value=weight)]
        return experiment_record(
            mouse=mouse, procedure=body_weight, date_of_experiment=on or TODAY - dt.timedelta(weeks=1),
            values=values, actor=tech,
        )

    return record


@pytest.fixture(scope="session")
def official_schemas():
    """The DCC's XSDs loaded by `xmlschema`, a validator independent of the lxml one the export itself uses."""
    xsd_dir = django_settings.LIMS_DCC_XSD_DIR
    return {
        "specimen": xmlschema.XMLSchema(str(xsd_dir / "core" / "specimen_definition.xsd")),
        "experiment": xmlschema.XMLSchema(str(xsd_dir / "core" / "procedure_definition.xsd")),
    }


@pytest.fixture
def reference(db):
    """The reference data a centre starts from: centres, strains, genes and the IMPReSS IMPC_001 definition."""
    call_command("load_reference", stdout=io.StringIO())


@pytest.fixture
def importer_user(reference):
    """The account the DCC import tests attribute records to (any centre's: a superuser data wrangler)."""
    return UserFactory(username="importer", centre=None, is_superuser=True, role="data_wrangler")
