"""Every write of the colonies app, re-exported so callers import `colonies.services` (style.md B1)."""
from colonies.services.breeding import (
    Pup,
    breeders_retire,
    litter_create,
    litter_update,
    litter_wean,
    mating_create,
    mating_end,
    mating_separate_male,
    mating_update,
)
from colonies.services.colony_settings import colony_settings_update, strain_setting_set
from colonies.services.common import stamps_sync
from colonies.services.digest import reminder_digest_send
from colonies.services.genotyping import (
    assay_create,
    assay_update,
    derive_zygosity,
    result_record,
    result_void,
    sample_create,
    zygosity_rule_create,
    zygosity_rule_delete,
    zygosity_rule_update,
)
from colonies.services.housing import (
    cage_close,
    cage_create,
    cage_update,
    mice_move,
    mice_set_status,
    next_mouse_id,
    rack_create,
    room_create,
    room_update,
)
from colonies.services.lines import (
    allele_modification_abort,
    allele_modification_create,
    allele_modification_holding_statuses,
    allele_modification_update,
    colony_create,
    colony_import,
    colony_update,
    gene_register,
    phenotyping_attempt_abort,
    phenotyping_attempt_create,
    phenotyping_attempt_holding_statuses,
    phenotyping_attempt_update,
    phenotyping_started_for,
    phenotyping_started_for_cohorts,
    strain_register,
)
from colonies.services.mice import mouse_correct, mouse_create, mouse_import, mouse_update
from colonies.services.plate import WELLS, PlateNotAllowed, Well, plate_record
from colonies.services.production import (
    COUNT_LABELS,
    COUNT_PARENTS,
    COUNT_RULES,
    PRODUCTION_QC_TESTS,
    USER_QC_TESTS,
    es_cell_create,
    es_cell_update,
    microinjection_abort,
    microinjection_count_errors,
    microinjection_create,
    microinjection_derive_status,
    microinjection_holding_statuses,
    microinjection_refresh_status,
    microinjection_update,
    plan_create,
    plan_update,
    plan_warnings,
    strain_for_cell_line,
)
from colonies.services.reminders import (
    reminder_done,
    reminder_reopen,
    reminders_compute,
    reminders_compute_all,
)
from colonies.services.rules import NeedsConfirmation

__all__ = [
    "colony_settings_update", "strain_setting_set",
    "NeedsConfirmation", "Pup", "breeders_retire", "cage_close", "cage_create", "cage_update", "litter_create",
    "litter_update", "litter_wean", "mating_create", "mating_end", "mating_separate_male", "mating_update",
    "mice_move", "mice_set_status", "next_mouse_id", "rack_create", "room_create", "room_update",
    "COUNT_LABELS", "COUNT_PARENTS", "COUNT_RULES", "PRODUCTION_QC_TESTS", "USER_QC_TESTS",
    "allele_modification_abort", "allele_modification_create",
    "allele_modification_holding_statuses", "allele_modification_update", "colony_create", "colony_import", "colony_update", "gene_register",
    "es_cell_create", "es_cell_update", "microinjection_abort", "microinjection_count_errors",
    "microinjection_create", "microinjection_derive_status", "microinjection_holding_statuses",
    "microinjection_refresh_status", "microinjection_update", "mouse_correct", "mouse_create", "mouse_import",
    "mouse_update",
    "phenotyping_attempt_abort", "phenotyping_attempt_create", "phenotyping_attempt_holding_statuses",
    "phenotyping_attempt_update", "phenotyping_started_for", "phenotyping_started_for_cohorts",
    "plan_create", "plan_update", "plan_warnings",
    "stamps_sync", "strain_for_cell_line", "strain_register",
    # genotyping
    "assay_create", "assay_update", "derive_zygosity", "result_record", "result_void", "sample_create",
    "zygosity_rule_create", "zygosity_rule_delete", "zygosity_rule_update",
    "WELLS", "PlateNotAllowed", "Well", "plate_record",
    "reminder_digest_send", "reminder_done", "reminder_reopen", "reminders_compute", "reminders_compute_all",
]
