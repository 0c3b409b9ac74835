"""`manage.py bench` prints a JSON line with every key for every named benchmark (no timing assertions here:
speed targets live in the benchmarks and docs/performance.md, not in unit tests)."""
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from lims.bench.benchmarks import BENCHMARKS, KEYS, run_one

pytestmark = pytest.mark.django_db(transaction=True)


def test_bench_prints_every_benchmark_with_all_keys():
    # The benchmarks run in child processes, which must see the test database: point them at it.
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, BENCH_N="60")
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = url.replace(f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@")
    proc = subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), "bench"], env=env,
                          capture_output=True, text=True, timeout=560)
    lines = [json.loads(text) for text in proc.stdout.splitlines() if text.startswith("{")]
    by_name = {line["name"]: line for line in lines}
    assert set(BENCHMARKS) <= set(by_name), proc.stderr[-2000:]
    for name in BENCHMARKS:
        line = by_name[name]
        assert set(KEYS) <= set(line), line
        assert "error" not in line, line
        assert line["target"], line  # every line says what it must reach (issue 15)
        assert line["seconds"] > 0 and line["limit_seconds"] > 0 and line["ratio"] > 0
    assert by_name["worklist"]["queries"] <= by_name["worklist"]["query_limit"]


def test_a_failing_benchmark_still_prints_its_line(monkeypatch):
    from lims.bench import benchmarks as bench

    def broken(n, **options):
        raise RuntimeError("boom")

    monkeypatch.setitem(bench.RUNNERS, "enrol", broken)
    line = run_one("enrol", 10)
    assert set(KEYS) <= set(line) and line["name"] == "enrol" and "boom" in line["error"]
    json.dumps(line)
