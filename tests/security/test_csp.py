"""Content-Security-Policy: every answer carries it, and every page satisfies it.

- The header (django-csp) allows scripts and style sheets from the site's own files only; no 'unsafe-inline' or
  'unsafe-eval' for scripts.
- Every HTML page of the site, found by walking the URL resolver with real records of one centre (`build_line`) and
  the admin as a superuser, has no inline `<script>`, no `on…=` handler, no `javascript:` URL and no `<style>`
  element: each of them would be refused by the browser under that policy.
- Every template is checked the same way, so a page the walk cannot reach (a form's error state) is covered too.
- The pages that run scripts (the DCC export's progress, an upload's progress, the print buttons, the API docs) do
  their work in Chromium under the real header, which reports no violation (tests/e2e/test_csp_pages.py).
"""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory
from tests.security.routes import build_line

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


class InlineCode(HTMLParser):
    """Collect what a strict policy (script-src 'self'; style-src-elem 'self') would refuse in one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…> (inline event handler)")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            data_only = (attributes.get("type") or "").lower() in ("application/json", "application/ld+json")
            self._in_script = "src" not in attributes and not data_only
        if tag == "style":
            self.found.append("<style> element")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_what_the_browser_would_refuse():
    """The page check below is only as good as this parser: it must see each kind of inline code."""
    page = ('<p onclick="x()">a</p><a href=" JavaScript:alert(1)">b</a><script>alert(1)</script>'
            '<style>p{}</style><script src="/static/js/print.js"></script><script type="application/json">{}</script>'
            '<svg><g style="fill:red"></g></svg>')
    assert inline_code(page) == ["<p onclick=…> (inline event handler)", "<a href=javascript:…>",
                                 "inline <script>: alert(1)", "<style> element"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_answer_carries_a_policy_without_inline_scripts(client, tech):
    client.force_login(tech)
    for url in ("/", "/login/", "/health/", "/api/v1/mice/", "/no-such-page/"):
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src-elem"] == ["'self'"] and policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"], url
    anonymous = Client().get("/login/")
    assert "'unsafe-inline'" not in anonymous["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def _get_paths(resolver=None, prefix="") -> list[tuple[str, object]]:
    """(route with converters, callback) of every URL pattern."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        route = getattr(entry.pattern, "_route", None)
        if route is None:
            regex = entry.pattern.regex.pattern
            if "format" in entry.pattern.regex.groupindex:
                continue
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", regex).lstrip("^").rstrip("$").replace("\\", "")
            if "(" in route:
                continue
        if isinstance(entry, URLResolver):
            found += _get_paths(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append((prefix + route, entry.callback))
    return found


def _model_of(callback):
    view = getattr(callback, "view_class", None)
    model = getattr(view, "model", None)
    if model is None and getattr(view, "queryset", None) is not None:
        model = view.queryset.model
    return model


def _concrete(route: str, callback) -> str | None:
    """The route with each parameter replaced by the id of a real record of the view's model, where there is one."""
    params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    if not params:
        return "/" + route
    model = _model_of(callback)
    record = None
    if model is not None:
        try:
            with transaction.atomic():  # pghistory's Events is a query, not a table: it has no plain first row
                record = model._default_manager.order_by("pk").first()
        except DatabaseError:
            record = None
    path = route
    for converter, name in params:
        if converter in ("int", "") and name in ("pk", "id", "object_id") and record is not None:
            value = str(record.pk)
        elif converter == "path" or name == "object_id":
            value = str(record.pk) if record is not None else "1"
        else:
            return None
        path = re.sub(rf"<(?:\w+:)?{name}>", value, path, count=1)
    return "/" + path


def test_every_page_has_no_inline_script_handler_or_style_element(centre):
    build_line(centre)
    admin = UserFactory(centre=centre, username="csp-admin", is_staff=True, is_superuser=True)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    checked, problems, errors = [], [], []
    for route, callback in _get_paths():
        path = _concrete(route, callback)
        if path is None or path.startswith(("/api/v1/", "/logout", "/admin/r/")):  # API JSON; log-out; a redirect
            continue
        try:
            with transaction.atomic():  # a page that fails must not abort the test's transaction
                response = client.get(path)
        except DatabaseError as exc:
            errors.append(f"{path}: {exc}")
            continue
        if response.status_code >= 500:
            errors.append(f"{path}: {response.status_code}")
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = b"".join(response.streaming_content) if response.streaming else response.content
        checked.append(path)
        problems += [f"{path}: {problem}" for problem in inline_code(html.decode("utf-8", "replace"))]
    assert problems == []
    assert errors == []
    # The walk reaches the application's pages and the admin's, not only a handful of them.
    assert len(checked) > 80, checked
    print(f"{len(checked)} pages checked")
    assert "/dcc/" in checked and "/api/docs/" in checked and "/admin/" in checked
    assert sum(p.startswith("/admin/") for p in checked) >= len(admin_site._registry)


def test_no_template_holds_inline_script_handler_or_style_element():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 40
    problems = []
    for template in templates:
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{%.*?%}|{{.*?}}|{#.*?#}", "",
                      template.read_text(), flags=re.S)
        problems += [f"{template.relative_to(ROOT)}: {problem}" for problem in inline_code(text)]
    assert problems == []


def test_the_moved_scripts_are_static_files_the_pages_load():
    for script in ("js/dcc-progress.js", "js/upload-progress.js", "js/print.js"):
        assert (ROOT / "static" / script).stat().st_size > 100
    assert "js/dcc-progress.js" in (ROOT / "templates/dcc/overview.html").read_text()
    assert "js/upload-progress.js" in (ROOT / "templates/procedures/uploadjob_detail.html").read_text()
    assert "js/print.js" in (ROOT / "templates/base.html").read_text()
