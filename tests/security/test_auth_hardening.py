"""Sessions and logins: CSRF on every unsafe request, lockout after failed logins, production settings checked.

- Every URL of the site (HTML pages, admin and API), found by walking the URL resolver, refuses a POST, PUT, PATCH
  and DELETE of a logged-in session that carries no CSRF token (403), so a page elsewhere cannot make a user's
  browser change records.
- Five wrong passwords for one username from one address lock that pair out (django-axes, 429); a sixth try with the
  right password is refused too, another user at the same address is not.
- `manage.py check --deploy --fail-level WARNING` passes with the environment of a production machine.
"""
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Views that must take a POST without a session's CSRF token, with why.
CSRF_EXEMPT = {
    "/api/v1/auth/token/": "exchanges a username and password for an API token; it uses no session (DRF's "
                           "SessionAuthentication, which checks CSRF, does not apply to it)",
}


def _paths(resolver=None, prefix="") -> list[str]:
    """One concrete path per URL pattern of the site: converters get a plausible value (the CSRF check runs before
    the view, so the object need not exist)."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        route = getattr(pattern, "_route", None)
        if route is None:  # regex patterns (DRF routers, admin): named groups get "1", format suffixes are skipped
            if "format" in pattern.regex.groupindex:
                continue
            route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern.regex.pattern)
            if "(" in route:
                continue
            route = route.lstrip("^").rstrip("$").replace("\\", "")
        for name, converter in getattr(pattern, "converters", {}).items():
            value = "1" if type(converter).__name__ == "IntConverter" else "x"
            route = route.replace(f"<{type(converter).__name__.removesuffix('Converter').lower()}:{name}>", value)
            route = route.replace(f"<{name}>", value)
        if "<" in route:
            continue
        if isinstance(entry, URLResolver):
            found += _paths(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append("/" + prefix + route)
    return sorted(set(found))


def test_every_unsafe_session_request_needs_the_csrf_token(tech):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tech)
    paths = _paths()
    assert len(paths) > 80 and "/api/v1/mice/1/" in paths and "/colony/" in "".join(paths)
    refused, accepted = 0, []
    for path in paths:
        if path in CSRF_EXEMPT:
            continue
        for method in ("post", "put", "patch", "delete"):
            status = getattr(client, method)(path, {} if method == "post" else "", **(
                {} if method == "post" else {"content_type": "application/json"})).status_code
            if status == 403:
                refused += 1
            else:
                accepted.append(f"{method.upper()} {path}: {status}")
    assert accepted == []
    assert refused == 4 * (len(paths) - len(CSRF_EXEMPT))


def test_the_token_lets_the_same_request_through(tech):
    """The other side of the coin: the suite above fails for the token's absence, not for anything else."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(tech)
    client.get("/")
    token = client.cookies["csrftoken"].value
    assert client.post("/api/v1/rooms/", {"name": "CSRF room"}, HTTP_X_CSRFTOKEN=token).status_code != 403
    assert client.post("/api/v1/rooms/", {"name": "CSRF room 2"}).status_code == 403


def _login(client, username, password, ip="10.0.0.7"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_failed_logins_lock_out_the_username_at_that_address(settings):
    UserFactory(username="victim", password="right-horse-battery")
    UserFactory(username="colleague", password="right-horse-battery")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "victim", "wrong").status_code == 200  # the form again, with its error
    assert _login(client, "victim", "wrong").status_code == 429  # the fifth failure locks
    assert _login(client, "victim", "right-horse-battery").status_code == 429  # even the right password now
    assert "_auth_user_id" not in client.session
    assert _login(Client(), "colleague", "right-horse-battery").status_code == 302  # same PC, other user
    assert _login(Client(), "victim", "right-horse-battery", ip="10.0.0.8").status_code == 302  # elsewhere


def test_a_good_login_still_works_and_resets_the_count(settings):
    UserFactory(username="forgetful", password="right-horse-battery")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "forgetful", "wrong")
    assert _login(client, "forgetful", "right-horse-battery").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(Client(), "forgetful", "wrong").status_code == 200  # counting from zero again


def test_deploy_check_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "SECURE_"))}
    env.update({
        "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(60), "ALLOWED_HOSTS": "lims.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://lims.example.org", "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgresql://lims@127.0.0.1:5432/lims",
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_the_api_token_endpoint_is_locked_out_too(settings):
    """Guessing passwords through /api/v1/auth/token/ counts like the login form (DRF passes the request on)."""
    UserFactory(username="scripted", password="right-horse-battery")
    client = Client()
    url = "/api/v1/auth/token/"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "scripted", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    locked = client.post(url, {"username": "scripted", "password": "right-horse-battery"}, REMOTE_ADDR="10.0.0.9")
    # The right password gives no token while locked: 429, as the login form (tests/security/test_exposure.py).
    assert locked.status_code == 429 and "token" not in locked.json()
    assert Client().post(url, {"username": "scripted", "password": "right-horse-battery"},
                         REMOTE_ADDR="10.0.0.10").json()["token"]  # from another address it still works
