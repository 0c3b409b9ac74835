"""The colonies app's models: production (`production`) and colony management (`husbandry`)."""
from colonies.models.husbandry import (
    Cage,
    CagePlacement,
    ColonySettings,
    GenotypeResult,
    GenotypingAssay,
    GenotypingSample,
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
    ZygosityRule,
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
