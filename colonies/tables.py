"""The columns of the colonies pages: what a list shows, what a detail page shows, and the tables under a record.

One definition per table (NetBox's `tables` modules): a list and its detail page, or two pages showing the same
related records (a plan's attempts and an ES cell's, a colony's mice and a litter's pups), read their columns from
here, so a column renamed or added changes everywhere at once. A column is `(header, field path or function)` with
an optional third item `True` for a status badge (`lims.views.Column.of`). Functions here only format a record
already fetched by the view's selector; none of them queries.
"""
import datetime as dt

from django.utils import timezone

from colonies.models import MicroInjection, Mouse
from lims.views import Column

# --- Production -----------------------------------------------------------------------------------------------------

GENE_COLUMNS = [("Symbol", "symbol"), ("MGI id", "mgi_id"), ("Name", "name"), ("Chromosome", "chromosome")]
GENE_PLAN_SECTION = [("Consortium", "consortium.name"), ("Priority", "priority"), ("Active", "is_active")]
COLONY_SECTION = [("Name", "name"), ("Genotype", "genotype_status", True)]

PLAN_COLUMNS = [("Gene", "gene.symbol"), ("Consortium", "consortium.name"), ("Priority", "priority"),
                ("Active", "is_active"), ("Withdrawn", "withdrawn")]
PLAN_FIELDS = [("Gene", "gene"), *PLAN_COLUMNS[1:], ("Withdrawal reason", "withdrawal_reason"),
               ("Comment", "comment")]

ES_CELL_COLUMNS = [("Name", "name"), ("Gene", "gene.symbol"), ("Allele", "allele_symbol_superscript"),
                   ("Allele type", "allele_type"), ("Pipeline", "pipeline"), ("Parental cell line", "parental_cell_line")]
ES_CELL_FIELDS = [("Name", "name"), ("Gene", "gene"), ("Allele type", "allele_type"),
                  ("Allele superscript", "allele_symbol_superscript"), ("MGI allele id", "mgi_allele_id"),
                  ("Pipeline", "pipeline"), ("Parental cell line", "parental_cell_line"), ("Strain", "strain")]

# ES cell QC: every known test with its value and tone; a production test never run reads "na" (iMits).
QC_TONES = {"pass": "success", "passb": "success", "fail": "danger", "limit": "warning", "na": "muted"}
QC_WORDS = {"pcr": "PCR", "qpcr": "qPCR", "lr": "LR", "sr": "SR", "srpcr": "SR-PCR", "loxp": "loxP", "loa": "LOA",
            "tv": "TV", "lacz": "lacZ"}


def qc_label(test: str) -> str:
    """`five_prime_lr_pcr` → "Five prime LR PCR": the iMits column names, readable."""
    words = [QC_WORDS.get(word, word) for word in test.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def qc_rows(tests, results: dict) -> list[tuple[str, str, str, str]]:
    """(test, label, value, tone) for every known test; a production test never run reads "na" (iMits)."""
    rows = []
    for test, default in tests:
        value = str((results or {}).get(test, default))
        tone = QC_TONES.get(value, "danger" if value.startswith(("fail", "double")) else "muted") if value else ""
        rows.append((test, qc_label(test), value, tone))
    return rows


def total_chimeras(attempt: MicroInjection):
    return attempt.total_chimeras


def nuclease_concentration(nuclease) -> str | None:
    """With its unit: a table header in capitals would turn µ into a Greek capital mu."""
    return f"{nuclease.concentration:g} ng/µl" if nuclease.concentration is not None else None


MICROINJECTION_SECTION = [("Attempt", "external_ref"), ("ES cell", "es_cell.name"), ("MI date", "mi_date"),
                          ("Status", "status", True)]
MICROINJECTION_COLUMNS = [("Attempt", "external_ref"), ("Gene", "plan.gene.symbol"),
                          ("Consortium", "plan.consortium.name"), ("Kind", "kind"), ("ES cell", "es_cell.name"),
                          ("MI date", "mi_date"), ("Status", "status", True), ("Chimeras", total_chimeras),
                          ("Het offspring", "number_of_het_offspring"), ("Active", "is_active")]
MICROINJECTION_FIELDS = [("Status", "status", True), ("Plan", "plan"), ("Kind", "kind"), ("MI date", "mi_date"),
                         ("Active", "is_active"), ("Aborted because", "aborted_reason"),
                         ("Colony background strain", "colony_background_strain")]
ES_CELL_ATTEMPT_FIELDS = [
    ("ES cell", "es_cell"), ("Blast strain", "blast_strain"), ("Test cross strain", "test_cross_strain"),
    ("Blasts injected", "total_blasts_injected"), ("Transferred", "total_transferred"),
    ("Surrogates receiving", "number_surrogates_receiving"), ("Pups born", "total_pups_born"),
    ("Male chimeras", "total_male_chimeras"), ("Female chimeras", "total_female_chimeras"),
    ("Chimeras", total_chimeras), ("Date chimeras mated", "date_chimeras_mated"),
    ("Chimera matings attempted", "number_of_chimera_matings_attempted"),
    ("Chimera matings successful", "number_of_chimera_matings_successful"),
    ("Chimeras with GLT (genotyping)", "number_of_chimeras_with_glt_from_genotyping"),
    ("F1 mice from chimera matings", "total_f1_mice_from_matings"),
    ("Het offspring", "number_of_het_offspring"), ("Live GLT offspring", "number_of_live_glt_offspring"),
]
CRISPR_ATTEMPT_FIELDS = [
    ("Embryos injected", "crsp_total_embryos_injected"), ("Embryos survived", "crsp_total_embryos_survived"),
    ("Embryos transferred", "crsp_total_transfered"), ("Founder pups", "crsp_no_founder_pups"),
    ("NHEJ G0 mutants", "no_nhej_g0_mutants"), ("Deletion G0 mutants", "no_deletion_g0_mutants"),
    ("HR G0 mutants", "no_hr_g0_mutants"), ("HDR G0 mutants", "no_hdr_g0_mutants"), ("Assay", "assay_type"),
]
GUIDE_SECTION = [("Sequence", "sequence"), ("PAM", "pam"), ("Chromosome", "chromosome"), ("Start", "start"),
                 ("End", "end"), ("Strand", "strand")]
NUCLEASE_SECTION = [("Type", "nuclease_type"), ("Class", "nuclease_class"),
                    ("Concentration", nuclease_concentration)]
# The funnel drawn on the detail page: each stage of an attempt beside the one it came from.
FUNNELS = {
    MicroInjection.Kind.ES_CELL: [("Blasts injected", "total_blasts_injected"), ("Transferred", "total_transferred"),
                                  ("Pups born", "total_pups_born"), ("Chimeras", "total_chimeras"),
                                  ("Male chimeras", "total_male_chimeras"),
                                  ("Chimera matings successful", "number_of_chimera_matings_successful"),
                                  ("Het offspring", "number_of_het_offspring")],
    MicroInjection.Kind.CRISPR: [("Embryos injected", "crsp_total_embryos_injected"),
                                 ("Embryos survived", "crsp_total_embryos_survived"),
                                 ("Embryos transferred", "crsp_total_transfered"),
                                 ("Founder pups", "crsp_no_founder_pups"), ("G0 mutants", "g0_mutants")],
}


def count_funnel(attempt: MicroInjection) -> list[tuple[str, int | None, float]]:
    """(label, count, share of the largest count) for the bars of the detail page."""
    values = [(label, getattr(attempt, name)) for label, name in FUNNELS[attempt.kind]]
    top = max((v for _, v in values if v), default=0)
    return [(label, value, (value or 0) / top if top else 0) for label, value in values]

COLONY_COLUMNS = [("Name", "name"), ("Gene", "gene.symbol"), ("Allele", "allele_symbol"),
                  ("Background strain", "background_strain.name"), ("Genotype", "genotype_status", True),
                  ("Micro-injection", "microinjection")]
COLONY_FIELDS = [("Name", "name"), ("Gene", "gene"), ("Genotype", "genotype_status", True),
                 ("Micro-injection", "microinjection"), ("Allele modification", "allele_modification"),
                 ("Background strain", "background_strain"), ("Allele symbol", "allele_symbol"),
                 ("MGI allele id", "mgi_allele_id"), ("DCC project", "project"),
                 ("Submitted to the DCC", "dcc_submitted_at")]
COLONY_MODIFICATION_SECTION = [("Reference", "external_ref"), ("Deleter strain", "deleter_strain"),
                               ("TAT-Cre", "tat_cre"), ("Status", "status", True)]
COLONY_COHORT_SECTION = [("Cohort", "colony_name"), ("Status", "status", True), ("Active", "is_active")]

ALLELE_MODIFICATION_COLUMNS = [("Reference", "external_ref"), ("Parent colony", "parent_colony"),
                               ("Gene", "parent_colony.gene.symbol"), ("Deleter strain", "deleter_strain.name"),
                               ("TAT-Cre", "tat_cre"), ("Allele type", "allele_type"), ("Status", "status", True),
                               ("Active", "is_active")]
ALLELE_MODIFICATION_FIELDS = [("Status", "status", True), ("Parent colony", "parent_colony"),
                              ("Gene", "parent_colony.gene"), ("Child colony", "child_colony"),
                              ("Deleter strain", "deleter_strain"), ("TAT-Cre", "tat_cre"),
                              ("Cre matings started", "number_of_cre_matings_started"),
                              ("Cre matings successful", "number_of_cre_matings_successful"),
                              ("Allele type", "allele_type"), ("Background strain", "background_strain"),
                              ("Active", "is_active"), ("Aborted because", "aborted_reason")]

PHENOTYPING_ATTEMPT_COLUMNS = [("Cohort", "colony_name"), ("Parent colony", "parent_colony"),
                               ("Gene", "parent_colony.gene.symbol"), ("Background strain", "background_strain.name"),
                               ("Status", "status", True), ("Active", "is_active")]
PHENOTYPING_ATTEMPT_FIELDS = [("Status", "status", True), ("Cohort", "colony_name"),
                              ("Parent colony", "parent_colony"), ("Gene", "parent_colony.gene"),
                              ("Background strain", "background_strain"),
                              ("Phenotyping started", "phenotyping_started"),
                              ("Phenotyping complete", "phenotyping_complete"), ("Active", "is_active"),
                              ("Aborted because", "aborted_reason")]

# --- Mice -------------------------------------------------------------------------------------------------------------


def born(mouse):
    """The date of birth, or an embryo's stage (an embryo has none)."""
    if mouse.is_embryo:
        return f"embryo, {mouse.stage} {mouse.stage_unit}".strip()
    return mouse.date_of_birth


def age_in_words(days: int) -> str:
    """An age as the animal house says it: "9 weeks 3 days", "1 week", "5 days"."""
    weeks, rest = divmod(days, 7)
    parts = [f"{weeks} week{'s' if weeks != 1 else ''}"] if weeks else []
    if rest or not weeks:
        parts.append(f"{rest} day{'s' if rest != 1 else ''}")
    return " ".join(parts)


def age(mouse, today: dt.date | None = None) -> str:
    """The mouse's age today in weeks and days; a mouse no longer alive shows its age when it left (status date).
    An embryo or a mouse without a date of birth has none ("")."""
    return age_from(kind=mouse.kind, date_of_birth=mouse.date_of_birth, status=mouse.status,
                    status_date=mouse.status_date, today=today)


def age_from(*, kind: str, date_of_birth: dt.date | None, status: str, status_date: dt.date | None,
             today: dt.date | None = None) -> str:
    """`age` from the columns alone, for lists read as `values()` rows (the lean API list)."""
    if kind == Mouse.Kind.EMBRYO or not date_of_birth:
        return ""
    alive = status == Mouse.Status.ALIVE
    until = (today or timezone.localdate()) if alive or not status_date else status_date
    days = (until - date_of_birth).days
    if days < 0:
        return ""
    return age_in_words(days) if alive else f"{age_in_words(days)} (on {until.isoformat()})"


def current_cage(mouse):
    """The mouse's cage now, from the selector's `current_placements` (0 or 1 rows)."""
    placements = getattr(mouse, "current_placements", [])
    return placements[0].cage if placements else None


def genotype(mouse) -> str:
    alleles = "; ".join(f"{a.allele}: {a.get_zygosity_display().lower()}" for a in mouse.alleles.all())
    return alleles or mouse.get_zygosity_display() or "not genotyped"


MOUSE_SECTION = [("Mouse ID", "specimen_id"), ("Sex", "sex"), ("Date of birth", born), ("Zygosity", "zygosity"),
                 ("Status", "status", True)]
MOUSE_COLUMNS = [("Mouse ID", "specimen_id"), ("Ear mark", "ear_mark"), ("Colony", "colony"), ("Strain", "strain.name"),
                 ("Sex", "sex"), ("Date of birth", born), ("Genotype", genotype), ("Baseline", "is_baseline"),
                 ("Cage", current_cage), ("Breeding", "breeding_status"), ("Litter", "litter_code"),
                 ("Status", "status", True)]
MOUSE_FIELDS = [("Mouse ID", "specimen_id"), ("Ear mark", "ear_mark"), ("Colony", "colony"), ("Strain", "strain"),
                ("Generation", "generation"), ("Sex", "sex"), ("Date of birth", born), ("Age", age),
                ("Genotype", genotype),
                ("Baseline", "is_baseline"), ("Cage", current_cage), ("Sire", "sire"), ("Dam", "dam"),
                ("Litter", "litter"), ("Breeding", "breeding_status"), ("Status", "status", True),
                ("Status date", "status_date"), ("Status reason", "status_reason"),
                ("Specimen status code", "specimen_status_code"), ("Specimen status date", "specimen_status_date"),
                ("Sent to the DCC", "dcc_submitted_at")]
MOUSE_CAGE_HISTORY = [("Cage", "cage"), ("Room", "cage.rack.room"), ("In", "started_on"), ("Out", "ended_on"),
                      ("Reason", "reason")]
MOUSE_GENOTYPES = [("Assay", "assay"), ("Allele", "assay.allele"), ("Call", "call"), ("Zygosity", "zygosity"),
                   ("Sample", "sample"), ("Tested", "tested_on")]
MOUSE_SCHEDULED_TESTS = [("Procedure", "procedure.name"), ("Key", "procedure.key"), ("Due", "due_date"),
                         ("Window ends", "window_end"), ("Status", "status", True)]
MOUSE_EXPERIMENTS = [("Procedure", "procedure.name"), ("Date", "date_of_experiment"), ("Sequence", "sequence_id"),
                     ("Experimenter", "experimenter"), ("Status", "status", True)]
#: A record's DCC validation messages (the mouse page, the experiment page, the submission page).
DCC_MESSAGE_COLUMNS = [("Message", "message"), ("Phase", "phase"), ("Status", "status"), ("Level", "level"),
                       ("Rejected", lambda m: "rejected, to fix" if m.rejected and m.fixed_by_id is None else
                        ("rejected, sent again" if m.rejected else "no")),
                       ("Report", "report_name"), ("Line", "report_line"), ("Reported", "reported_at")]
PUP_SECTION = [("Mouse", "specimen_id"), ("Sex", "sex"), ("Ear mark", "ear_mark"), ("Cage", current_cage),
               ("Status", "status", True)]

# --- Housing and breeding ---------------------------------------------------------------------------------------------

ROOM_COLUMNS = [("Building", "building"), ("Room", "name"), ("Open cages", "cage_count")]
RACK_SECTION = [("Rack", "name"), ("Positions", "positions")]
ROOM_CAGE_SECTION = [("Cage", "cage_id"), ("Rack", "rack.name"), ("Position", "position"), ("Type", "cage_type"),
                     ("Mice", "occupancy"), ("Capacity", "capacity")]
COLONY_CAGE_SECTION = [("Cage", "cage_id"), ("Room", "rack.room"), ("Rack", "rack.name"), ("Position", "position"),
                       ("Type", "cage_type"), ("Mice", "occupancy")]
CAGE_COLUMNS = [("Cage", "cage_id"), ("Type", "cage_type"), ("Room", "rack.room"), ("Rack", "rack.name"),
                ("Position", "position"), ("Mice", "occupancy"), ("Capacity", "capacity"), ("Opened", "opened_on"),
                ("Closed", "closed_on")]
CAGE_FIELDS = [*CAGE_COLUMNS, ("Notes", "notes")]
CAGE_PLACEMENT_SECTION = [("Mouse", "mouse"), ("Sex", "mouse.sex"), ("Colony", "mouse.colony"), ("In", "started_on"),
                          ("Out", "ended_on"), ("Reason", "reason")]


def females(mating) -> str:
    """The mating's current females (from the selector's `all_female_rows`)."""
    return ", ".join(row.female.specimen_id for row in mating.all_female_rows if row.left_on is None)


MATING_COLUMNS = [("Mating", "name"), ("Colony", "colony"), ("Male", "male"), ("Females", females), ("Cage", "cage"),
                  ("Set up", "set_up_on"), ("Ended", "ended_on")]
MATING_FIELDS = [*MATING_COLUMNS[:6], ("Male separated", "male_separated_on"), ("Ended", "ended_on"),
                 ("End reason", "end_reason"), ("Responsible", "responsible"), ("Notes", "notes")]
MATING_FEMALE_SECTION = [("Female", "female"), ("Joined", "joined_on"), ("Left", "left_on")]
MATING_LITTER_SECTION = [("Litter", "code"), ("Born", "born_on"), ("Born count", "born_count"),
                         ("Alive", "alive_count"), ("Weaned", "weaned_on")]
LITTER_COLUMNS = [("Litter", "code"), ("Mating", "mating"), ("Colony", "mating.colony"), ("Dam", "dam"),
                  ("Born", "born_on"), ("Born count", "born_count"), ("Alive", "alive_count"), ("Dead", "dead_count"),
                  ("Weaned", "weaned_on"), ("Mice", "pup_count")]
LITTER_FIELDS = [("Litter", "code"), ("Mating", "mating"), ("Colony", "mating.colony"), ("Sire", "mating.male"),
                 *LITTER_COLUMNS[3:9], ("Notes", "notes")]


def reminder_subject(reminder):
    """What the job is about: the litter to wean, the mouse to genotype, else the mating."""
    return reminder.litter or reminder.mouse or reminder.mating


TODO_COLUMNS = [
    Column("Due", "due_on"), Column("Kind", "kind"), Column("Subject", reminder_subject), Column("Job", "title"),
    Column("Assigned to", "assigned_to"), Column("Done at", "done_at"), Column("Done by", "done_by"),
]

# --- Genotyping -------------------------------------------------------------------------------------------------------


def calls(assay) -> str:
    return ", ".join(assay.calls)


def cage_id_now(mouse) -> str:
    """The ID of the mouse's cage now (plain text: the to-do list is exported as a sheet)."""
    placements = getattr(mouse, "current_placements", None) or []
    return placements[0].cage.cage_id if placements else ""


ASSAY_COLUMNS = [("Assay", "name"), ("Allele", "allele"), ("Calls", calls),
                 ("Sets mouse zygosity", "sets_mouse_zygosity")]
ASSAY_FIELDS = [*ASSAY_COLUMNS, ("Protocol", "protocol")]
ASSAY_RESULT_SECTION = [("Tested", "tested_on"), ("Mouse", "mouse"), ("Sample", "sample.sample_id"),
                        ("Call", "call"), ("Zygosity", "zygosity"), ("Batch", "batch")]
TO_BE_GENOTYPED_COLUMNS = [("Mouse", "specimen_id"), ("Colony", "colony"), ("Sex", "sex"), ("Born", "date_of_birth"),
                           ("Age (days)", "age_days"), ("Due", "due"), ("Cage", cage_id_now), ("Ear mark", "ear_mark"),
                           ("Litter", "litter_code")]
GENOTYPE_RESULT_COLUMNS = [("Tested", "tested_on"), ("Mouse", "mouse"), ("Colony", "mouse.colony"),
                           ("Sample", "sample.sample_id"), ("Assay", "assay"), ("Allele", "assay.allele"),
                           ("Call", "call"), ("Zygosity", "zygosity"), ("Batch", "batch")]
GENOTYPE_RESULT_FIELDS = [("Mouse", "mouse"), ("Colony", "mouse.colony"), ("Assay", "assay"),
                          ("Allele", "assay.allele"), ("Call", "call"), ("Zygosity", "zygosity"),
                          ("Tested", "tested_on"), ("Sample", "sample.sample_id"),
                          ("Sample type", "sample.sample_type"), ("Collected", "sample.collected_on"),
                          ("Batch", "batch")]
