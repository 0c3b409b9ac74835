"""Experiments: one `<experiment>` of an experiment document, matched by (mouse, procedure, date, sequenceID) or
recorded through `procedures.services.experiment_import` with its values as the file sends them."""
from datetime import date

from colonies.models import Mouse
from procedures.dcc import local_rules
from procedures.dcc.importer.documents import children, local, status_codes, text
from procedures.dcc.importer.values import ELEMENT_TYPES
from procedures.models import Experiment, Procedure
from procedures.services import experiment_import


class ExperimentHandlers:
    """The experiment part of `Importer` (mixed in): needs its look-ups, value reader, `_problem` and `report`."""

    def _experiment_mouse(self, doc, element, block, item: str) -> Mouse | None:
        """The one mouse an experiment names, in the LIMS already (its specimen file is imported first)."""
        line = element.sourceline
        centre_code = block.get("centreID") or ""
        centre = self.centre(centre_code)
        if centre is None:
            self._problem(doc, line, "experiment", item, f"unknown centre {centre_code!r}.")
            return None
        specimens = [text(s) for s in children(element, "specimenID")]
        if len(specimens) != 1:
            self._problem(doc, line, "experiment", item,
                          f"names {len(specimens)} specimens; an Experiment belongs to exactly one mouse.")
            return None
        mouse = Mouse.objects.filter(centre=centre, specimen_id=specimens[0]).first()
        if mouse is None:
            self._problem(doc, line, "experiment", item,
                          f"specimen {specimens[0]!r} is not in the LIMS (import its specimen file first).")
        return mouse

    def _experiment_procedure(self, doc, element, block, item: str) -> Procedure | None:
        """The mouse-level procedure of an experiment; an experiment carrying only status codes is refused."""
        line = element.sourceline
        procedures = children(element, "procedure")
        if not procedures:
            self._problem(doc, line, "experiment", item,
                          f"carries only status code(s) {', '.join(c for c, _ in status_codes(element))}; an "
                          "Experiment needs a procedure.")
            return None
        key = procedures[0].get("procedureID") or ""
        procedure = self._resolve_procedure(doc, element, block, key, Procedure.Level.MOUSE, "experiment", item)
        if procedure is not None and procedure.level != Procedure.Level.MOUSE:
            self._problem(doc, line, "experiment", item, f"{key} is a {procedure.level}-level procedure.")
            return None
        return procedure

    def _experiment(self, doc, element, block) -> None:
        line = element.sourceline
        item = repr(element.get("experimentID"))
        self._findings(doc, local_rules.check_experiment(element), "experiment", item)
        mouse = self._experiment_mouse(doc, element, block, item)
        procedure = self._experiment_procedure(doc, element, block, item) if mouse is not None else None
        if procedure is None:
            return
        raw_date = (element.get("dateOfExperiment") or "").strip()
        try:
            performed = date.fromisoformat(raw_date[:10])
        except ValueError:
            self._problem(doc, line, "experiment", item, "dateOfExperiment is not a date.")
            return
        sequence = (element.get("sequenceID") or "").strip()[:40]
        existing = Experiment.objects.filter(
            mouse=mouse, procedure=procedure, date_of_experiment=performed, sequence_id=sequence,
            voided_at__isnull=True,
        ).first()
        if self._matched("experiment", existing, self.report.experiments):
            return
        label = f"experiment {element.get('experimentID')}"
        procedure_el = children(element, "procedure")[0]
        rows = self._values(doc, procedure_el, procedure, label)
        if not rows and not self.create_parameters and any(
                isinstance(c.tag, str) and local(c) in ELEMENT_TYPES for c in procedure_el):
            self._problem(doc, line, "experiment", item,
                          f"none of its parameters of {procedure.key} is in the IMPReSS reference; nothing to record.")
            return
        self._missing_required(doc, line, item, procedure, rows, label)
        self._check_numbers(doc, line, rows, label)
        self._create(doc, line, "experiment", item, lambda: experiment_import(
            mouse=mouse, procedure=procedure, date_of_experiment=performed, rows=rows, actor=self.actor,
            sequence_id=sequence, dcc_experiment_id=element.get("experimentID") or "",
            source_project=block.get("project") or "",
            source_pipeline=block.get("pipeline") or "", dcc_status_codes=status_codes(element),
            dcc_date_timezone=raw_date[10:16],  # xs:date may carry one (Z, +01:00): kept for the export
        ), self.report.experiments)


__all__ = ["ExperimentHandlers"]
