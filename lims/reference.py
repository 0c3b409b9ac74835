"""Load the reference data (centres, consortia, strains, genes) from `fixtures/reference.json`, idempotently.

The apps above the core add their own reference data to `load_reference` through `reference_loader_register`
(procedures registers the IMPReSS definition in its `AppConfig.ready()`), so the core command names no domain app
and one command still leaves a database ready to use.
"""
import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from lims.models import Centre, Consortium, Gene, Strain

REFERENCE_FILE = Path(settings.BASE_DIR) / "fixtures" / "reference.json"

#: A loader of an app's reference data: loads it idempotently and returns counts by kind ("procedures": 21, …).
ReferenceLoader = Callable[[], dict[str, int]]
_LOADERS: list[ReferenceLoader] = []


def reference_loader_register(loader: ReferenceLoader) -> ReferenceLoader:
    """Have `load_reference` run `loader` after the core's own data, in the order apps register (once each)."""
    if loader not in _LOADERS:
        _LOADERS.append(loader)
    return loader


def reference_loaders() -> list[ReferenceLoader]:
    """The registered loaders, in the order they run."""
    return list(_LOADERS)


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
