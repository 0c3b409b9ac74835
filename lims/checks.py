"""System checks that warn when a development convenience is used in production."""
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
