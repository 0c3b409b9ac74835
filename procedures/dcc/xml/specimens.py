"""The specimen file: one `<mouse>` (or `<embryo>`) per non-voided mouse, grouped by centre (dcc-format.md §3).

Rows stream from `QuerySet.iterator(chunk_size=…)` with their relations joined or prefetched per chunk, so neither
memory nor the number of queries grows with the number of mice. Element order follows specimen_definition.xsd.
"""
from itertools import groupby
from types import SimpleNamespace
from os import PathLike

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from colonies.models import Mouse, PhenotypingAttempt
from procedures.dcc.xml.markup import CHUNK_SIZE, INDENT, SPECIMEN_NS, Document, WriteResult, attribute, document
from procedures.dcc.xml.rows import json_column, raw_chunks

#: The attributes of a specimen's children, in the order specimen_definition.xsd declares them.
GENOTYPE_ATTRIBUTES = ("MGIGeneId", "geneSymbol", "MGIAlleleId", "fatherZygosity", "motherZygosity")
CHROMOSOME_ATTRIBUTES = ("start", "end", "species")
PARENTAL_STRAIN_ATTRIBUTES = ("percentage", "MGIStrainID", "gender", "level")


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


def _mouse_base(mice: QuerySet[Mouse]) -> QuerySet[Mouse]:
    return (mice.filter(voided_at__isnull=True)
            .annotate(cohort_name=Subquery(_cohorts("colony_id", "centre_id").values("colony_name")[:1]))
            .order_by("centre__code", "specimen_id", "pk"))


def mouse_rows(mice: QuerySet[Mouse]) -> QuerySet[Mouse]:
    """The mice as the specimen writer (and the ledger's hashing) reads them: parents and littermates joined."""
    pups = Mouse.objects.filter(voided_at__isnull=True).only("pk", "specimen_id", "litter_id").order_by("specimen_id")
    return (_mouse_base(mice).select_related("centre", "colony", "strain", "litter__dam", "litter__mating__male")
            .prefetch_related(Prefetch("litter__pups", queryset=pups, to_attr="live_pups")))


#: The columns of a mouse the specimen file says, with the attribute paths `mouse_content` reads them by.
_MOUSE_FIELDS = (
    "pk", "centre__code", "centre__default_pipeline", "centre__default_project", "specimen_id", "kind", "stage",
    "stage_unit", "date_of_birth", "sex", "zygosity", "is_baseline", "dcc_colony_id", "colony_id", "colony__name",
    "colony__project", "cohort_name", "dcc_strain_id", "strain__mgi_id", "litter_code", "dcc_pipeline",
    "dcc_production_centre", "dcc_phenotyping_centre", "dcc_project", "dcc_related_specimens", "litter_id",
    "litter__dam_id", "litter__dam__voided_at", "litter__dam__specimen_id", "litter__mating_id",
    "litter__mating__male__voided_at", "litter__mating__male__specimen_id", "dcc_genotypes",
    "dcc_chromosomal_alterations", "dcc_parental_strains", "specimen_status_code", "specimen_status_date",
)


_JSON_FIELDS = ("dcc_related_specimens", "dcc_genotypes", "dcc_chromosomal_alterations", "dcc_parental_strains")


def _namespace(row: dict) -> SimpleNamespace:
    """Nest "a__b" keys as attributes (`mouse.litter.dam.specimen_id`); a missing relation becomes None."""
    for name in _JSON_FIELDS:  # JSON text from the cursor (`rows.raw_chunks`)
        row[name] = json_column(row[name])
    mouse = SimpleNamespace(**{k: v for k, v in row.items() if "__" not in k})
    mouse.centre = SimpleNamespace(code=row["centre__code"], default_pipeline=row["centre__default_pipeline"],
                                   default_project=row["centre__default_project"])
    mouse.colony = SimpleNamespace(name=row["colony__name"], project=row["colony__project"]) if row[
        "colony_id"] else None
    mouse.strain = SimpleNamespace(mgi_id=row["strain__mgi_id"])
    mouse.litter = None
    if row["litter_id"]:
        dam = SimpleNamespace(voided_at=row["litter__dam__voided_at"], specimen_id=row["litter__dam__specimen_id"])
        male = SimpleNamespace(voided_at=row["litter__mating__male__voided_at"],
                               specimen_id=row["litter__mating__male__specimen_id"])
        mouse.litter = SimpleNamespace(dam_id=row["litter__dam_id"], dam=dam, mating_id=row["litter__mating_id"],
                                       mating=SimpleNamespace(male=male), live_pups=[])
    return mouse


def mouse_records(mice: QuerySet[Mouse]):
    """Yield the mice as `mouse_content` reads them, from tuples: one query for the mice (a server-side cursor)
    and one for the littermates of each chunk; no model instance per mouse and relative."""
    rows = _mouse_base(mice).values_list(*_MOUSE_FIELDS)
    for raw in raw_chunks(rows, CHUNK_SIZE):
        chunk = [_namespace(dict(zip(_MOUSE_FIELDS, row))) for row in raw]
        litters = {mouse.litter_id: [] for mouse in chunk if mouse.litter_id}
        for pk, specimen_id, litter_id in (Mouse.objects.filter(voided_at__isnull=True, litter_id__in=list(litters))
                                           .order_by("specimen_id").values_list("pk", "specimen_id", "litter_id")):
            litters[litter_id].append(SimpleNamespace(pk=pk, specimen_id=specimen_id))
        for mouse in chunk:
            if mouse.litter is not None:
                mouse.litter.live_pups = litters[mouse.litter_id]
            yield mouse


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


def _write_specimen_children(doc: Document, content: dict, depth: int) -> None:
    """relatedSpecimen*, genotype*, chromosomalAlteration*, parentalStrain*, statusCode? (the XSD's sequence)."""
    indent = "\n" + INDENT * depth
    for specimen_id, relationship in content["related"]:  # one string each, as `empty_line` writes it
        doc.raw(f'{indent}<relatedSpecimen specimenID="{attribute(specimen_id)}" '
                f'relationship="{attribute(relationship)}"></relatedSpecimen>')
    for genotype in content.get("genotypes", ()):
        doc.empty_line("genotype", _ordered(genotype, GENOTYPE_ATTRIBUTES), depth)
    for alteration in content.get("alterations", ()):
        with doc.block("chromosomalAlteration", {}, depth):
            for name, key in (("chromosomeAdded", "added"), ("chromosomeRemoved", "removed")):
                for chromosome in alteration.get(key, ()):
                    doc.empty_line(name, _ordered(chromosome, CHROMOSOME_ATTRIBUTES), depth + 1)
    for strain in content.get("parental_strains", ()):
        doc.empty_line("parentalStrain", _ordered(strain, PARENTAL_STRAIN_ATTRIBUTES), depth)
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
    with document(destination, SPECIMEN_NS, "centreSpecimenSet") as doc:
        for centre_code, group in groupby(mouse_records(mice), key=lambda m: m.centre.code):
            with doc.block("centre", {"centreID": centre_code}, depth=1):
                for mouse in group:
                    content = mouse_content(mouse)
                    name = "embryo" if mouse.kind == Mouse.Kind.EMBRYO else "mouse"
                    if content["related"] or len(content) > 2:  # children beyond attrib and related
                        with doc.block(name, content["attrib"], depth=2):
                            _write_specimen_children(doc, content, depth=3)
                    else:
                        doc.empty_line(name, content["attrib"], 2)
                    result.count += 1
    return result


# --- Experiments -----------------------------------------------------------------------------------------------
