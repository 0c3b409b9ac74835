"""Fixtures of the phenotyping tests: uploaded files under a temporary MEDIA_ROOT, eager tasks on demand."""
import pytest

from lims.celery import app as celery_app


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores its uploads under its own temporary MEDIA_ROOT, never the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process for this test, whatever REDIS_URL says.

    Settings choose eager mode from REDIS_URL at import time; flipping the app flag keeps a test from waiting on a
    worker that is not there. A test transaction never commits, so the test wraps the request that enqueues in
    `django_capture_on_commit_callbacks(execute=True)`.
    """
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous
