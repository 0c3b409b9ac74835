"""The README's pointers lead somewhere real (issue 17 point 10: it sent colony settings to the admin, where they are
not)."""
from pathlib import Path

from django.contrib import admin
from django.urls import reverse

from colonies.models import ColonySettings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_sends_colony_settings_to_the_page_that_edits_them():
    assert ColonySettings not in admin.site._registry  # not in the admin, so the README must not say so
    assert reverse("colonies:colony_settings") == "/colony/settings/"
    thresholds = next(p for p in README.split("\n- ") if p.startswith("**Thresholds**"))
    assert "Colony → Settings" in thresholds and "/colony/settings/" in thresholds
    assert "admin" not in thresholds.replace("centre admins", "")


def test_readme_links_the_operations_and_security_docs():
    for doc in ("docs/operations.md", "docs/security.md"):
        assert f"({doc})" in README
        assert (Path(__file__).resolve().parents[1] / doc).exists()
