"""Personas and clients shared by every test.

`centre` is Harwell (H); `other_centre` is JAX (J). Each role of the first centre has a persona, and `outsider` is a
technician of the other centre. Tests that need Redis or a live worker use the `redis_url` fixture: without
REDIS_URL they skip locally, and in CI (CI=true) they fail instead, because CI must exercise the real servers.
"""
import os

import pytest
from rest_framework.test import APIClient

from lims.models import Role
from tests.factories import CentreFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def centre(db):
    return CentreFactory(code="H", name="Harwell", full_name="MRC Harwell", default_project="BaSH")


@pytest.fixture
def other_centre(db):
    return CentreFactory(code="J", name="JAX", full_name="The Jackson Laboratory", default_project="JAX")


def _persona(centre, role, name):
    return UserFactory(username=name, centre=centre, role=role)


@pytest.fixture
def tech(centre):
    return _persona(centre, Role.TECHNICIAN, "tech")


@pytest.fixture
def manager(centre):
    return _persona(centre, Role.COLONY_MANAGER, "manager")


@pytest.fixture
def wrangler(centre):
    return _persona(centre, Role.DATA_WRANGLER, "wrangler")


@pytest.fixture
def centre_admin(centre):
    return _persona(centre, Role.CENTRE_ADMIN, "centre-admin")


@pytest.fixture
def readonly(centre):
    return _persona(centre, Role.READ_ONLY, "readonly")


@pytest.fixture
def outsider(other_centre):
    return _persona(other_centre, Role.CENTRE_ADMIN, "outsider")


@pytest.fixture
def api_client():
    """An APIClient; call `as_user(client, user)` or use `auth_client`."""
    return APIClient()


@pytest.fixture
def auth_client():
    """Return a factory: auth_client(user) gives an APIClient logged in as `user` (session + CSRF off)."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture(autouse=True)
def celery_in_process(request):
    """Run Celery tasks in-process in every test except those that ask for the real broker (`redis_url`).

    Settings pick eager mode from REDIS_URL at import time; in CI REDIS_URL is set, and a test that enqueued without
    a worker would wait forever. The worker tests (tests/dcc/test_worker.py) use `redis_url` and keep the broker.
    """
    from lims.celery import app

    if "redis_url" in request.fixturenames:
        yield
        return
    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def eager_tasks(celery_in_process):
    """Say in a test's signature that it relies on tasks running in-process (they do unless it uses `redis_url`)."""


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        message = "needs REDIS_URL (a real Redis) and a Celery worker"
        if IN_CI:
            pytest.fail(f"{message}: CI must not skip service tests")
        pytest.skip(message)
    return url


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: every service must really be exercised there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        reporter.write_line(f"CI: {len(reporter.stats['skipped'])} test(s) skipped; skips are failures in CI.")
        session.exitstatus = 1
