"""The project package: settings, URLs, Celery app, shared models (centres, users, reference data)."""
from lims.celery import app as celery_app

__all__ = ["celery_app"]
