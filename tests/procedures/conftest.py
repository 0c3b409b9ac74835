"""Fixtures of the phenotyping tests: uploaded files under a temporary MEDIA_ROOT, eager tasks on demand."""
import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores its uploads under its own temporary MEDIA_ROOT, never the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT

