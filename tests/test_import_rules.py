"""The import rules of issue 16, as import-linter contracts (`[tool.importlinter]` in pyproject.toml).

The core of `lims` imports no domain app and not the top floor; `colonies` never imports `procedures`, even through
another module; imports between the packages only point down (top floor of `lims` → procedures → colonies), and no
two subpackages of a package import each other in a cycle. A new import that breaks a rule fails here, with the
chain of imports that breaks it.
"""
from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_every_import_rule_of_the_architecture_holds(capsys):
    exit_code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
