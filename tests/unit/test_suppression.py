"""Small numbers in the equality monitoring tables are hidden, and nothing hidden can be
worked out from what is shown (§11.1)."""

from __future__ import annotations

import pytest

from portal.equality.suppression import primary, suppress


def _derivable(grid, hidden, column_totals=True, row_totals=False) -> bool:
    """Whether some hidden cell is the only hidden one in a line whose total is shown."""
    lines = []
    if column_totals:
        lines += [[(r, c) for r in range(len(grid))] for c in range(len(grid[0]))]
    if row_totals:
        lines += [[(r, c) for c in range(len(grid[0]))] for r in range(len(grid))]
    for line in lines:
        total = sum(grid[r][c] for r, c in line)
        gone = [grid[r][c] for r, c in line if hidden[r][c]]
        if not primary(total) and (len(gone) == 1 or (gone and primary(sum(gone)))):
            return True
    return False


@pytest.mark.policy("11.1")
@pytest.mark.parametrize(("count", "hidden"), [(0, True), (1, True), (4, True), (5, False)])
def test_counts_under_five_are_hidden_and_five_is_shown(count, hidden):
    assert primary(count) is hidden


@pytest.mark.policy("11.1")
def test_four_is_hidden_and_five_shown_in_a_table_with_nothing_to_derive():
    grid = [[4], [3], [20]]
    assert suppress(grid) == [[True], [True], [False]]  # 27 - 20 = 7: neither is known
    grid = [[5], [6], [20]]
    assert suppress(grid) == [[False], [False], [False]]


@pytest.mark.policy("11.1")
def test_a_lone_hidden_cell_in_a_column_hides_the_smallest_shown_one_too():
    # Total 4 + 9 + 30 = 43 is shown: 43 - 9 - 30 would give the 4 back.
    grid = [[4], [9], [30]]
    assert suppress(grid) == [[True], [True], [False]]
    assert not _derivable(grid, suppress(grid))


@pytest.mark.policy("11.1")
def test_a_lone_hidden_cell_in_a_row_hides_another_when_rows_have_totals():
    grid = [[12, 3, 7, 40]]
    hidden = suppress(grid, row_totals=True, column_totals=False)
    assert hidden == [[False, True, True, False]]


@pytest.mark.policy("11.1")
@pytest.mark.policy("11.1")
def test_hidden_cells_adding_up_to_under_five_hide_another():
    # 1 + 0 hidden, 6 shown, total 7: 7 - 6 says the hidden ones add up to 1.
    grid = [[1], [6], [0]]
    assert suppress(grid) == [[True], [True], [True]]
    grid = [[1], [6], [0], [9]]
    assert suppress(grid) == [[True], [True], [True], [False]]


@pytest.mark.policy("11.1")
def test_a_column_whose_total_is_hidden_needs_nothing_more():
    grid = [[2, 10], [1, 12], [0, 30]]
    hidden = suppress(grid)
    assert [row[0] for row in hidden] == [True, True, True]
    assert [row[1] for row in hidden] == [False, False, False]


@pytest.mark.policy("11.1")
def test_secondary_suppression_spreads_until_nothing_can_be_derived():
    grid = [[4, 6, 9], [8, 3, 11], [30, 25, 2], [7, 7, 7]]
    hidden = suppress(grid, row_totals=True, column_totals=True)
    for r, row in enumerate(grid):
        for c, count in enumerate(row):
            if count < 5:
                assert hidden[r][c]
    assert not _derivable(grid, hidden, column_totals=True, row_totals=True)


def test_an_empty_table_hides_nothing():
    assert suppress([]) == []
