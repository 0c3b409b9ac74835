"""Factories of the phenotyping definitions: the IMPC_001 pipeline and the body weight procedure with its
parameters as the shared IMPReSS subset defines them."""
import factory
from factory.django import DjangoModelFactory

from procedures.models import Parameter, Pipeline, Procedure


class PipelineFactory(DjangoModelFactory):
    class Meta:
        model = Pipeline
        django_get_or_create = ("key",)

    key = "IMPC_001"
    name = "IMPC Pipeline"


class ProcedureFactory(DjangoModelFactory):
    class Meta:
        model = Procedure
        django_get_or_create = ("pipeline", "key")

    pipeline = factory.SubFactory(PipelineFactory)
    key = "IMPC_BWT_001"
    name = "Body Weight"
    version = "1.3"
    week = None


def body_weight_procedure() -> Procedure:
    """IMPC_BWT_001 with its parameters exactly as the shared IMPReSS subset defines them."""
    procedure = ProcedureFactory()
    specs = [
        ("IMPC_BWT_001_001", "Body weight", "simple", "FLOAT", "g", True),
        ("IMPC_BWT_002_001", "General comments about the mouse", "simple", "TEXT", "", False),
        ("IMPC_BWT_003_001", "Equipment ID", "metadata", "TEXT", "", True),
        ("IMPC_BWT_004_001", "Equipment manufacturer", "metadata", "TEXT", "", True),
        ("IMPC_BWT_005_001", "Experimenter ID", "metadata", "TEXT", "", True),
        ("IMPC_BWT_006_001", "Date equipment last calibrated", "metadata", "DATE", "", False),
        ("IMPC_BWT_007_001", "Equipment model", "metadata", "TEXT", "", True),
    ]
    for order, (key, name, ptype, vtype, unit, required) in enumerate(specs):
        Parameter.objects.get_or_create(
            procedure=procedure, key=key,
            defaults={"name": name, "type": ptype, "value_type": vtype, "unit": unit, "required": required,
                      "order": order},
        )
    return procedure


BODY_WEIGHT_VALUES = {
    "IMPC_BWT_001_001": "24.5",
    "IMPC_BWT_003_001": "SCALE-01",
    "IMPC_BWT_004_001": "Sartorius",
    "IMPC_BWT_005_001": "42",
    "IMPC_BWT_007_001": "BP221S",
}
