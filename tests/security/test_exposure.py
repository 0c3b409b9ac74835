"""What an anonymous caller learns, and what a locked-out one is told (issue 17, point 10).

The suite runs with DEBUG off (pytest-django), as a production site does:
- `/api/schema/` and `/api/docs/` need a login: the schema describes every route and field of the API.
- `/health/` tells an anonymous caller only up or down (200/503); a logged-in user or an API token sees which part
  is down and how many workers answer.
- `POST /api/v1/auth/token/` answers a locked-out username+address 429 with Retry-After, as the login form does, not
  the 400 of a wrong password.
"""
import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_schema_and_docs_need_a_login(tech):
    anonymous = Client()
    assert anonymous.get("/api/schema/").status_code in (401, 403)
    assert anonymous.get("/api/schema/?format=json").status_code in (401, 403)
    docs = anonymous.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/login/?next=/api/docs/")
    assert anonymous.get("/api/docs/?script=").status_code == 302  # the page's start-up script too


def test_schema_and_docs_answer_a_logged_in_user_and_a_token(tech):
    client = Client()
    client.force_login(tech)
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200 and "/api/v1/mice/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b'<div id="swagger-ui">' in docs.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in script.content
    token = Token.objects.create(user=tech).key
    assert Client().get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_health_tells_an_anonymous_caller_only_up_or_down(db):
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_details_for_a_logged_in_user_or_a_token(tech):
    client = Client()
    client.force_login(tech)
    details = client.get("/health/").json()
    assert details["status"] == "ok" and details["database"] == "ok" and "broker" in details and "workers" in details
    token = Token.objects.create(user=tech).key
    assert "database" in Client().get("/health/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert Client().get("/health/", HTTP_AUTHORIZATION="Token not-a-token").json() == {"status": "ok"}


def test_health_details_for_everyone_while_debug_is_on(db, settings):
    """A developer's `make run` (DEBUG on by default) shows them without a login."""
    settings.DEBUG = True
    assert Client().get("/health/").json()["database"] == "ok"


def test_a_locked_out_token_request_answers_429_not_400(settings):
    UserFactory(username="scripted", password="right-horse-battery")
    url = "/api/v1/auth/token/"
    client = Client()
    answers = [client.post(url, {"username": "scripted", "password": "wrong"}, REMOTE_ADDR="10.0.0.9").status_code
               for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # wrong password, then the lockout
    locked = client.post(url, {"username": "scripted", "password": "right-horse-battery"}, REMOTE_ADDR="10.0.0.9")
    assert locked.status_code == 429
    body = locked.json()
    assert "token" not in body and body["status"] == 429 and "locked out for 15 minutes" in body["detail"]
    assert int(locked["Retry-After"]) == 15 * 60
    # Another address is not locked, and the right password gives the token there.
    assert Client().post(url, {"username": "scripted", "password": "right-horse-battery"},
                         REMOTE_ADDR="10.0.0.10").json()["token"]
