"""Load the reference data (centres, consortia, strains, genes) from `fixtures/reference.json`, idempotently.

The apps above the core add their own reference data to `load_reference` through `reference_loader_register`
(procedures registers the IMPReSS definition in its `AppConfig.ready()`), so the core command names no domain app
and one command still leaves a database ready to use.
"""
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from lims.hooks import HookRegistry
from lims.models import Centre, Consortium, Gene, Strain

REFERENCE_FILE = Path(settings.BASE_DIR) / "fixtures" / "reference.json"

#: Loaders of the apps' reference data, run by `load_reference` after the core's own, in the order apps register
#: them: each loads its data idempotently and returns counts by kind ("procedures": 21, …).
REFERENCE_LOADERS = HookRegistry("reference loaders")
reference_loader_register = REFERENCE_LOADERS.register


@transaction.atomic
def reference_load(path: Path = REFERENCE_FILE) -> dict[str, int]:
    """Create or update every reference row by its natural key; a second run changes nothing."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    for row in data["centres"]:
        Centre.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})
    for row in data["consortia"]:
        Consortium.objects.update_or_create(name=row["name"], defaults={"funding": row.get("funding", "")})
    for row in data["strains"]:
        roles = set(row.get("roles", []))
        Strain.objects.update_or_create(
            name=row["name"],
            defaults={
                "mgi_id": row.get("mgi_id", ""),
                "is_background": "background" in roles,
                "is_test_cross": "test_cross" in roles,
                "is_blast": "blast" in roles,
                "is_deleter": "deleter" in roles,
                "excision_type": row.get("excision_type", ""),
            },
        )
    for row in data["genes"]:
        Gene.objects.update_or_create(mgi_id=row["mgi_id"], defaults={k: v for k, v in row.items() if k != "mgi_id"})
    return {key: len(data[key]) for key in ("centres", "consortia", "strains", "genes")}
