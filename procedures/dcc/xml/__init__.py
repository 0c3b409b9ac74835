"""Write the two DCC documents, specimen and experiment files, as dcc-format.md §3 describes them.

Both writers stream, so neither memory nor the number of queries grows with the number of records; element order
follows the XSD sequences exactly (the DCC validates against them before anything else). Which rows to export is
decided by `procedures.dcc.selectors`; voided rows are left out here as well, so a writer can never leak a voided
record whatever queryset it is given.

- `markup`: namespaces, escaping and the buffered writer (the bytes `lxml.etree.xmlfile` wrote, without an lxml
  call per element);
- `specimens`: the specimen file and what the ledger hashes of a mouse;
- `records`: experiments as tuples (`experiment_records`), the other records' querysets, and the `*_content` the
  ledger hashes;
- `procedure`: the `<procedure>` element and its parameters;
- `experiments`: the experiment file.
"""
from procedures.dcc.xml.experiments import write_experiment_file
from procedures.dcc.xml.markup import CHUNK_SIZE, PROCEDURE_NS, SPECIMEN_NS, WriteResult
from procedures.dcc.xml.records import (
    ExperimentRecord,
    experiment_content,
    experiment_records,
    experiment_rows,
    housing_content,
    housing_rows,
    line_content,
    line_rows,
    not_performed_content,
    not_performed_date,
    not_performed_rows,
    parameter_rows,
)
from procedures.dcc.xml.specimens import (
    CHROMOSOME_ATTRIBUTES,
    GENOTYPE_ATTRIBUTES,
    PARENTAL_STRAIN_ATTRIBUTES,
    mouse_content,
    mouse_records,
    mouse_rows,
    write_specimen_file,
)

__all__ = [
    "CHROMOSOME_ATTRIBUTES",
    "CHUNK_SIZE",
    "GENOTYPE_ATTRIBUTES",
    "PARENTAL_STRAIN_ATTRIBUTES",
    "PROCEDURE_NS",
    "SPECIMEN_NS",
    "ExperimentRecord",
    "WriteResult",
    "experiment_content",
    "experiment_records",
    "experiment_rows",
    "housing_content",
    "housing_rows",
    "line_content",
    "line_rows",
    "mouse_content",
    "mouse_records",
    "mouse_rows",
    "not_performed_content",
    "not_performed_date",
    "not_performed_rows",
    "parameter_rows",
    "write_experiment_file",
    "write_specimen_file",
]
