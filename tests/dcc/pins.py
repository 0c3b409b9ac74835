"""Pinned writer output (issue 15 item 1): expected bytes and SHA-256s written by the DCC writer before it read
tuples. `PIN_REGENERATE=1` rewrites them (only from a writer whose output is known to be right)."""
import hashlib
import json
import os
import re
from pathlib import Path

DATA = Path(__file__).parent / "data"
REGENERATE = os.environ.get("PIN_REGENERATE") == "1"


def numbered(text: str) -> str:
    """Replace each primary-key identifier by its rank of first appearance (`H-EXP-#1`, `H-NP-#1`, …)."""
    seen: dict[str, str] = {}

    def rank(match: re.Match) -> str:
        return seen.setdefault(match.group(0), f"{match.group(1)}#{len(seen) + 1}")

    return re.sub(r"(-(?:EXP|NP)-)\d+", rank, text)


def check_pinned(path: Path, name: str) -> None:
    got = numbered(path.read_text(encoding="utf-8"))
    expected_path = DATA / name
    if REGENERATE:
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")


def check_pinned_sha256(sample: str, path: Path) -> None:
    """The export of a shared sample (imported, then written back) has the SHA-256 the earlier writer gave it."""
    pins_path = DATA / "pinned_sample_sha256.json"
    pins = json.loads(pins_path.read_text()) if pins_path.exists() else {}
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    if REGENERATE:
        pins[sample] = got
        pins_path.write_text(json.dumps(dict(sorted(pins.items())), indent=1) + "\n")
    assert got == pins.get(sample)
