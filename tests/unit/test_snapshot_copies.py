"""The kept fixture worlds' copies on PostgreSQL are written back in an order the database's
foreign keys accept: a line manager before the colleague who names them."""

from __future__ import annotations

from portal.auth.models import User
from tests.snapshots import _parents_first


def test_a_row_naming_a_row_of_its_own_table_comes_after_it():
    table = User.__table__
    rows = [
        {"id": 1, "line_manager_id": 3},
        {"id": 2, "line_manager_id": None},
        {"id": 3, "line_manager_id": 2},
        {"id": 4, "line_manager_id": 1},
    ]
    assert [row["id"] for row in _parents_first(table, rows)] == [2, 3, 1, 4]


def test_rows_of_a_table_without_such_keys_keep_their_order():
    from portal.letters.models import Letter

    rows = [{"id": 2}, {"id": 1}]
    assert _parents_first(Letter.__table__, rows) == rows
