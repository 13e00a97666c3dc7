"""Issue 16 point 11 through the pages: the request asks about a representative (§4.5) and
the Equality Impact Assessment (§4.7), and, when it ends all contact, that all other methods
were exhausted (§9.5); each refusal sits next to its field, and GLT's decision page shows the
answers and confirms or records the assessment."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import db
from portal.restrictions.models import EiaOutcome, RestrictionRequest
from tests.pages import check_page
from tests.web.forms import assert_field_error
from tests.web.restriction_forms import decision_form, restriction_request_form


def _new_url(world) -> str:
    return f"/staff/customers/{world.requested.id}/restriction-requests/new"


def _request_url(request) -> str:
    return f"/staff/restriction-requests/{request.id}"


def _newest_request_id() -> int | None:
    return db.session.scalar(select(RestrictionRequest.id).order_by(RestrictionRequest.id.desc()))


@pytest.mark.policy("4.5")
@pytest.mark.policy("4.7")
def test_point11_request_without_the_answers_is_refused_next_to_each_field(
    world, act_as, post, table_counts
):
    act_as("panel")
    before = table_counts()
    data = restriction_request_form(
        world.attack, representative_considered="", representative_decision="", eia_needed=""
    )
    response = post(_new_url(world), data)
    assert_field_error(response, "representative_considered", "§4.5")
    assert_field_error(response, "eia_needed", "§4.7")
    assert table_counts() == before
    needed = restriction_request_form(world.attack, eia_needed="yes", eia_note="")
    response = post(_new_url(world), needed)
    assert_field_error(response, "eia_outcome", "Choose the outcome")
    assert table_counts() == before


@pytest.mark.policy("4.5")
def test_point11_a_no_needs_its_reason_too(world, act_as, post, table_counts):
    act_as("panel")
    before = table_counts()
    data = restriction_request_form(
        world.attack, representative_considered="no", representative_decision=" "
    )
    assert_field_error(
        post(_new_url(world), data), "representative_decision", "why a representative"
    )
    assert table_counts() == before


@pytest.mark.policy("9.5")
def test_point11_ending_all_contact_without_other_methods_exhausted_is_refused(
    world, act_as, post, table_counts
):
    act_as("panel")
    before = table_counts()
    data = restriction_request_form(
        world.attack,
        proposed_kinds=["termination"],
        other_methods_exhausted="",
        other_methods_tried="",
    )
    response = post(_new_url(world), data)
    assert_field_error(response, "other_methods_exhausted", "all other methods")
    assert_field_error(response, "other_methods_tried", "Describe the other methods")
    assert table_counts() == before


@pytest.mark.policy("4.5")
@pytest.mark.policy("4.7")
@pytest.mark.policy("9.5")
def test_point11_glt_decision_page_shows_the_requests_answers(world, act_as, post, client):
    act_as("panel")
    data = restriction_request_form(
        world.attack,
        proposed_kinds=["termination"],
        representative_decision="Her advocate from Mind was asked; she declined their help.",
        eia_needed="yes",
        eia_outcome="adjustments_made",
        eia_note="Completed 20 Nov: calls kept short, letters in plain English.",
        other_methods_tried="Letters only for two months, then one named manager.",
    )
    response = post(_new_url(world), data)
    assert response.status_code == 303, response.data[:500]
    request_id = _newest_request_id()
    act_as("glt")
    page = check_page(client.get(f"/staff/restriction-requests/{request_id}"))
    text = page.get_text(" ", strip=True)
    assert "Her advocate from Mind was asked" in text
    assert str(EiaOutcome.ADJUSTMENTS.title) in text
    assert "letters in plain English" in text
    assert "Letters only for two months, then one named manager." in text
    # The decision form starts from the Panel's answer, for GLT to confirm or change.
    assert page.find(id="eia_needed-0").has_attr("checked")
    assert page.select_one("input[name=eia_outcome][value=adjustments_made]").has_attr("checked")


@pytest.mark.policy("4.7")
def test_point11_glt_changing_the_eia_answer_must_say_why(world, act_as, post, client):
    act_as("glt")
    url = f"{_request_url(world.pending)}/decision"
    changed = decision_form(eia_needed="yes", eia_outcome="no_impact", eia_note="")
    assert_field_error(post(url, changed), "eia_note", "differs from the Panel")
    pending = decision_form(eia_needed="yes", eia_outcome="not_complete", eia_note="Due Friday.")
    assert_field_error(post(url, pending), "eia_outcome", "must be complete")
    recorded = decision_form(
        eia_needed="yes", eia_outcome="no_impact", eia_note="GLT had one done: no impact."
    )
    assert post(url, recorded).status_code == 303
    request = db.session.get(RestrictionRequest, world.pending.id)
    db.session.refresh(request)
    assert request.decision_eia_outcome == EiaOutcome.NO_IMPACT
    page = check_page(client.get(_request_url(request)))
    assert "GLT had one done: no impact." in page.get_text(" ", strip=True)
