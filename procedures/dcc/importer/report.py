"""What an import run tells its caller: counts per kind and outcome, and every problem with file:line."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Problem:
    """Something in a file the import could not take, and why."""

    file: str
    line: int
    kind: str
    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind} {self.item}: {self.reason}"


@dataclass
class ImportReport:
    """Counts per kind and outcome (created, matched, skipped, conflict) and every problem met."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    problems: list[Problem] = field(default_factory=list)
    refused_files: list[str] = field(default_factory=list)
    mice: list[int] = field(default_factory=list)
    experiments: list[int] = field(default_factory=list)
    line_experiments: list[int] = field(default_factory=list)
    housings: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing refused or left out; warnings (legacy facts kept as given) do not count."""
        return not self.refused_files and all(p.kind == "warning" for p in self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "warning"]

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def summary_lines(self) -> list[str]:
        lines = []
        for kind in ("strain", "colony", "mouse", "experiment", "line", "housing", "procedure", "parameter"):
            if kind in self.counts:
                c = self.counts[kind]
                lines.append(f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(c.items())))
        return lines


__all__ = ["ImportReport", "Problem"]
