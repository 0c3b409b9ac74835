"""Property-based requests to every operation of /api/schema/, in-process against the WSGI application.

Schemathesis reads the OpenAPI schema drf-spectacular serves, generates requests for every operation (valid and
edge-case bodies, query strings and path ids) as a centre admin with a token, and checks each answer: never a 5xx,
the documented content type, and a body that matches the schema for its status code. A bounded number of examples
per operation keeps the run to a couple of minutes; `derandomize` makes a failure reproduce.

Undocumented status codes (400, 404, 409 on most operations) are not counted as failures: drf-spectacular documents
only the success answer, and the error shape is pinned by the API tests (lims/api.py).
"""
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from lims.models import Role
from tests.factories import UserFactory
from tests.security.routes import build_line

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def api_token(centre):
    build_line(centre)  # records to find, so list and detail answers carry bodies to check
    user = UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="fuzzer")
    return Token.objects.create(user=user).key


def test_api_answers_within_its_schema(api_token):
    """One hypothesis run per operation (the lazy pytest loader of schemathesis does not run under this pytest)."""
    headers = {"Authorization": f"Token {api_token}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), headers=headers)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def run(case):
            case.call_and_validate(headers=headers,
                                   checks=[not_a_server_error, content_type_conformance, response_schema_conformance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every failing operation is reported
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert operations > 50
    assert failures == [], "\n\n".join(failures)
