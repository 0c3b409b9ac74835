"""System checks that warn when a development convenience is used in production, or a needed file is missing."""
from pathlib import Path

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def development_services_check(app_configs, **kwargs):
    warnings = []
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        warnings.append(Warning("Celery tasks run in-process: set REDIS_URL in production.", id="lims.W001"))
    if getattr(settings, "EMBEDDED_DATABASE", False):
        warnings.append(Warning("The embedded PostgreSQL is in use: set DATABASE_URL in production.", id="lims.W002"))
    return warnings


def dcc_schemas_present() -> bool:
    """Whether the DCC's XSDs are where LIMS_DCC_XSD_DIR says: every export is validated against them first."""
    return (Path(settings.LIMS_DCC_XSD_DIR) / "core" / "specimen_definition.xsd").is_file()


@register()
def dcc_schemas_check(app_configs, **kwargs):
    """Say at start-up, not at the first export, that the DCC schemas are missing (a clone without ../shared)."""
    if dcc_schemas_present():
        return []
    return [Warning(f"The DCC's XML schemas are not in LIMS_DCC_XSD_DIR ({settings.LIMS_DCC_XSD_DIR}): DCC exports "
                    "will fail validation until it names the folder holding core/specimen_definition.xsd.",
                    id="lims.W003")]
