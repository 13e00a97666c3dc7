"""Small-number suppression for equality monitoring tables (§11.1).

Any count under :data:`THRESHOLD` is hidden ("fewer than 5"). A hidden count could still be
worked out where the figures it adds up to are shown: a column total minus the other cells
of the column gives it back when it is the only one hidden there. So wherever a total is
shown and exactly one cell behind it is hidden, the smallest cell still shown beside it is
hidden too (secondary suppression). The same is done where the hidden cells of a line add
up to fewer than 5 (the total minus the cells shown would say that each is at most that
much, or that all are 0). This is repeated until no line gives anything away. A total that is
itself under the threshold is hidden, and then gives nothing away.
"""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 5


def primary(count: int) -> bool:
    """Whether ``count`` is too small to show."""
    return count < THRESHOLD


def _lines(rows: int, columns: int, row_totals: bool, column_totals: bool):
    if column_totals:
        for c in range(columns):
            yield [(r, c) for r in range(rows)]
    if row_totals:
        for r in range(rows):
            yield [(r, c) for c in range(columns)]


def suppress(
    grid: Sequence[Sequence[int]], *, row_totals: bool = False, column_totals: bool = True
) -> list[list[bool]]:
    """Which cells of ``grid`` to hide (True), given which totals are shown beside it.

    A line (row or column) whose total is shown may not have exactly one hidden cell, nor
    hidden cells adding up to under the threshold; a line whose total is itself hidden
    (under the threshold) needs nothing more.
    """
    rows = len(grid)
    columns = len(grid[0]) if rows else 0
    hidden = [[primary(count) for count in row] for row in grid]
    changed = True
    while changed:
        changed = False
        for line in _lines(rows, columns, row_totals, column_totals):
            if primary(sum(grid[r][c] for r, c in line)):
                continue  # the total is hidden: one unknown more than the line can give
            gone = [cell for cell in line if hidden[cell[0]][cell[1]]]
            shown = [cell for cell in line if not hidden[cell[0]][cell[1]]]
            together = sum(grid[r][c] for r, c in gone)
            if shown and (len(gone) == 1 or (gone and primary(together))):
                r, c = min(shown, key=lambda cell: (grid[cell[0]][cell[1]], cell))
                hidden[r][c] = True
                changed = True
    return hidden
