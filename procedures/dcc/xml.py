"""Write the two DCC documents, specimen and experiment files, as dcc-format.md §3 describes them.

Both writers stream: rows come from `QuerySet.iterator(chunk_size=…)` with their relations joined or prefetched per
chunk, and every element goes straight to disk through `lxml.etree.xmlfile`, so neither memory nor the number of
queries grows with the number of experiments. Element order follows the XSD sequences exactly (the DCC validates
against them before anything else). Which rows to export is decided by `procedures.dcc.selectors`; voided rows are
left out here as well, so a writer can never leak a voided record whatever queryset it is given.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from os import PathLike

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from lxml import etree

from colonies.models import Mouse, PhenotypingAttempt
from procedures.models import (
    Experiment,
    Housing,
    HousingValue,
    LineExperiment,
    LineParameterValue,
    Parameter,
    ParameterValue,
    ScheduledTest,
)

SPECIMEN_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/specimen"
PROCEDURE_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/procedure"

#: The attributes of a specimen's children, in the order specimen_definition.xsd declares them.
GENOTYPE_ATTRIBUTES = ("MGIGeneId", "geneSymbol", "MGIAlleleId", "fatherZygosity", "motherZygosity")
CHROMOSOME_ATTRIBUTES = ("start", "end", "species")
PARENTAL_STRAIN_ATTRIBUTES = ("percentage", "MGIStrainID", "gender", "level")

#: Rows fetched (and prefetched) per round trip: bounds memory, and queries grow by one or two per chunk only.
CHUNK_SIZE = 500

_INDENT = "  "


@dataclass
class WriteResult:
    """What a writer wrote: the number of records, and the data it could not express in the DCC format."""

    count: int = 0
    problems: list[str] = field(default_factory=list)


class _Document:
    """Qualified names and indentation on top of an incremental writer.

    lxml's `xmlfile` re-declares the namespace on every pre-built element written into it, so every element is
    opened through `xf.element`, which inherits the root's default namespace instead.
    """

    def __init__(self, xf, namespace: str):
        self._xf = xf
        self._ns = namespace

    def _tag(self, name: str) -> str:
        return f"{{{self._ns}}}{name}"

    @contextmanager
    def block(self, name: str, attrib: dict[str, str], depth: int) -> Iterator[None]:
        """An element whose children go on their own, indented lines."""
        self._xf.write("\n" + _INDENT * depth)
        with self._xf.element(self._tag(name), attrib):
            yield
            self._xf.write("\n" + _INDENT * depth)

    @contextmanager
    def line(self, name: str, attrib: dict[str, str], depth: int) -> Iterator[None]:
        """An element written on one line with its children (a parameter and its value)."""
        self._xf.write("\n" + _INDENT * depth)
        with self._xf.element(self._tag(name), attrib):
            yield

    def text_line(self, name: str, text: str, depth: int) -> None:
        """A text-only element on its own line."""
        self._xf.write("\n" + _INDENT * depth)
        self.leaf(name, text)

    def leaf(self, name: str, text: str = "", attrib: dict[str, str] | None = None) -> None:
        """A text-only element, written inline."""
        with self._xf.element(self._tag(name), attrib or {}):
            if text:
                self._xf.write(text)


@contextmanager
def _root(destination: str | PathLike, namespace: str, name: str) -> Iterator[_Document]:
    with etree.xmlfile(str(destination), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{namespace}}}{name}", nsmap={None: namespace}):
            yield _Document(xf, namespace)
            xf.write("\n")


# --- Specimens -------------------------------------------------------------------------------------------------


def _mouse_attributes(mouse: Mouse) -> dict[str, str]:
    """The `Specimen` attributes of one mouse (or `Embryo`: stage and stageUnit instead of DOB).

    What an imported mouse's file said (the `dcc_*` fields) is written back as given. Otherwise the DCC's semantic
    validator wants colonyID on mutants and an MGI strainID on baselines (§5.2), so each gets only the attribute
    that identifies it; litterId is required, and the specimen id stands in when none is known.
    """
    centre = mouse.centre
    attrib = {"specimenID": mouse.specimen_id}
    if mouse.kind == Mouse.Kind.EMBRYO:
        attrib.update(stage=mouse.stage, stageUnit=mouse.stage_unit)
    else:
        attrib["DOB"] = mouse.date_of_birth.isoformat()
    attrib.update({
        "gender": mouse.sex,
        "zygosity": mouse.zygosity,
        "isBaseline": "true" if mouse.is_baseline else "false",
    })
    if mouse.dcc_colony_id:
        attrib["colonyID"] = mouse.dcc_colony_id
    elif not mouse.is_baseline and mouse.colony is not None:
        # The DCC knows a line by its phenotyping cohort (iMits/GenTaR phenotyping attempt) where there is one.
        attrib["colonyID"] = getattr(mouse, "cohort_name", None) or mouse.colony.name
    if mouse.dcc_strain_id:
        attrib["strainID"] = mouse.dcc_strain_id
    elif mouse.is_baseline and mouse.strain.mgi_id:
        attrib["strainID"] = mouse.strain.mgi_id
    attrib.update(
        {
            "litterId": mouse.litter_code or mouse.specimen_id,
            "pipeline": mouse.dcc_pipeline or centre.default_pipeline,
            "productionCentre": mouse.dcc_production_centre or centre.code,
            "phenotypingCentre": mouse.dcc_phenotyping_centre or centre.code,
            "project": mouse.dcc_project or (mouse.colony.project if mouse.colony is not None else "")
            or centre.default_project,
        }
    )
    return attrib


def _cohorts(colony_ref: str, centre_ref: str):
    return PhenotypingAttempt.objects.filter(
        parent_colony_id=OuterRef(colony_ref), centre_id=OuterRef(centre_ref), voided_at__isnull=True,
        is_active=True,
    ).order_by("pk")


def mouse_rows(mice: QuerySet[Mouse]) -> QuerySet[Mouse]:
    """The mice as the specimen writer (and the ledger's hashing) reads them: parents and littermates joined."""
    pups = Mouse.objects.filter(voided_at__isnull=True).only("pk", "specimen_id", "litter_id").order_by("specimen_id")
    return (
        mice.filter(voided_at__isnull=True)
        .select_related("centre", "colony", "strain", "litter__dam", "litter__mating__male")
        .prefetch_related(Prefetch("litter__pups", queryset=pups, to_attr="live_pups"))
        .annotate(cohort_name=Subquery(_cohorts("colony_id", "centre_id").values("colony_name")[:1]))
        .order_by("centre__code", "specimen_id", "pk")
    )


def _related_specimens(mouse: Mouse) -> list[tuple[str, str]]:
    """(specimenID, relationship) of the mouse's relatives: as its specimen file gave them (also relatives the LIMS
    does not hold), then its dam, sire and littermates as far as its litter tells them, each pair once."""
    related = [(r.get("specimenID", ""), r.get("relationship", "")) for r in mouse.dcc_related_specimens or []]
    litter = mouse.litter if mouse.litter_id else None
    if litter is not None:
        if litter.dam_id and not litter.dam.voided_at:
            related.append((litter.dam.specimen_id, "mother"))
        male = litter.mating.male if litter.mating_id else None
        if male is not None and not male.voided_at:
            related.append((male.specimen_id, "father"))
        related += [(pup.specimen_id, "littermate") for pup in getattr(litter, "live_pups", [])
                    if pup.pk != mouse.pk]
    return list(dict.fromkeys(related))


def mouse_content(mouse: Mouse) -> dict:
    """Everything the specimen file says about one mouse; the ledger hashes exactly this.

    The children a LIMS-bred mouse does not have (genotype, chromosomal alteration, parental strain, status code)
    appear only when present, so the hash of a mouse sent before they existed does not change.
    """
    content = {"attrib": _mouse_attributes(mouse), "related": _related_specimens(mouse)}
    if mouse.dcc_genotypes:
        content["genotypes"] = [dict(g) for g in mouse.dcc_genotypes]
    if mouse.dcc_chromosomal_alterations:
        content["alterations"] = [dict(a) for a in mouse.dcc_chromosomal_alterations]
    if mouse.dcc_parental_strains:
        content["parental_strains"] = [dict(p) for p in mouse.dcc_parental_strains]
    if mouse.specimen_status_code:
        status = {"code": mouse.specimen_status_code}
        if mouse.specimen_status_date:
            status["date"] = mouse.specimen_status_date.isoformat()
        content["status"] = status
    return content


def _ordered(attributes: dict, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(attributes[name]) for name in names if attributes.get(name) is not None}


def _write_specimen_children(doc: _Document, content: dict, depth: int) -> None:
    """relatedSpecimen*, genotype*, chromosomalAlteration*, parentalStrain*, statusCode? (the XSD's sequence)."""
    for specimen_id, relationship in content["related"]:
        with doc.line("relatedSpecimen", {"specimenID": specimen_id, "relationship": relationship}, depth):
            pass
    for genotype in content.get("genotypes", ()):
        with doc.line("genotype", _ordered(genotype, GENOTYPE_ATTRIBUTES), depth):
            pass
    for alteration in content.get("alterations", ()):
        with doc.block("chromosomalAlteration", {}, depth):
            for name, key in (("chromosomeAdded", "added"), ("chromosomeRemoved", "removed")):
                for chromosome in alteration.get(key, ()):
                    with doc.line(name, _ordered(chromosome, CHROMOSOME_ATTRIBUTES), depth + 1):
                        pass
    for strain in content.get("parental_strains", ()):
        with doc.line("parentalStrain", _ordered(strain, PARENTAL_STRAIN_ATTRIBUTES), depth):
            pass
    if "status" in content:
        with doc.line("statusCode", {"date": content["status"]["date"]} if "date" in content["status"] else {},
                      depth):
            doc._xf.write(content["status"]["code"])


def write_specimen_file(destination: str | PathLike, mice: QuerySet[Mouse]) -> WriteResult:
    """Write a `centreSpecimenSet` with one `<centre>` per centre and one `<mouse>` (or `<embryo>`) per non-voided
    mouse.

    Each carries, in the XSD's order, `relatedSpecimen` elements (as imported, then its mother, father and
    littermates where its litter is known), the genotypes, chromosomal alterations and parental strains its file
    gave, and its specimen status code. The XSD needs at least one mouse per document, so callers do not write a
    specimen file for an empty queryset.
    """
    result = WriteResult()
    with _root(destination, SPECIMEN_NS, "centreSpecimenSet") as doc:
        rows = mouse_rows(mice).iterator(chunk_size=CHUNK_SIZE)
        for centre_code, group in groupby(rows, key=lambda m: m.centre.code):
            with doc.block("centre", {"centreID": centre_code}, depth=1):
                for mouse in group:
                    content = mouse_content(mouse)
                    name = "embryo" if mouse.kind == Mouse.Kind.EMBRYO else "mouse"
                    if content["related"] or len(content) > 2:  # children beyond attrib and related
                        with doc.block(name, content["attrib"], depth=2):
                            _write_specimen_children(doc, content, depth=3)
                    else:
                        with doc.line(name, content["attrib"], depth=2):
                            pass
                    result.count += 1
    return result


# --- Experiments -----------------------------------------------------------------------------------------------


def experiment_rows(experiments: QuerySet[Experiment]) -> QuerySet[Experiment]:
    """Join what the XML needs and order by centre block (centre, pipeline, project), then date.

    The DCC project is the one an imported file gave, else the colony's, else the centre's default (same rule as
    the specimen file); computing it in SQL lets the database order the rows so that each `<centre>` block is
    written once, while streaming. Values come in the imported file's order, else in IMPReSS order.
    """
    return (
        experiments.filter(voided_at__isnull=True, mouse__voided_at__isnull=True)
        .select_related("centre", "mouse", "procedure__pipeline")
        .annotate(
            dcc_project=Coalesce(NullIf(F("source_project"), Value("")),
                                 NullIf(F("mouse__colony__project"), Value("")), F("centre__default_project")),
            dcc_pipeline=_dcc_pipeline(),
        )
        .prefetch_related(Prefetch("values", queryset=_value_rows(ParameterValue)))
        .order_by("centre__code", "dcc_pipeline", "dcc_project", "date_of_experiment", "pk")
    )


def _dcc_pipeline():
    """The pipeline of the record's `<centre>` block: the imported file's, else its procedure's."""
    return Coalesce(NullIf(F("source_pipeline"), Value("")), F("procedure__pipeline__key"))


def _value_rows(model):
    return model.objects.select_related("parameter").order_by(
        F("position").asc(nulls_last=True), "parameter__order", "parameter__key", "increment", "pk"
    )


_experiment_rows = experiment_rows


def not_performed_rows(tests: QuerySet[ScheduledTest]) -> QuerySet[ScheduledTest]:
    """Not-performed scheduled tests as the writer reads them (one `<experiment>` with a statusCode each)."""
    return (
        tests.filter(status=ScheduledTest.Status.NOT_PERFORMED, mouse__voided_at__isnull=True)
        .select_related("centre", "mouse", "procedure__pipeline")
        .annotate(
            dcc_project=Coalesce(NullIf(F("mouse__colony__project"), Value("")), F("centre__default_project"))
        )
        .order_by("centre__code", "procedure__pipeline__key", "dcc_project", "due_date", "pk")
    )


def line_rows(lines: QuerySet[LineExperiment]) -> QuerySet[LineExperiment]:
    """Line-level experiments as the writer reads them (one `<line colonyID>` each)."""
    return (
        lines.filter(voided_at__isnull=True)
        .select_related("centre", "colony", "procedure__pipeline")
        .annotate(
            dcc_project=Coalesce(NullIf(F("source_project"), Value("")), NullIf(F("colony__project"), Value("")),
                                 F("centre__default_project")),
            cohort_name=Subquery(_cohorts("colony_id", "centre_id").values("colony_name")[:1]),
            dcc_pipeline=_dcc_pipeline(),
        )
        .prefetch_related(Prefetch("values", queryset=_value_rows(LineParameterValue)))
        .order_by("centre__code", "dcc_pipeline", "dcc_project", "date_of_experiment", "pk")
    )


def housing_rows(housings: QuerySet[Housing]) -> QuerySet[Housing]:
    """Centre housing records as the writer reads them (one `<housing>` each, at most two per block)."""
    return (
        housings.filter(voided_at__isnull=True)
        .select_related("centre", "procedure__pipeline")
        .annotate(dcc_project=Coalesce(NullIf(F("source_project"), Value("")), F("centre__default_project")),
                  dcc_pipeline=_dcc_pipeline())
        .prefetch_related(Prefetch("values", queryset=_value_rows(HousingValue)))
        .order_by("centre__code", "dcc_pipeline", "dcc_project", "pk")
    )


def _values_content(rows) -> list[tuple]:
    """The values as the writer writes them. A bench value's unit is its parameter's unless it keeps its own (typed
    under an earlier IMPReSS unit, see `procedures.impress`): the unit written, so a hash changes only with the XML.
    Bench values of a parameter IMPReSS has since retired stay in (the writer leaves them out): an experiment sent
    before the retirement is not sent again for it."""
    return [(r.parameter.key, r.parameter.type, _unit_of(r) if not r.kind else r.parameter.unit, r.increment,
             r.value, r.status_code)
            + ((r.kind, r.sequence_id, r.unit, r.terms, r.media) if r.kind else ())
            for r in rows]


def _unit_of(row) -> str:
    """The unit a value was recorded in: its own where it has one (an import's, or an earlier IMPReSS unit it was
    typed under), else its parameter's."""
    return row.parameter.unit if row.unit is None else row.unit


def experiment_content(experiment: Experiment) -> dict:
    """Everything the experiment file says about one experiment; the ledger hashes exactly this."""
    attrib = {"experimentID": experiment.experiment_id,
              "dateOfExperiment": experiment.date_of_experiment.isoformat() + experiment.dcc_date_timezone}
    if experiment.sequence_id:
        attrib["sequenceID"] = experiment.sequence_id
    content = {"block": list(_block_key(experiment)), "attrib": attrib, "specimen": experiment.mouse.specimen_id,
               "procedure": experiment.procedure.key, "values": _values_content(experiment.values.all())}
    if experiment.dcc_status_codes:
        content["status_codes"] = experiment.dcc_status_codes
    return content


def not_performed_date(test: ScheduledTest):
    return test.status_changed_at.date() if test.status_changed_at else test.due_date


def not_performed_content(test: ScheduledTest) -> dict:
    """A scheduled test that was not performed: an experiment with only a procedure status code (§3.2)."""
    return {"block": list(_block_key(test)),
            "attrib": {"experimentID": f"{test.centre.code}-NP-{test.pk}",
                       "dateOfExperiment": not_performed_date(test).isoformat()},
            "specimen": test.mouse.specimen_id, "status_code": test.status_code}


def line_content(line: LineExperiment) -> dict:
    attrib = {"colonyID": getattr(line, "cohort_name", None) or line.colony.name}
    if line.sequence_id:
        attrib["sequenceID"] = line.sequence_id
    return {"block": list(_block_key(line)), "attrib": attrib,
            "procedure": line.procedure.key, "values": _values_content(line.values.all()),
            "status_code": line.status_code,
            "status_codes": line.dcc_status_codes or ([[line.status_code, ""]] if line.status_code else [])}


def housing_content(housing: Housing) -> dict:
    """What `_write_housing` writes, for the ledger's hash: a changed value or date sends the record again."""
    return {"block": list(_block_key(housing)), "from_lims": housing.from_lims,
            "last_updated": housing.last_updated.isoformat() if housing.last_updated else "",
            "procedure": housing.procedure.key, "values": _values_content(housing.values.all())}


def _block_key(experiment: Experiment) -> tuple[str, str, str]:
    pipeline = getattr(experiment, "dcc_pipeline", None) or experiment.procedure.pipeline.key
    return experiment.centre.code, pipeline, experiment.dcc_project


#: The XML element of each IMPReSS type, for values entered at the bench (an imported value keeps its own).
_KIND_OF_TYPE = {
    Parameter.Type.SIMPLE: "simpleParameter", Parameter.Type.ONTOLOGY: "ontologyParameter",
    Parameter.Type.SERIES: "seriesParameter", Parameter.Type.MEDIA: "mediaParameter",
    Parameter.Type.MEDIA_SAMPLE: "mediaSampleParameter", Parameter.Type.SERIES_MEDIA: "seriesMediaParameter",
    Parameter.Type.METADATA: "procedureMetadata",
}
#: The XSD's `Procedure` sequence: every element of a kind comes before the next kind.
_KIND_ORDER = ("simpleParameter", "ontologyParameter", "seriesParameter", "mediaParameter", "mediaSampleParameter",
               "seriesMediaParameter", "procedureMetadata")


#: The elements a value typed at the bench is written as (media take a parameter status only).
_BENCH_KINDS = ("simpleParameter", "ontologyParameter", "seriesParameter", "procedureMetadata")
#: The media elements valid with a parameter status alone (a `mediaParameter` needs a URI and a fileType).
_STATUS_ONLY_KINDS = ("seriesMediaParameter", "mediaSampleParameter")


def _kind(row) -> str:
    return row.kind or _KIND_OF_TYPE[row.parameter.type]


def _parameter_attrib(row, *, unit: bool) -> dict[str, str]:
    attrib = {"parameterID": row.parameter.key}
    if unit:
        sent = _unit_of(row)
        if sent:
            attrib["unit"] = sent
    if row.sequence_id:
        attrib["sequenceID"] = row.sequence_id
    return attrib


def _sub(doc: _Document, name: str, attrib: dict | None = None):
    """A child element written inline (inside a parameter line)."""
    return doc._xf.element(doc._tag(name), attrib or {})


def _write_metadata_items(doc: _Document, items: list[dict]) -> None:
    for item in items:
        with _sub(doc, "procedureMetadata", item.get("attrib")):
            if item.get("parameterStatus") is not None:
                doc.leaf("parameterStatus", item["parameterStatus"])
            if item.get("value") is not None:
                doc.leaf("value", item["value"])


def _write_associations(doc: _Document, items: list[dict]) -> None:
    for item in items:
        with _sub(doc, "parameterAssociation", item.get("attrib")):
            for dim in item.get("dim", []):
                doc.leaf("dim", dim.get("value", ""), dim.get("attrib"))


def _write_simple(doc: _Document, rows, depth: int) -> None:
    """A simpleParameter or procedureMetadata (whose XSD order is reversed: parameterStatus before value)."""
    for row in rows:
        kind = _kind(row)
        with doc.line(kind, _parameter_attrib(row, unit=kind == "simpleParameter"), depth):
            # An imported element keeps whether it had a <value> ("value" in media when that is not implied).
            has_value = bool(row.value) or (row.media or {}).get("value", not row.status_code)
            if kind == "procedureMetadata" and row.status_code:
                doc.leaf("parameterStatus", row.status_code)
            if has_value:
                doc.leaf("value", row.value)
            if kind == "simpleParameter" and row.status_code:
                doc.leaf("parameterStatus", row.status_code)


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


def _write_series(doc: _Document, rows, depth: int, problems: list[str], label: str) -> None:
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
    with doc.line("seriesParameter", _parameter_attrib(first, unit=True), depth):
        for row in values:
            value_attrib = {"incrementValue": row.increment}
            if row.status_code:
                value_attrib["incrementStatus"] = row.status_code
            doc.leaf("value", row.value, value_attrib)
        if overall_status or any((r.media or {}).get("status") for r in own):
            doc.leaf("parameterStatus", overall_status)


def _terms(row) -> list[str]:
    """An ontology value's terms: as imported, or the term ids typed at the bench (stored space-separated)."""
    return row.terms if row.kind else row.value.split()


def _write_ontology(doc: _Document, rows, depth: int) -> None:
    for row in rows:
        with doc.line("ontologyParameter", _parameter_attrib(row, unit=False), depth):
            for term in _terms(row) or []:
                doc.leaf("term", term)
            if row.status_code:
                doc.leaf("parameterStatus", row.status_code)


def _write_media(doc: _Document, rows, depth: int) -> None:
    for row in rows:
        media = row.media or {}
        with doc.line("mediaParameter", {**_parameter_attrib(row, unit=False), **media.get("attrib", {})}, depth):
            if row.status_code:
                doc.leaf("parameterStatus", row.status_code)
            _write_associations(doc, media.get("parameterAssociation", []))
            _write_metadata_items(doc, media.get("procedureMetadata", []))


def _write_media_sample(doc: _Document, rows, depth: int) -> None:
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


def _write_series_media(doc: _Document, rows, depth: int) -> None:
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


def _write_procedure(doc: _Document, procedure_key: str, values, label: str, depth: int,
                     problems: list[str]) -> None:
    """Write `<procedure>` with one element per parameter, grouped by kind in XSD order.

    Within a kind, imported values keep the file's order and the element they were sent in; values entered at the
    bench follow IMPReSS order and type (an ontology value's typed term ids become its terms). A bench media row
    may only carry the parameter status saying why the files are not sent; one with a value has no file to point
    at and is reported.
    """
    elements: dict[tuple, list] = {}
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
        elements.setdefault((kind, row.parameter_id, row.sequence_id), []).append(row)
    with doc.block("procedure", {"procedureID": procedure_key}, depth):
        for section in _KIND_ORDER:
            for (kind, _parameter, _sequence), rows in elements.items():
                if kind != section:
                    continue
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


def _write_status_codes(doc: _Document, codes: list, depth: int) -> None:
    for code, when in codes:
        doc._xf.write("\n" + _INDENT * depth)
        doc.leaf("statusCode", code, {"date": when} if when else None)


def _write_line(doc: _Document, line: LineExperiment, depth: int, problems: list[str]) -> None:
    content = line_content(line)
    with doc.block("line", content["attrib"], depth):
        label = f"line {content['attrib']['colonyID']} ({line.procedure.key}, {line.date_of_experiment})"
        _write_procedure(doc, line.procedure.key, line.values.all(), label, depth + 1, problems)
        _write_status_codes(doc, content["status_codes"], depth + 1)


def _write_experiment(doc: _Document, experiment: Experiment, depth: int, problems: list[str]) -> None:
    content = experiment_content(experiment)
    with doc.block("experiment", content["attrib"], depth):
        doc.text_line("specimenID", content["specimen"], depth + 1)
        label = f"{experiment.experiment_id} ({experiment.procedure.key}, specimen {content['specimen']})"
        _write_procedure(doc, experiment.procedure.key, experiment.values.all(), label, depth + 1, problems)
        _write_status_codes(doc, experiment.dcc_status_codes or [], depth + 1)


def _write_housing(doc: _Document, housing: Housing, depth: int, problems: list[str]) -> None:
    attrib = {"fromLIMS": "true" if housing.from_lims else "false"}
    if housing.last_updated:
        attrib["lastUpdated"] = housing.last_updated.isoformat()
    with doc.block("housing", attrib, depth):
        label = f"housing {housing.procedure.key} ({housing.centre.code})"
        _write_procedure(doc, housing.procedure.key, housing.values.all(), label, depth + 1, problems)


def _write_not_performed(doc: _Document, test: ScheduledTest, depth: int) -> None:
    content = not_performed_content(test)
    with doc.block("experiment", content["attrib"], depth):
        doc.text_line("specimenID", content["specimen"], depth + 1)
        doc.text_line("statusCode", content["status_code"], depth + 1)


def write_experiment_file(destination: str | PathLike, experiments: QuerySet[Experiment],
                          not_performed: QuerySet[ScheduledTest] | None = None,
                          lines: QuerySet[LineExperiment] | None = None,
                          housing: QuerySet[Housing] | None = None) -> WriteResult:
    """Write a `centreProcedureSet`: one `<centre centreID pipeline project>` block per combination.

    The XSD puts pipeline and project on `<centre>`, so experiments of different pipelines or projects (a colony
    of another project, a baseline under the centre's default) go to separate blocks. Inside a block the XSD order
    is housing{0,2}, line*, experiment*: housing records first, line experiments, then the experiments, then the
    not-performed tests (experiments carrying only a statusCode). Experiments stream; housing, lines and
    not-performed tests are few and are held per block until their block is written, so each block appears once
    whatever the database's collation. A block holds at most two housing records (XSD): more are reported. Data
    the format cannot hold is reported in `WriteResult.problems` rather than silently dropped. The XSD needs at
    least one `<centre>`, so callers do not write an experiment file with no record.
    """
    result = WriteResult()
    pending: dict[tuple, tuple[list, list, list]] = {}
    for record in housing_rows(housing).iterator(chunk_size=CHUNK_SIZE) if housing is not None else ():
        kept = pending.setdefault(_block_key(record), ([], [], []))[2]
        if len(kept) < 2:
            kept.append(record)
        else:
            result.problems.append(f"housing {record.procedure.key} ({record.centre.code}): a <centre> block holds "
                                   "at most two housing records; not written.")
    for line in line_rows(lines).iterator(chunk_size=CHUNK_SIZE) if lines is not None else ():
        pending.setdefault(_block_key(line), ([], [], []))[0].append(line)
    for test in not_performed_rows(not_performed).iterator(chunk_size=CHUNK_SIZE) if not_performed is not None else ():
        pending.setdefault(_block_key(test), ([], [], []))[1].append(test)

    def write_block(key, experiment_group) -> None:
        centre_code, pipeline, project = key
        block_lines, block_tests, block_housing = pending.pop(key, ([], [], []))
        with doc.block("centre", {"centreID": centre_code, "pipeline": pipeline, "project": project}, depth=1):
            for record in block_housing:
                _write_housing(doc, record, 2, result.problems)
                result.count += 1
            for line in block_lines:
                _write_line(doc, line, 2, result.problems)
                result.count += 1
            for experiment in experiment_group:
                _write_experiment(doc, experiment, 2, result.problems)
                result.count += 1
            for test in block_tests:
                _write_not_performed(doc, test, 2)
                result.count += 1

    with _root(destination, PROCEDURE_NS, "centreProcedureSet") as doc:
        rows = experiment_rows(experiments).iterator(chunk_size=CHUNK_SIZE)
        for key, group in groupby(rows, key=_block_key):
            write_block(key, group)
        for key in list(pending):
            write_block(key, ())
    return result



__all__ = [
    "CHUNK_SIZE",
    "PROCEDURE_NS",
    "SPECIMEN_NS",
    "WriteResult",
    "experiment_content",
    "experiment_rows",
    "housing_content",
    "housing_rows",
    "line_content",
    "line_rows",
    "mouse_content",
    "mouse_rows",
    "not_performed_content",
    "not_performed_rows",
    "write_experiment_file",
    "write_specimen_file",
]
