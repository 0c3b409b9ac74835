"""The `<procedure>` element: one child per parameter, grouped by kind in the XSD's order.

The hot path (values typed at the bench: simple, metadata and series parameters) writes each parameter line as one
string; media and imported elements go through the small context-manager layer of `markup.Document`.
"""
from procedures.dcc.xml.markup import INDENT, Document, leaf, start_tag, text
from procedures.dcc.xml.records import (
    _BENCH_KINDS,
    _KIND_ORDER,
    _STATUS_ONLY_KINDS,
    _kind,
    _unit_of,
)
from procedures.models import Parameter, ParameterValue


def _parameter_attrib(row, *, unit: bool) -> dict[str, str]:
    attrib = {"parameterID": row.parameter.key}
    if unit:
        sent = _unit_of(row)
        if sent:
            attrib["unit"] = sent
    if row.sequence_id:
        attrib["sequenceID"] = row.sequence_id
    return attrib


def _sub(doc: Document, name: str, attrib: dict | None = None):
    """A child element written inline (inside a parameter line)."""
    return doc.sub(name, attrib)


def _write_metadata_items(doc: Document, items: list[dict]) -> None:
    for item in items:
        with _sub(doc, "procedureMetadata", item.get("attrib")):
            if item.get("parameterStatus") is not None:
                doc.leaf("parameterStatus", item["parameterStatus"])
            if item.get("value") is not None:
                doc.leaf("value", item["value"])


def _write_associations(doc: Document, items: list[dict]) -> None:
    for item in items:
        with _sub(doc, "parameterAssociation", item.get("attrib")):
            for dim in item.get("dim", []):
                doc.leaf("dim", dim.get("value", ""), dim.get("attrib"))


#: The opening tag of a bench parameter line by (element, parameter key, unit): the same few hundred strings.
_OPENING: dict[tuple[str, str, str], str] = {}


def _write_simple(doc: Document, rows, depth: int) -> None:
    """A simpleParameter or procedureMetadata (whose XSD order is reversed: parameterStatus before value), each
    written as one string; a bench value with neither status nor sequenceID (nearly all) takes a cached opening tag.
    """
    indent = "\n" + INDENT * depth
    for row in rows:
        kind = _kind(row)
        if not row.kind and row.value and not row.status_code and not row.sequence_id:
            unit = _unit_of(row) if kind == "simpleParameter" else ""
            opening = _OPENING.get((kind, row.parameter.key, unit))
            if opening is None:
                opening = _OPENING.setdefault((kind, row.parameter.key, unit), start_tag(
                    kind, {"parameterID": row.parameter.key, **({"unit": unit} if unit else {})}))
            doc.raw(f"{indent}{opening}<value>{text(row.value)}</value></{kind}>")
            continue
        # An imported element keeps whether it had a <value> ("value" in media when that is not implied).
        has_value = bool(row.value) or (row.media or {}).get("value", not row.status_code)
        parts = [indent, start_tag(kind, _parameter_attrib(row, unit=kind == "simpleParameter"))]
        if kind == "procedureMetadata" and row.status_code:
            parts.append(leaf("parameterStatus", row.status_code))
        if has_value:
            parts.append(leaf("value", row.value))
        if kind == "simpleParameter" and row.status_code:
            parts.append(leaf("parameterStatus", row.status_code))
        parts.append(f"</{kind}>")
        doc.raw("".join(parts))


_write_metadata = _write_simple


def _increment_sort_key(parameter: Parameter):
    """Order increments as IMPReSS lists them, else numerically (the database sorts "120" before "15")."""
    positions = {increment: index for index, increment in enumerate(parameter.increments or [])}

    def key(row: ParameterValue) -> tuple:
        if row.increment in positions:
            return 0, positions[row.increment], 0.0, ""
        try:
            return 1, 0, float(row.increment), ""
        except ValueError:
            return 2, 0, 0.0, row.increment

    return key


def _own_row(row) -> bool:
    """The row holding a series element's own part (its parameterStatus, seriesMedia metadata), not a value."""
    if row.kind:
        return "status" in (row.media or {})
    return not row.increment


def _write_series(doc: Document, rows, depth: int, problems: list[str], label: str) -> None:
    """One `seriesParameter` per parameter: a `value` per increment, a status without increment for the whole."""
    first = rows[0]
    own = [r for r in rows if _own_row(r)]
    values = [r for r in rows if not _own_row(r)]
    if not first.kind:  # entered at the bench: IMPReSS order; an import keeps the file's
        values.sort(key=_increment_sort_key(first.parameter))
    overall_status = next((r.status_code for r in own if r.status_code), "")
    if not first.kind:
        for r in own:
            if not r.status_code:
                problems.append(f"{label}: {first.parameter.key} has a series value without an increment.")
    parts = ["\n" + INDENT * depth, start_tag("seriesParameter", _parameter_attrib(first, unit=True))]
    for row in values:
        value_attrib = {"incrementValue": row.increment}
        if row.status_code:
            value_attrib["incrementStatus"] = row.status_code
        parts.append(leaf("value", row.value, value_attrib))
    if overall_status or any((r.media or {}).get("status") for r in own):
        parts.append(leaf("parameterStatus", overall_status))
    parts.append("</seriesParameter>")
    doc.raw("".join(parts))


def _terms(row) -> list[str]:
    """An ontology value's terms: as imported, or the term ids typed at the bench (stored space-separated)."""
    return row.terms if row.kind else row.value.split()


def _write_ontology(doc: Document, rows, depth: int) -> None:
    for row in rows:
        with doc.line("ontologyParameter", _parameter_attrib(row, unit=False), depth):
            for term in _terms(row) or []:
                doc.leaf("term", term)
            if row.status_code:
                doc.leaf("parameterStatus", row.status_code)


def _write_media(doc: Document, rows, depth: int) -> None:
    for row in rows:
        media = row.media or {}
        with doc.line("mediaParameter", {**_parameter_attrib(row, unit=False), **media.get("attrib", {})}, depth):
            if row.status_code:
                doc.leaf("parameterStatus", row.status_code)
            _write_associations(doc, media.get("parameterAssociation", []))
            _write_metadata_items(doc, media.get("procedureMetadata", []))


def _write_media_sample(doc: Document, rows, depth: int) -> None:
    for row in rows:
        with doc.line("mediaSampleParameter", _parameter_attrib(row, unit=False), depth):
            for sample in (row.media or {}).get("mediaSample", []):
                with _sub(doc, "mediaSample", {"localId": sample.get("localId", "")}):
                    for section in sample.get("mediaSection", []):
                        with _sub(doc, "mediaSection", {"localId": section.get("localId", "")}):
                            for media_file in section.get("mediaFile", []):
                                with _sub(doc, "mediaFile", media_file.get("attrib")):
                                    _write_metadata_items(doc, media_file.get("procedureMetadata", []))
                                    _write_associations(doc, media_file.get("parameterAssociation", []))
            if row.status_code:
                doc.leaf("parameterStatus", row.status_code)


def _write_series_media(doc: Document, rows, depth: int) -> None:
    first = rows[0]
    own = [r for r in rows if _own_row(r)]
    values = [r for r in rows if not _own_row(r)]
    with doc.line("seriesMediaParameter", _parameter_attrib(first, unit=False), depth):
        for row in values:
            media = row.media or {}
            with _sub(doc, "value", {"incrementValue": row.increment, **media.get("attrib", {})}):
                _write_associations(doc, media.get("parameterAssociation", []))
                _write_metadata_items(doc, media.get("procedureMetadata", []))
        for row in own:
            if row.status_code or (row.media or {}).get("status"):
                doc.leaf("parameterStatus", row.status_code)
            _write_metadata_items(doc, (row.media or {}).get("procedureMetadata", []))


def _write_procedure(doc: Document, procedure_key: str, values, label: str, depth: int,
                     problems: list[str]) -> None:
    """Write `<procedure>` with one element per parameter, grouped by kind in XSD order.

    Within a kind, imported values keep the file's order and the element they were sent in; values entered at the
    bench follow IMPReSS order and type (an ontology value's typed term ids become its terms). A bench media row
    may only carry the parameter status saying why the files are not sent; one with a value has no file to point
    at and is reported.
    """
    sections: dict[str, dict[tuple, list]] = {}
    for row in values:
        if not row.kind and row.parameter.retired:
            # Typed before IMPReSS dropped the parameter from the procedure: kept in the LIMS, refused by the DCC.
            continue
        kind = _kind(row)
        # At the bench a media parameter only takes the status saying why its files are not sent.
        if not row.kind and kind not in _BENCH_KINDS and (
                kind not in _STATUS_ONLY_KINDS or row.value or row.increment or not row.status_code):
            problems.append(f"{label}: {row.parameter.key} is a {row.parameter.get_type_display().lower()} "
                            "parameter, which the export does not support yet.")
            continue
        sections.setdefault(kind, {}).setdefault((row.parameter_id, row.sequence_id), []).append(row)
    with doc.block("procedure", {"procedureID": procedure_key}, depth):
        for kind in _KIND_ORDER:
            for rows in sections.get(kind, {}).values():
                if kind in ("simpleParameter", "procedureMetadata"):
                    _write_simple(doc, rows, depth + 1)
                elif kind == "seriesParameter":
                    _write_series(doc, rows, depth + 1, problems, label)
                elif kind == "ontologyParameter":
                    _write_ontology(doc, rows, depth + 1)
                elif kind == "mediaParameter":
                    _write_media(doc, rows, depth + 1)
                elif kind == "mediaSampleParameter":
                    _write_media_sample(doc, rows, depth + 1)
                else:
                    _write_series_media(doc, rows, depth + 1)


def _write_status_codes(doc: Document, codes: list, depth: int) -> None:
    for code, when in codes:
        doc.raw("\n" + INDENT * depth + leaf("statusCode", code, {"date": when} if when else None))
