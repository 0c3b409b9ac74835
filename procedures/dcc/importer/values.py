"""Parameter values: the `<procedure>` children of an experiment, line or housing block read into unsaved value
rows, kept exactly as the file sends them, with the import's checks on them (required parameters, numbers)."""
from procedures.dcc.importer.documents import children, local
from procedures.models import Parameter, ParameterValue, Procedure, Source
from procedures.services import parameter_register_imported
from procedures.validation import dcc_number_problem, is_numeric

#: XML element → the IMPReSS parameter type it carries (§3.2).
ELEMENT_TYPES = {
    "simpleParameter": Parameter.Type.SIMPLE,
    "ontologyParameter": Parameter.Type.ONTOLOGY,
    "seriesParameter": Parameter.Type.SERIES,
    "mediaParameter": Parameter.Type.MEDIA,
    "mediaSampleParameter": Parameter.Type.MEDIA_SAMPLE,
    "seriesMediaParameter": Parameter.Type.SERIES_MEDIA,
    "procedureMetadata": Parameter.Type.METADATA,
}
#: The types the LIMS stores as values: all of them since values keep terms and media (`SentAsFields`).
STORED_TYPES = set(ELEMENT_TYPES.values())


def _metadata(element) -> dict:
    """A procedureMetadata nested in a media element: attributes, status and value as sent (None = absent)."""
    status = next(iter(children(element, "parameterStatus")), None)
    value = next(iter(children(element, "value")), None)
    return {"attrib": dict(element.attrib),
            "parameterStatus": None if status is None else (status.text or ""),
            "value": None if value is None else (value.text or "")}


def _association(element) -> dict:
    return {"attrib": dict(element.attrib),
            "dim": [{"attrib": dict(d.attrib), "value": d.text or ""} for d in children(element, "dim")]}


def _media(element) -> dict:
    """The attributes (but parameterID) and the associations and metadata of a media element or media file."""
    return {"attrib": {k: v for k, v in element.attrib.items() if k != "parameterID"},
            "parameterAssociation": [_association(a) for a in children(element, "parameterAssociation")],
            "procedureMetadata": [_metadata(m) for m in children(element, "procedureMetadata")]}


def _element_rows(child, kind: str, row_class, parameter: Parameter, sequence: str) -> list:
    """The rows of one parameter element: one per series (media) value, plus one for the element's own status and
    parameter-level content; an element with nothing in it still gets one row, so that it is written back."""
    status_el = next(iter(children(child, "parameterStatus")), None)
    status = "" if status_el is None else (status_el.text or "")
    sent_unit = child.get("unit") or ""

    def row(**fields):
        return row_class(parameter=parameter, kind=kind, sequence_id=sequence, unit=sent_unit, **fields)

    if kind in ("simpleParameter", "procedureMetadata"):
        value_el = next(iter(children(child, "value")), None)
        media = {} if (value_el is not None) == (status_el is None) else {"value": value_el is not None}
        return [row(value="" if value_el is None else (value_el.text or ""), status_code=status, media=media)]
    if kind == "ontologyParameter":
        return [row(terms=[t.text or "" for t in children(child, "term")], status_code=status)]
    if kind == "mediaParameter":
        return [row(status_code=status, media=_media(child))]
    if kind == "mediaSampleParameter":
        samples = [{"localId": s.get("localId") or "",
                    "mediaSection": [{"localId": sec.get("localId") or "",
                                      "mediaFile": [_media(f) for f in children(sec, "mediaFile")]}
                                     for sec in children(s, "mediaSection")]}
                   for s in children(child, "mediaSample")]
        return [row(status_code=status, media={"mediaSample": samples})]
    rows = []
    for value in children(child, "value"):
        if kind == "seriesParameter":
            rows.append(row(increment=value.get("incrementValue") or "", value=value.text or "",
                            status_code=value.get("incrementStatus") or ""))
        else:
            media = _media(value)
            increment = media["attrib"].pop("incrementValue", "")
            rows.append(row(increment=increment, media=media))
    metadata = [_metadata(m) for m in children(child, "procedureMetadata")]
    if status_el is not None or metadata or not rows:
        # The element's own part (status, seriesMedia metadata), or the empty element itself.
        rows.append(row(increment="", status_code=status,
                        media={"procedureMetadata": metadata, "status": status_el is not None}))
    return rows


class ValueReader:
    """The value-reading part of `Importer` (mixed in): needs `parameters()`, `_problem`, `_warning`, `report`."""

    def _values(self, doc, procedure_el, procedure: Procedure, label: str, row_class=ParameterValue) -> list:
        """The parameters of a `<procedure>` as unsaved value rows (`row_class`), kept as the file sends them.

        Each element keeps its kind, attributes, place, value, status, increments, terms and media; a parameter the
        IMPReSS reference lacks is registered with `create_parameters` (else reported and left out), one sent in
        another element than IMPReSS's type is kept as sent with a warning. The repeated copies of a parameter
        (same parameterID and sequenceID) are left out: local_rules reports them.
        """
        known = self.parameters(procedure)
        rows: list = []
        seen: set[tuple[str, str]] = set()
        for child in procedure_el:
            if not isinstance(child.tag, str) or local(child) not in ELEMENT_TYPES:
                continue
            kind = local(child)
            key = (child.get("parameterID") or "").strip()
            sequence = (child.get("sequenceID") or "").strip()
            line = child.sourceline
            if (key, sequence) in seen:
                continue
            seen.add((key, sequence))
            parameter = known.get(key)
            xml_type = ELEMENT_TYPES[kind]
            if parameter is None:
                if not self.create_parameters or not key:
                    self._problem(doc, line, "parameter", key,
                                  f"{label}: not a parameter of {procedure.key} in the IMPReSS reference.")
                    continue
                parameter = parameter_register_imported(procedure=procedure, key=key, type=xml_type,
                                                        unit=child.get("unit") or "", actor=self.actor)
                known[key] = parameter
                self.report.count("parameter", "registered")
                self._warning(doc, line, key, f"{label}: not a parameter of {procedure.key} in the IMPReSS reference; "
                                           f"registered as imported ({kind}).")
            elif parameter.type != xml_type:
                self._warning(doc, line, key, f"{label}: sent as {kind}, IMPReSS says {parameter.type}; kept as sent.")
            made = _element_rows(child, kind, row_class, parameter, sequence)
            for row in made:
                row.position = len(rows)
                rows.append(row)
            self.report.counts["parameter"]["mapped"] += 1
        return rows

    def _missing_required(self, doc, line: int, item: str, procedure: Procedure, rows: list,
                          label: str) -> None:
        given = {r.parameter.key for r in rows if r.value or r.status_code or r.terms or r.media}
        missing = [p.key for p in self.parameters(procedure).values()
                   if p.required and not p.derived and p.source == Source.IMPRESS and p.key not in given]
        if missing:
            self._warning(doc, line, item, f"{label}: required parameter(s) {', '.join(sorted(missing))} not sent; "
                                        "imported without them (the export pre-flight reports them).")

    def _check_numbers(self, doc, line: int | None, rows: list, label: str) -> None:
        """The DCC importer's numeric checks, by the one number reader: a value of a FLOAT/INT parameter that the
        bench would refuse or the DCC would misread ("20,9", "21.4 g"), or one outside the plausible range, is kept
        exactly as sent (the round trip writes it back unchanged) and reported as a warning; the export pre-flight
        refuses the first kind and lists the second."""
        for row in rows:
            parameter = row.parameter
            if not row.value or row.status_code or not is_numeric(parameter):
                continue
            where = f"{label}: {parameter.key}" + (f" at {row.increment}" if row.increment else "")
            problem = dcc_number_problem(parameter.value_type, row.value)
            if problem:
                self._warning(doc, line, parameter.key, f"{where} = {row.value!r} {problem}; kept as sent.")
            elif parameter.is_out_of_range(row.value):
                self._warning(doc, line, parameter.key, f"{where} = {row.value} is outside the plausible range "
                                                     f"({parameter.range_text()}); kept and flagged for review.")


__all__ = ["ELEMENT_TYPES", "STORED_TYPES", "ValueReader"]
