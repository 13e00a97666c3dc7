"""Correspondence while all contact is ended, through the pages (§9.5): a refused step comes
back with its message beside the field and what was typed kept; the Panel and the Customer
Experience Manager have one list of everything still to handle; and the acknowledgement is
read before it is issued."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import db
from portal.correspondence.models import Correspondence, CorrespondenceStatus
from portal.letters.models import Letter
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error


def _page(world) -> str:
    return f"/staff/customers/{world.terminated.id}/correspondence"


def _step(world, item, step: str) -> str:
    return f"/staff/correspondence/{item.id}/{step}"


@pytest.mark.policy("9.5")
def test_a_concern_without_notes_comes_back_beside_the_field_with_the_boxes_kept(
    world, act_as, post, table_counts
):
    act_as("panel")
    item = world.correspondence_read
    before = table_counts()
    response = post(
        _step(world, item, "check"),
        {"check-safeguarding_concern": "y", "check-check_notes": "  "},
        token_from=_page(world),
        prefix="check-",
    )
    soup = assert_field_error(response, "check-check_notes", "Describe the new information")
    assert soup.find(id="check-safeguarding_concern").has_attr("checked")
    assert not soup.find(id="check-new_information").has_attr("checked")
    assert table_counts() == before
    db.session.refresh(item)
    assert item.status == CorrespondenceStatus.READ


@pytest.mark.policy("9.5")
def test_notes_that_are_too_long_come_back_to_be_shortened_not_lost(
    world, act_as, post, table_counts
):
    act_as("cem")
    notes = "Mentions a new repair. " * 500  # over 10,000 characters
    before = table_counts()
    response = post(
        _step(world, world.correspondence_read, "check"),
        {"check-new_information": "y", "check-check_notes": notes},
        token_from=_page(world),
        prefix="check-",
    )
    soup = assert_field_error(response, "check-check_notes", "10,000 characters")
    # (a browser drops the newline WTForms puts first in a textarea)
    assert soup.find(id="check-check_notes").get_text().lstrip("\r\n") == notes
    assert soup.find(id="check-new_information").has_attr("checked")
    assert table_counts() == before


@pytest.mark.policy("9.5")
def test_a_step_out_of_order_is_explained_beside_the_item(world, act_as, post, table_counts):
    act_as("panel")
    item = world.correspondence_read  # already read
    before = table_counts()
    response = post(_step(world, item, "read"), token_from=_page(world), prefix="check-")
    soup = check_page(response, 409)  # a colleague read it first: a conflict, said beside it
    assert soup.title.get_text().startswith("Error:")
    assert "already been read" in errors_on(soup)[f"item-{item.id}"]
    beside = soup.find(id=f"item-{item.id}-error")
    assert beside is not None and "already been read" in beside.get_text()
    assert soup.find(id=f"item-{item.id}").find(id=f"item-{item.id}-error") is beside
    assert table_counts() == before


@pytest.mark.policy("9.5")
def test_the_acknowledgement_is_read_before_it_is_issued_and_issued_as_read(
    client, world, act_as, post
):
    act_as("panel")
    item = world.correspondence_checked
    letters = db.session.scalar(select(func.count(Letter.id)))
    page = check_page(client.get(_page(world)))
    preview = page.find(id=f"item-{item.id}").select_one(".letter--preview")
    assert preview is not None
    assert "We have received your letter of" in preview.get_text()
    assert "placed it on your file" in preview.get_text()
    assert (
        page.find(id=f"item-{world.correspondence_read.id}").select_one(".letter--preview") is None
    )
    assert db.session.scalar(select(func.count(Letter.id))) == letters  # nothing issued yet

    filed = post(_step(world, item, "close"), token_from=_page(world), prefix="check-")
    assert filed.status_code == 303
    db.session.expire_all()
    letter = db.session.get(Letter, db.session.get(Correspondence, item.id).letter_id)
    assert " ".join(preview.get_text().split()) in " ".join(
        check_page(client.get(f"/staff/letters/{letter.id}")).get_text().split()
    )


@pytest.mark.policy("9.5")
def test_one_list_of_correspondence_still_to_handle(client, world, act_as):
    act_as("cem")
    soup = check_page(client.get("/staff/correspondence"))
    rows = soup.select("tbody tr")
    steps = [row.select("td")[-1].get_text(strip=True) for row in rows]
    # Oldest first: the checked letter (3 hours ago), the read one, then the one just logged.
    assert steps == ["Acknowledge and file it", "Check it", "Read it"]
    links = [row.find("a")["href"] for row in rows]
    assert links[0] == f"{_page(world)}#item-{world.correspondence_checked.id}"
    assert world.terminated.name in rows[0].get_text()


@pytest.mark.parametrize(("role", "shown"), [("panel", True), ("cem", True), ("glt", False)])
def test_the_home_page_leads_the_panel_and_the_cem_to_the_list(client, world, act_as, role, shown):
    act_as(role)
    soup = check_page(client.get("/staff/"))
    link = soup.find("a", href="/staff/correspondence")
    assert (link is not None) == shown
    if shown:
        assert link.get_text() == "3 items of correspondence to read, check or file"
