"""The IMPReSS IMPC_001 definition as procedures' part of `load_reference` (registered in `ProceduresConfig.ready`)."""
from django.conf import settings

from procedures.impress import impress_load_file
from procedures.ranges import impress_file_ranges_load


def impress_reference_load() -> dict[str, int]:
    """Load `fixtures/impress_impc_001.json` and its parameter ranges, idempotently; counts by kind."""
    path = settings.BASE_DIR / "fixtures" / "impress_impc_001.json"
    counts = impress_load_file(path)
    counts.update(impress_file_ranges_load(path).counts())
    return counts
