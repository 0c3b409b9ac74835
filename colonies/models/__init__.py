"""The colonies app's models: production (`production`), colony management (`husbandry`) and `genotyping`."""
from colonies.models.genotyping import GenotypeResult, GenotypingAssay, GenotypingSample, ZygosityRule
from colonies.models.husbandry import (
    Cage,
    CagePlacement,
    ColonySettings,
    Litter,
    Mating,
    MatingFemale,
    Mouse,
    MouseAllele,
    MouseIdCounter,
    Rack,
    Reminder,
    Room,
    StrainSetting,
)
from colonies.models.production import (
    AlleleModification,
    Colony,
    CrisprGuide,
    EsCell,
    MicroInjection,
    Nuclease,
    PhenotypingAttempt,
    Plan,
    StatusStamp,
)

__all__ = [
    "AlleleModification", "Cage", "CagePlacement", "Colony", "ColonySettings", "CrisprGuide", "EsCell",
    "GenotypeResult", "GenotypingAssay", "GenotypingSample", "Litter", "Mating", "MatingFemale", "MicroInjection",
    "Mouse", "MouseAllele", "MouseIdCounter", "Nuclease", "PhenotypingAttempt", "Plan", "Rack", "Reminder", "Room",
    "StatusStamp", "StrainSetting", "ZygosityRule",
]
