"""The `<procedure>` element: one child per parameter, grouped by kind in the XSD's order.

The hot path (values typed at the bench: simple, metadata and series parameters) writes each parameter line as one
string; media and imported elements go through the small context-manager layer of `markup.Document`.
"""
from procedures.dcc.xml.markup import INDENT, Document, attribute, leaf, start_tag, text
from procedures.dcc.xml.records import (
    _BENCH_KINDS,
    _KIND_OF_TYPE,
    _KIND_ORDER,
    _STATUS_ONLY_KINDS,
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


def _simple_parts(out: list[str], rows, indent: str) -> None:
    """A simpleParameter or procedureMetadata (whose XSD order is reversed: parameterStatus before value), each
    appended to `out` as one string; a bench value with neither status nor sequenceID (nearly all) takes a cached
    opening tag."""
    for row in rows:
        kind = row.kind or _KIND_OF_TYPE[row.parameter.type]
        if not row.kind and row.value and not row.status_code and not row.sequence_id:
            unit = (row.parameter.unit if row.unit is None else row.unit) if kind == "simpleParameter" else ""
            key = (kind, row.parameter.key, unit)
            opening = _OPENING.get(key)
            if opening is None:
                opening = _OPENING.setdefault(key, start_tag(
                    kind, {"parameterID": row.parameter.key, **({"unit": unit} if unit else {})}))
            out.append(f"{indent}{opening}<value>{text(row.value)}</value></{kind}>")
            continue
        # An imported element keeps whether it had a <value> ("value" in media when that is not implied).
        has_value = bool(row.value) or (row.media or {}).get("value", not row.status_code)
        out.append(indent)
        out.append(start_tag(kind, _parameter_attrib(row, unit=kind == "simpleParameter")))
        if kind == "procedureMetadata" and row.status_code:
            out.append(leaf("parameterStatus", row.status_code))
        if has_value:
            out.append(leaf("value", row.value))
        if kind == "simpleParameter" and row.status_code:
            out.append(leaf("parameterStatus", row.status_code))
        out.append(f"</{kind}>")


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


def _series_parts(out: list[str], rows, indent: str, problems: list[str], label: str) -> None:
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
    out.append(indent)
    out.append(start_tag("seriesParameter", _parameter_attrib(first, unit=True)))
    for row in values:
        if row.status_code:
            out.append(leaf("value", row.value, {"incrementValue": row.increment,
                                                   "incrementStatus": row.status_code}))
        else:  # nearly all: one string, as `leaf` writes it
            out.append(f'<value incrementValue="{attribute(row.increment)}">{text(row.value)}</value>'
                         if row.value else f'<value incrementValue="{attribute(row.increment)}"></value>')
    if overall_status or any((r.media or {}).get("status") for r in own):
        out.append(leaf("parameterStatus", overall_status))
    out.append("</seriesParameter>")


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
    groups: dict[tuple, list] = {}
    for row in values:
        kind = row.kind
        if not kind:
            parameter = row.parameter
            if parameter.retired:
                # Typed before IMPReSS dropped the parameter from the procedure: kept in the LIMS, refused by the DCC.
                continue
            kind = _KIND_OF_TYPE[parameter.type]
            # At the bench a media parameter only takes the status saying why its files are not sent.
            if kind not in _BENCH_KINDS and (
                    kind not in _STATUS_ONLY_KINDS or row.value or row.increment or not row.status_code):
                problems.append(f"{label}: {parameter.key} is a {parameter.get_type_display().lower()} "
                                "parameter, which the export does not support yet.")
                continue
        key = (kind, row.parameter_id, row.sequence_id)
        group = groups.get(key)
        if group is None:
            groups[key] = [row]
        else:
            group.append(row)
    indent = "\n" + INDENT * (depth + 1)
    parts = ["\n", INDENT * depth, f'<procedure procedureID="{attribute(procedure_key)}">']
    # Kinds in the XSD's order; within a kind the groups keep the order of their first row (a stable sort). The
    # rows of consecutive simple and metadata groups are written by one call (one row per group, nearly always).
    simple: list = []
    for (kind, _parameter, _sequence), rows in sorted(groups.items(), key=_kind_position):
        if kind in _SIMPLE_KINDS:
            simple.extend(rows)
            continue
        if simple:
            _simple_parts(parts, simple, indent)
            simple = []
        if kind == "seriesParameter":
            _series_parts(parts, rows, indent, problems, label)
            continue
        doc.raw("".join(parts))
        parts = []
        if kind == "ontologyParameter":
            _write_ontology(doc, rows, depth + 1)
        elif kind == "mediaParameter":
            _write_media(doc, rows, depth + 1)
        elif kind == "mediaSampleParameter":
            _write_media_sample(doc, rows, depth + 1)
        else:
            _write_series_media(doc, rows, depth + 1)
    if simple:
        _simple_parts(parts, simple, indent)
    parts.append("\n" + INDENT * depth + "</procedure>")
    doc.raw("".join(parts))


#: The elements `_simple_parts` writes (series are strings too; the rest go through `Document`'s context managers).
_SIMPLE_KINDS = frozenset({"simpleParameter", "procedureMetadata"})
_KIND_INDEX = {kind: index for index, kind in enumerate(_KIND_ORDER)}


def _kind_position(item) -> int:
    return _KIND_INDEX[item[0][0]]


def _write_status_codes(doc: Document, codes: list, depth: int) -> None:
    for code, when in codes:
        doc.raw("\n" + INDENT * depth + leaf("statusCode", code, {"date": when} if when else None))
