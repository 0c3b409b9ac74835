"""Line-level experiments: one `<line>` of an experiment document, on a colony the LIMS knows, matched by (colony,
procedure, date, sequenceID) or recorded through `procedures.services.line_experiment_import`."""
from datetime import date

from colonies.models import Colony
from procedures.dcc import local_rules
from procedures.dcc.importer.documents import children, status_codes
from procedures.models import LineExperiment, LineParameterValue, Procedure
from procedures.services import line_experiment_import


class LineHandlers:
    """The `<line>` part of `Importer` (mixed in)."""

    def _line(self, doc, element, block) -> None:
        line = element.sourceline
        name = (element.get("colonyID") or "").strip()
        item = repr(name)
        self._findings(doc, local_rules.check_line(element), "line", item)
        centre = self.centre(block.get("centreID") or "")
        colony = Colony.objects.filter(name__iexact=name).first()
        if centre is None or colony is None or colony.centre_id != centre.pk:
            self._problem(doc, line, "line", item, f"unknown colonyID {name!r} at centre {block.get('centreID')!r}.")
            return
        procedures = children(element, "procedure")
        key = procedures[0].get("procedureID") if procedures else ""
        procedure = self._resolve_procedure(doc, element, block, key or "", Procedure.Level.LINE, "line", item)
        if procedure is None:
            return
        performed = self.line_date
        if performed is None:
            # A <line> carries no date; the record needs one: the day it reached the LIMS, said so.
            performed = date.today()
            self._warning(doc, line, item, f"a <line> carries no date: recorded on {performed} (the import date); "
                                        "give --line-date for another.")
        statuses = status_codes(element)
        sequence = (element.get("sequenceID") or "").strip()[:40]
        existing = LineExperiment.objects.filter(colony=colony, procedure=procedure, date_of_experiment=performed,
                                                 sequence_id=sequence, voided_at__isnull=True).first()
        if self._matched("line", existing, self.report.line_experiments):
            return
        label = f"line {name}"
        rows = self._values(doc, procedures[0], procedure, label, LineParameterValue) if procedures else []
        if not statuses:
            self._missing_required(doc, line, item, procedure, rows, label)
        self._check_numbers(doc, line, rows, label)
        self._create(doc, line, "line", item, lambda: line_experiment_import(
            colony=colony, procedure=procedure, date_of_experiment=performed, rows=rows, actor=self.actor,
            sequence_id=sequence, source_project=block.get("project") or "",
            source_pipeline=block.get("pipeline") or "", dcc_status_codes=statuses,
        ), self.report.line_experiments)


__all__ = ["LineHandlers"]
