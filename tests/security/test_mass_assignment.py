"""Mass assignment: what the server decides (id, centre, status, who created, QC, void) never comes from a client.

For every route that creates or updates, the serializer must not accept those fields (statically), and a PATCH that
sends them all leaves the stored values as they were (dynamically).
"""
from pathlib import Path

import pytest

from lims.models import Role
from tests.factories import UserFactory
from tests.security.routes import SHARED, allows, api_routes, build_line, serializer_for

pytestmark = pytest.mark.django_db

ROUTES = api_routes()
OWNED = sorted(set(ROUTES) - set(SHARED))
PROTECTED = ["id", "centre", "status", "status_code", "created_by", "created_at", "updated_at", "qc_locked_at",
             "qc_locked_by", "qc_status", "needs_resubmission", "voided_at", "void_reason", "dcc_submitted_at",
             "procedure_version", "sequence_id"]
# Fields named like a protected one that a person legitimately sets, with why.
ALLOWED = {
    ("mice", "status"): "a mouse's life status (alive, dead, culled, exported, used) is what the technician records",
    ("line-experiments", "status_code"): "the IMPC_PSC code of a line procedure not performed, entered by a person",
}
CLIENT_VALUES = {
    "id": 987654, "centre": "J", "status": "aborted", "status_code": "abo", "created_by": "outsider",
    "created_at": "2001-01-01T00:00:00Z", "updated_at": "2001-01-01T00:00:00Z",
    "qc_locked_at": "2001-01-01T00:00:00Z", "qc_locked_by": "outsider", "qc_status": "passed",
    "needs_resubmission": True, "voided_at": "2001-01-01T00:00:00Z", "void_reason": "client says voided",
    "dcc_submitted_at": "2001-01-01T00:00:00Z", "procedure_version": "9.9", "sequence_id": "99",
}


def _writable_routes():
    for route in OWNED:
        for action, method in (("create", "post"), ("partial_update", "patch")):
            if allows(ROUTES[route], method):
                yield route, action, method


def test_serializers_do_not_accept_server_fields(centre):
    user = UserFactory(centre=centre, role=Role.CENTRE_ADMIN)
    accepted = []
    for route, action, method in _writable_routes():
        fields = serializer_for(ROUTES[route], action, user, method).fields
        for name in PROTECTED:
            if name in fields and not fields[name].read_only and (route, name) not in ALLOWED:
                accepted.append(f"{route} {action}: {name}")
    assert accepted == []


def test_no_serializer_takes_all_model_fields():
    """`fields = "__all__"` would make every new model field writable by clients; serializers list theirs."""
    sources = [p for app in ("lims", "colonies", "procedures") for p in Path(app).rglob("*.py")
               if "serializers" in p.name or "api" in p.parts or p.name.startswith("api")]
    assert len(sources) > 5
    offenders = [str(p) for p in sources if 'fields = "__all__"' in p.read_text() or "fields = '__all__'" in p.read_text()]
    assert offenders == []


def test_patch_with_server_fields_changes_none_of_them(auth_client, centre, other_centre):
    line = build_line(centre)
    client = auth_client(UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="mass-admin"))
    wrong = []
    for route, _action, method in _writable_routes():
        if method != "patch":
            continue
        record = line[route]
        model = type(record)
        names = [f.attname for f in model._meta.concrete_fields]
        before = model.objects.filter(pk=record.pk).values(*names).get()
        payload = {k: v for k, v in CLIENT_VALUES.items() if (route, k) not in ALLOWED}
        response = client.patch(f"/api/v1/{route}/{record.pk}/", payload)
        if response.status_code >= 500:
            wrong.append(f"{route}: {response.status_code}")
            continue
        after = model.objects.filter(pk=record.pk).values(*names).get()
        for name in names:
            base = name.removesuffix("_id")
            if base in ("created_at", "updated_at"):  # the server's clock, never the client's 2001
                if after[name] is not None and after[name].year == 2001:
                    wrong.append(f"{route}.{name} took the client's value")
            elif base in CLIENT_VALUES and (route, base) not in ALLOWED and after[name] != before[name]:
                wrong.append(f"{route}.{name}: {before[name]!r} -> {after[name]!r}")
        assert not model.objects.filter(pk=987654).exists()
    assert wrong == []
