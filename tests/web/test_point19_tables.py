"""Issue 16 point 19: on a phone a table's rows stack, each cell after its column's name, so the
Status column shows without scrolling, JavaScript on or off. The page itself gives every body
cell of a table in a ``.table-wrap`` its column's heading (``data-label``) and states the
table's roles, which a screen reader needs once the table is no longer laid out as one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from portal import db
from portal.appeals import services as appeals
from portal.customers.models import ContactChannel
from portal.customers.services import log_contact
from tests.pages import check_page

# Each page, who opens it, and the captions of the tables on it that must have rows.
PAGES = [
    ("closures", "admin", "/staff/admin/closures", ["Closure days"]),
    ("staff accounts", "admin", "/staff/admin/users", ["Staff accounts"]),
    ("audit trail", "admin", "/staff/audit", ["Audit entries, newest first"]),
    ("reviews due", "panel", "/staff/reviews", ["Reviews due, most urgent first"]),
    (
        "customer record",
        "panel",
        "/staff/customers/{tenant}",
        ["Warnings issued to this customer", "Contacts over time (§6.5)", "Latest contacts"],
    ),
    ("restricted customer record", "panel", "/staff/customers/{restricted}", ["Restrictions"]),
    ("your account", "panel", "/staff/account", ["Your sessions"]),
    ("restriction requests", "panel", "/staff/restriction-requests", ["Requests, newest first"]),
    ("register", "panel", "/staff/register", ["Incidents, newest first"]),
    ("appeals tracker", "cem", "/staff/appeals", ["Open appeals, overdue first"]),
    ("one appeal", "cem", "/staff/appeals/{appeal}", ["Each step, its due date and status"]),
    ("panel queue", "panel", "/staff/panel", ["Reports awaiting review, earliest due first"]),
    (
        "correspondence to handle",
        "panel",
        "/staff/correspondence",
        ["Correspondence still to handle, oldest first"],
    ),
]


@pytest.fixture
def tables_world(world, clock):
    """The shared world, with a contact logged, an appeal lodged and a review due soon."""
    now = clock.now
    log_contact(
        world.people.colleague,
        now,
        world.tenant,
        ContactChannel.PHONE,
        True,
        now - timedelta(hours=1),
        12,
        "Asked about the repair",
    )
    appeal = appeals.start_draft(now, world.restriction)
    appeals.save_answers(now, appeal, appeals.Answers(grounds="It was unfair."))
    appeals.lodge(world.restricted, now, appeal, "point19-tables")
    world.restriction.review_on = now.date() + timedelta(days=3)
    db.session.commit()
    return world, appeal


def _words(element) -> str:
    return " ".join(element.get_text().split())


def _column_names(table) -> list[str]:
    """Each column's heading, a heading that spans columns once for each."""
    names = []
    for heading in table.select(":scope > thead > tr > th"):
        assert heading.get("role") == "columnheader", heading
        names += [_words(heading)] * int(heading.get("colspan", 1))
    return names


def _assert_labelled(table) -> int:
    """Check one table's cells and roles; return how many body rows it has."""
    caption = _words(table.caption) if table.caption else "(no caption)"
    assert table.get("role") == "table", caption
    for group in table.select(":scope > thead, :scope > tbody"):
        assert group.get("role") == "rowgroup", (caption, group.name)
    for row in table.select(":scope > thead > tr, :scope > tbody > tr"):
        assert row.get("role") == "row", (caption, str(row)[:200])
    names = _column_names(table)
    rows = table.select(":scope > tbody > tr")
    for row in rows:
        column = 0
        for cell in row.find_all(["td", "th"], recursive=False):
            if cell.name == "td":
                assert cell.get("role") == "cell", (caption, str(cell)[:200])
                assert cell.get("data-label") == names[column], (
                    f"{caption}: column {column + 1} is {names[column]!r}, "
                    f"the cell says {cell.get('data-label')!r}"
                )
            else:
                assert cell.get("role") == "rowheader", (caption, str(cell)[:200])
            column += int(cell.get("colspan", 1))
        assert column == len(names), (caption, column, names)
    return len(rows)


@pytest.mark.parametrize(
    ("role", "url", "captions"),
    [pytest.param(role, url, captions, id=name) for name, role, url, captions in PAGES],
)
def test_point19_every_table_cell_carries_its_columns_name(
    client, tables_world, act_as, role, url, captions
):
    world, appeal = tables_world
    act_as(role)
    soup = check_page(
        client.get(
            url.format(tenant=world.tenant.id, restricted=world.restricted.id, appeal=appeal.id)
        )
    )
    tables = soup.select(".table-wrap > table")
    rows = {_words(t.caption) if t.caption else "": _assert_labelled(t) for t in tables}
    for caption in captions:
        assert rows.get(caption, 0) >= 1, f"no rows in the table {caption!r}: {rows}"


def test_point19_a_table_without_the_labels_is_caught():
    """The check above fails on a table whose cells carry no column names."""
    bare = BeautifulSoup(
        '<div class="table-wrap"><table role="table"><thead role="rowgroup"><tr role="row">'
        '<th role="columnheader">Status</th></tr></thead><tbody role="rowgroup"><tr role="row">'
        '<td role="cell">Open</td></tr></tbody></table></div>',
        "html.parser",
    )
    with pytest.raises(AssertionError, match="'Status', the cell says None"):
        _assert_labelled(bare.table)
