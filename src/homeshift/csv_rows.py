"""What the CSV inputs (roster, consent declarations) share: a problem per row and an error
that rejects the whole file with every problem, so nothing is ever half-imported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: problems listed in the message; the rest are counted (``problems`` keeps them all)
SHOWN_PROBLEMS = 50


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One reason a CSV file was rejected. ``row`` is the 1-based line number in the file;
    0 means the header or the file as a whole."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "header"
        return f"{where}, column {self.column}: {self.reason}"


class RowsRejected(ValueError):
    """A CSV file rejected whole; ``problems`` lists every problem found, not only the first."""

    def __init__(
        self, what: str, source: str, problems: Sequence[RowProblem], consequence: str = ""
    ) -> None:
        self.source = source
        self.problems = tuple(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:SHOWN_PROBLEMS])
        hidden = len(self.problems) - SHOWN_PROBLEMS
        more = f"\n  ... and {hidden} more" if hidden > 0 else ""
        super().__init__(
            f"{what} {source} rejected with {len(self.problems)} problem(s){consequence}:"
            f"\n{shown}{more}"
        )
