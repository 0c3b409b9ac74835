"""Specimens: one `<mouse>` or `<embryo>` of a specimen document, matched by (centre, specimenID) or registered
through `colonies.services.mouse_import` with everything the file says, and the colonies and strains it names."""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from colonies.models import Colony, Mouse, PhenotypingAttempt
from colonies.services import colony_import, gene_register, mouse_import, strain_register
from lims.exceptions import DomainError
from lims.models import Centre, Strain
from procedures.dcc import local_rules
from procedures.dcc.importer.documents import attributes, children, local, messages, text
from procedures.dcc.xml import CHROMOSOME_ATTRIBUTES, GENOTYPE_ATTRIBUTES, PARENTAL_STRAIN_ATTRIBUTES

#: The background strain of a colony created from a file that names none (no strainID, no parentalStrain).
UNKNOWN_STRAIN = "unknown (not given in the DCC file)"


def _status_date(status) -> date | None:
    """The date of a specimen's statusCode (None when absent or not a date)."""
    if status is None or not status.get("date"):
        return None
    try:
        return date.fromisoformat(status.get("date")[:10])
    except ValueError:
        return None


def specimen_fields(element, *, embryo: bool, dob: date | None) -> dict:
    """The `Mouse` fields of a `<mouse>`/`<embryo>`, kept as given (the `dcc_*` ones only for the export)."""
    status = next(iter(children(element, "statusCode")), None)
    return {
        "kind": Mouse.Kind.EMBRYO if embryo else Mouse.Kind.MOUSE,
        "sex": element.get("gender") or "", "date_of_birth": dob, "zygosity": element.get("zygosity") or "",
        "stage": (element.get("stage") or "").strip() if embryo else "",
        "stage_unit": (element.get("stageUnit") or "").strip() if embryo else "",
        "is_baseline": (element.get("isBaseline") or "").lower() in ("true", "1"),
        "litter_code": (element.get("litterId") or "")[:60],
        "dcc_colony_id": (element.get("colonyID") or "").strip(),
        "dcc_strain_id": (element.get("strainID") or "").strip(),
        "dcc_pipeline": element.get("pipeline") or "", "dcc_project": element.get("project") or "",
        "dcc_production_centre": element.get("productionCentre") or "",
        "dcc_phenotyping_centre": element.get("phenotypingCentre") or "",
        "dcc_related_specimens": [attributes(r, ("specimenID", "relationship"))
                                  for r in children(element, "relatedSpecimen")],
        "dcc_genotypes": [attributes(g, GENOTYPE_ATTRIBUTES) for g in children(element, "genotype")],
        "dcc_chromosomal_alterations": [
            {"added": [attributes(c, CHROMOSOME_ATTRIBUTES) for c in children(a, "chromosomeAdded")],
             "removed": [attributes(c, CHROMOSOME_ATTRIBUTES) for c in children(a, "chromosomeRemoved")]}
            for a in children(element, "chromosomalAlteration")],
        "dcc_parental_strains": [attributes(p, PARENTAL_STRAIN_ATTRIBUTES)
                                 for p in children(element, "parentalStrain")],
        "specimen_status_code": text(status)[:100], "specimen_status_date": _status_date(status),
    }


class SpecimenHandlers:
    """The specimen part of `Importer` (mixed in): needs its look-ups, `_problem`, `_warning` and `report`."""

    def _specimen(self, doc, element, block) -> None:
        """One `<mouse>` or `<embryo>`: matched by (centre, specimenID), else registered with all the file says.

        Everything of the element is kept (see `Mouse`'s dcc_* fields), so the export writes it back as given;
        legacy facts today's bench rules refuse (a baseline recorded homozygous, a non-IMPC status code) are kept
        and reported as warnings, which the export pre-flight reports again before any new submission.
        """
        specimen_id = (element.get("specimenID") or "").strip()
        line = element.sourceline
        item = repr(specimen_id)
        embryo = local(element) == "embryo"
        for finding in local_rules.check_specimen(element):
            self._warning(doc, finding.line, item, f"[{finding.rule}] {finding.message}")
        centre_code = block.get("centreID") or ""
        centre = self.centre(centre_code)
        if centre is None:
            self._problem(doc, line, "mouse", item, f"unknown centre {centre_code!r} (no Centre with that ILAR code).")
            return
        dob = None
        if not embryo:
            try:
                dob = date.fromisoformat((element.get("DOB") or "")[:10])
            except ValueError:
                self._problem(doc, line, "mouse", item, f"DOB {element.get('DOB')!r} is not a date.")
                return
        if self._matched_specimen(doc, element, centre, specimen_id, dob):
            return
        fields = specimen_fields(element, embryo=embryo, dob=dob)
        if not self._place_specimen(doc, element, centre, item, fields):
            return
        try:
            with transaction.atomic():
                mouse, warnings = mouse_import(actor=self.actor, centre=centre, specimen_id=specimen_id, **fields)
        except (ValidationError, DomainError, IntegrityError) as exc:
            self._problem(doc, line, "mouse", item, f"refused by the LIMS: {messages(exc)}")
            return
        for warning in warnings:
            self._warning(doc, line, item, warning)
        self.report.count("mouse", "created")
        self.report.mice.append(mouse.pk)

    def _matched_specimen(self, doc, element, centre: Centre, specimen_id: str, dob: date | None) -> bool:
        """Whether the LIMS has the specimen already: counted as matched, or as a conflict when its DOB or sex
        differs (reported, never overwritten)."""
        existing = Mouse.objects.filter(centre=centre, specimen_id=specimen_id).first()
        if existing is None:
            return False
        sex = element.get("gender") or ""
        differences = []
        if existing.date_of_birth != dob:
            differences.append(f"DOB {existing.date_of_birth} in the LIMS, {dob} in the file")
        if existing.sex != sex:
            differences.append(f"sex {existing.sex} in the LIMS, {sex} in the file")
        if differences:
            self._problem(doc, element.sourceline, "mouse", repr(specimen_id),
                          "conflict, not overwritten: " + "; ".join(differences) + ".", outcome="conflict")
        else:
            self.report.count("mouse", "matched")
        self.report.mice.append(existing.pk)
        return True

    def _place_specimen(self, doc, element, centre: Centre, item: str, fields: dict) -> bool:
        """Give `fields` the specimen's strain (a baseline) or colony and strain (a mutant); False when not found."""
        if fields["is_baseline"]:
            strain = self._specimen_strain(doc, element, item)
            if strain is None:
                return False
            fields.update(strain=strain, colony=None)
            return True
        colony = self._colony(doc, element, centre)
        if colony is None:
            return False
        strain_id = fields["dcc_strain_id"]
        own = self.strain(strain_id) if strain_id else None
        fields.update(colony=colony, strain=own or colony.background_strain)
        return True

    def _specimen_strain(self, doc, element, item: str) -> Strain | None:
        """A baseline's strain: its strainID, else its first known parental strain; registered with --create-strains."""
        strain_id = (element.get("strainID") or "").strip()
        candidates = [strain_id] if strain_id else [
            (p.get("MGIStrainID") or "").strip() for p in children(element, "parentalStrain")]
        candidates = [c for c in candidates if c]
        for candidate in candidates:
            strain = self.strain(candidate)
            if strain is not None:
                return strain
        if candidates and self.create_strains:
            return self._register_strain(candidates[0])
        what = f"strainID {strain_id!r}" if strain_id else "no strainID or parentalStrain"
        self._problem(doc, element.sourceline, "mouse", item,
                      f"{what} matches no strain (MGI id or name); import with --create-strains to register it."
                      if candidates else f"a baseline with {what}.")
        return None

    def _register_strain(self, strain_id: str) -> Strain:
        strain = strain_register(actor=self.actor, strain_id=strain_id)
        self.report.count("strain", "created")
        self._strains[strain_id] = strain
        return strain

    def _colony(self, doc, element, centre: Centre) -> Colony | None:
        """The specimen's colony by colonyID (or phenotyping cohort name); created with --create-colonies."""
        name = (element.get("colonyID") or "").strip()
        line = element.sourceline
        item = repr(element.get("specimenID"))
        if not name:
            self._problem(doc, line, "mouse", item, "a mutant specimen without colonyID.")
            return None
        colony = Colony.objects.select_related("background_strain").filter(name__iexact=name).first()
        if colony is None:
            cohort = (PhenotypingAttempt.objects.select_related("parent_colony__background_strain")
                      .filter(colony_name__iexact=name, voided_at__isnull=True).first())
            if cohort is not None and cohort.centre_id == centre.pk:
                return cohort.parent_colony
        if colony is not None:
            if colony.centre_id != centre.pk:
                self._problem(doc, line, "mouse", item, f"colony {name!r} belongs to another centre.")
                return None
            return colony
        if not self.create_colonies:
            self._problem(doc, line, "mouse", item,
                          f"unknown colonyID {name!r} (create it first, or import with --create-colonies).")
            return None
        return self._create_colony(doc, element, centre, name)

    def _new_colony_strain(self, doc, element, name: str) -> Strain | None:
        """The background strain of a colony created from a specimen: its strainID, else its first parental strain
        (registered with --create-strains), else `UNKNOWN_STRAIN` when the file names none; None when refused."""
        strain_id = (element.get("strainID") or "").strip()  # the background; parental strains only without it
        strain_ids = [strain_id] if strain_id else [
            s for s in ((p.get("MGIStrainID") or "").strip() for p in children(element, "parentalStrain")) if s]
        strain = next((found for found in (self.strain(s) for s in strain_ids) if found), None)
        if strain is None and strain_ids:
            if not self.create_strains:
                self._problem(doc, element.sourceline, "colony", repr(name),
                              f"cannot create the colony: strain {strain_ids[0]!r} matches no strain (MGI id or "
                              "name); import with --create-strains to register it.")
                self.report.count("mouse", "skipped")
                return None
            strain = self._register_strain(strain_ids[0])
        if strain is None:  # the file names no strain at all: say so rather than guess one
            strain = self.strain(UNKNOWN_STRAIN) or self._register_strain(UNKNOWN_STRAIN)
        return strain

    def _create_colony(self, doc, element, centre: Centre, name: str) -> Colony | None:
        """A colony for an unknown colonyID: its gene from the specimen's first genotype (registering an MGI gene the
        reference lacks; none when the file gives no genotype, as legacy files do)."""
        strain = self._new_colony_strain(doc, element, name)
        if strain is None:
            return None
        genotype = next((g for g in children(element, "genotype") if (g.get("MGIGeneId") or "").strip()), None)
        try:
            with transaction.atomic():
                gene = gene_register(actor=self.actor, mgi_id=genotype.get("MGIGeneId"),
                                     symbol=genotype.get("geneSymbol") or "") if genotype is not None else None
                colony = colony_import(
                    actor=self.actor, centre=centre, name=name, gene=gene, background_strain=strain,
                    genotype_status=Colony.GenotypeStatus.CONFIRMED, project=(element.get("project") or "")[:50],
                    mgi_allele_id=(genotype.get("MGIAlleleId") or "")[:40] if genotype is not None else "",
                )
        except (ValidationError, DomainError, IntegrityError) as exc:
            self._problem(doc, element.sourceline, "colony", repr(name), f"refused by the LIMS: {messages(exc)}")
            self.report.count("mouse", "skipped")
            return None
        self.report.count("colony", "created")
        return colony


__all__ = ["UNKNOWN_STRAIN", "SpecimenHandlers", "specimen_fields"]
