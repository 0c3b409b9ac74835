"""Housing: a centre's `<housing>` block of an experiment document, kept per centre with its values and matched
on re-import (centre, procedure, lastUpdated, fromLIMS)."""
from datetime import date

from procedures.dcc import local_rules
from procedures.dcc.importer.documents import children
from procedures.models import Housing, HousingValue, Procedure
from procedures.services import housing_import


class HousingHandlers:
    """The `<housing>` part of `Importer` (mixed in)."""

    def _housing(self, doc, element, block) -> None:
        """A centre's housing and husbandry block: kept per centre with its values, matched on re-import."""
        line = element.sourceline
        procedure_el = next(iter(children(element, "procedure")), None)
        key = procedure_el.get("procedureID") if procedure_el is not None else ""
        item = repr(key)
        centre = self.centre(block.get("centreID") or "")
        if centre is None:
            self._problem(doc, line, "housing", item, f"unknown centre {block.get('centreID')!r}.")
            return
        procedure = self._resolve_procedure(doc, element, block, key or "", Procedure.Level.CENTRE, "housing", item)
        if procedure is None:
            return
        self._findings(doc, local_rules.check_procedure(procedure_el, where=f"housing {key}"), "housing", item)
        raw_updated = (element.get("lastUpdated") or "").strip()
        try:
            updated = date.fromisoformat(raw_updated[:10]) if raw_updated else None
        except ValueError:
            self._problem(doc, line, "housing", item, f"lastUpdated {raw_updated!r} is not a date.")
            return
        from_lims = (element.get("fromLIMS") or "").strip().lower() in ("true", "1")
        existing = Housing.objects.filter(centre=centre, procedure=procedure, last_updated=updated,
                                          from_lims=from_lims, voided_at__isnull=True).first()
        if self._matched("housing", existing, self.report.housings):
            return
        rows = self._values(doc, procedure_el, procedure, f"housing {key}", HousingValue)
        self._create(doc, line, "housing", item, lambda: housing_import(
            centre=centre, procedure=procedure, from_lims=from_lims, last_updated=updated, rows=rows,
            actor=self.actor, source_project=block.get("project") or "", source_pipeline=block.get("pipeline") or "",
        ), self.report.housings)


__all__ = ["HousingHandlers"]
