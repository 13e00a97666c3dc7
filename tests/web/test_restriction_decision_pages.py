"""The GLT decision, the decision letter and the review through the pages: dates refused next
to their field, several restrictions granted as proposed, nobody deciding a request they
wrote or changed, a letter for a reintroduced restriction, and only ways of sending a letter
that reach the customer (§8.16–8.21, §10.1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.auth.models import Role, UserRole
from portal.letters.models import Letter
from portal.restrictions import services as restrictions
from portal.restrictions.models import (
    ContactRoute,
    Delivery,
    RequestStatus,
    Restriction,
    RestrictionKind,
    RestrictionStatus,
)
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error
from tests.web.restriction_forms import decision_form, restriction_request_form


def _decision_url(request) -> str:
    return f"/staff/restriction-requests/{request.id}/decision"


# --- item: dates ------------------------------------------------------------------------------


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"starts_on": "9999-12-01", "review_on": "9999-12-31"}, "starts_on", "within 3 months"),
        ({"starts_on": "2027-02-24", "review_on": "2027-05-01"}, "starts_on", "within 3 months"),
        ({"ends_on": "9999-12-31"}, "ends_on", "within 24 months"),
        ({"starts_on": "2026-11-22"}, "starts_on", "today or later"),
    ],
    ids=["end of time", "a day too late", "ends at the end of time", "yesterday"],
)
def test_implausible_dates_are_refused_next_to_the_field(
    world, act_as, post, table_counts, changes, field, says
):
    act_as("glt")
    before = table_counts()
    response = post(_decision_url(world.pending), decision_form(**changes))
    assert_field_error(response, field, says)
    assert table_counts() == before


# --- several restrictions in one decision --------------------------------------------------


@pytest.fixture
def two_kinds(world, make_request):
    """A request proposing email only AND one named manager."""
    return make_request(
        world.requested,
        proposed_kinds=[RestrictionKind.CHANNEL_ONLY, RestrictionKind.NAMED_MANAGER],
        waiver_incident_id=world.attack.id,
        waiver_reason="Threatened a colleague.",
    )


@pytest.mark.policy("8.19")
def test_glt_approves_two_proposed_restrictions_as_proposed(client, world, act_as, post, two_kinds):
    act_as("glt")
    page = check_page(client.get(f"/staff/restriction-requests/{two_kinds.id}"))
    ticked = {box["value"] for box in page.select("input[name=kind][checked]")}
    assert ticked == {"channel_only", "named_manager"}  # the proposal, to start with
    assert page.select_one("input[name=kind]")["type"] == "checkbox"

    manager = world.people.line_manager
    response = post(
        _decision_url(two_kinds),
        decision_form(kind=["channel_only", "named_manager"], named_manager_id=str(manager.id)),
    )
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    made = list(
        db.session.scalars(
            select(Restriction).where(Restriction.request_id == two_kinds.id).order_by("id")
        )
    )
    assert [(r.kind, r.channel and r.channel.value, r.named_manager_id) for r in made] == [
        (RestrictionKind.CHANNEL_ONLY, "email", None),
        (RestrictionKind.NAMED_MANAGER, None, manager.id),
    ]
    db.session.refresh(two_kinds)
    assert two_kinds.status == RequestStatus.APPROVED


@pytest.mark.policy("8.19")
def test_approving_one_of_two_proposed_restrictions_is_approve_with_changes(
    world, act_as, post, table_counts, two_kinds
):
    act_as("glt")
    before = table_counts()
    refused = post(_decision_url(two_kinds), decision_form(kind=["channel_only"]))
    assert_field_error(refused, "outcome", "approve with changes")
    assert table_counts() == before
    changed = post(
        _decision_url(two_kinds),
        decision_form(kind=["channel_only"], outcome="approved_with_changes"),
    )
    assert changed.status_code == 303
    db.session.refresh(two_kinds)
    assert two_kinds.status == RequestStatus.APPROVED_WITH_CHANGES


@pytest.mark.policy("8.19")
def test_every_kind_granted_needs_its_own_detail(world, act_as, post, table_counts, two_kinds):
    act_as("glt")
    before = table_counts()
    response = post(_decision_url(two_kinds), decision_form(kind=["channel_only", "named_manager"]))
    assert_field_error(response, "named_manager_id", "Choose the manager")
    assert table_counts() == before


# --- separation of duties -------------------------------------------------------------------


@pytest.mark.policy("8.16")
@pytest.mark.policy("8.19")
def test_whoever_answered_glts_question_is_shown_why_they_cannot_decide(
    client, world, make_staff, sign_in, post, table_counts
):
    both = make_staff(Role.PANEL, name="Bo Both")
    both.role_links.append(UserRole(role=Role.GLT))
    db.session.commit()
    sign_in(both)
    url = f"/staff/restriction-requests/{world.more_info.id}"
    answered = post(f"{url}/edit", restriction_request_form(world.attack))
    assert answered.status_code == 303

    page = check_page(client.get(url))
    assert page.find("form", action=f"{url}/decision") is None
    assert "You answered the Group Leadership Team's question" in page.get_text()
    before = table_counts()
    assert post(f"{url}/decision", decision_form(), token_from=url).status_code == 403
    assert table_counts() == before
    # The home page counts the request only for GLT members who may decide it.
    home = check_page(client.get("/staff/")).get_text()
    assert "1 request to restrict contact waits for your decision" in home  # only "pending"
    sign_in(world.people.glt)
    home = check_page(client.get("/staff/")).get_text()
    assert "2 requests to restrict contact wait for your decision" in home


@pytest.mark.policy("8.19")
def test_glt_is_told_a_request_waits_for_the_panels_answer(
    client, world, act_as, post, table_counts
):
    act_as("glt")
    url = f"/staff/restriction-requests/{world.more_info.id}"
    page = check_page(client.get(url))
    assert page.find("form", action=f"{url}/decision") is None
    assert "can be decided once the Panel has answered" in page.get_text()
    before = table_counts()
    refused = post(f"{url}/decision", decision_form(), token_from=url)
    soup = check_page(refused, 422)
    assert "has not yet answered" in errors_on(soup)[""]
    assert table_counts() == before


# --- the decision letter -----------------------------------------------------------------------


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("delivery", "says"),
    [("portal", "has no portal account"), ("email", "no email address")],
)
def test_the_letter_page_refuses_a_way_that_cannot_reach_the_customer(
    client, world, act_as, post, table_counts, delivery, says
):
    act_as("panel")
    url = f"/staff/restriction-requests/{world.awaiting_letter}/letter"
    preview = check_page(client.get(url, query_string={"delivery": delivery}))
    assert "This letter cannot be sent this way" in preview.get_text()
    before = table_counts()
    response = post(url, {"delivery": delivery, "action": "issue"}, token_from=url)
    assert_field_error(response, "delivery", says)
    assert table_counts() == before


@pytest.mark.policy("10.1")
@pytest.mark.policy("8.20")
def test_a_reintroduced_restriction_is_counted_and_its_letter_can_always_be_sent(
    client, world, act_as, post, people, make_customer, final_warning_for, make_request, clock
):
    # Put in force at once (§4.6), lifted at review before its letter went, then brought back.
    customer = make_customer(forename="Lee", surname="Lifted")
    final_warning_for(customer)
    request = make_request(customer)
    [first] = restrictions.decide(
        people.glt,
        clock.now - timedelta(hours=3),
        request,
        RequestStatus.APPROVED,
        "Clear.",
        [
            restrictions.RestrictionSpec(
                kind=RestrictionKind.CHANNEL_ONLY,
                channel=ContactRoute.EMAIL,
                starts_on=clock.now.date(),
                review_on=clock.now.date() + timedelta(days=60),
                reasons="Abusive calls.",
                immediate_notice=True,
            )
        ],
    )
    reviews.review_restriction(
        people.panel,
        clock.now - timedelta(hours=2),
        first,
        ReviewOutcome.LIFT,
        "Apologised.",
        "",
        None,
        delivery=Delivery.HAND,
    )
    again = reviews.reintroduce(
        people.panel,
        clock.now - timedelta(hours=1),
        first,
        "Eleven abusive emails in two days.",
        clock.now.date() + timedelta(days=90),
    )
    db.session.commit()

    act_as("panel")
    home = check_page(client.get("/staff/"))
    assert "2 approved restrictions wait for their decision letter" in home.get_text()
    url = f"/staff/restriction-requests/{request.id}/letter"
    link = home.find("a", href=url)
    assert link is not None and "Lee Lifted" in link.get_text()
    page = check_page(client.get(url))
    assert "Eleven abusive emails in two days." in page.select_one("#letter-preview").get_text()
    issued = post(url, {"delivery": "hand", "action": "issue"}, token_from=url)
    assert issued.status_code == 303
    db.session.expire_all()
    assert db.session.get(Restriction, again.id).letter_id is not None
    lifted = db.session.get(Restriction, first.id)
    assert lifted.status == RestrictionStatus.LIFTED and lifted.letter_id is None
    home = check_page(client.get("/staff/")).get_text()
    assert "1 approved restriction waits for its decision letter" in home
    # Nothing is left waiting for a letter on this request: the page says so.
    again_page = client.get(url)
    assert again_page.status_code == 303


# --- the review letter --------------------------------------------------------------------------


@pytest.mark.policy("10.1")
def test_the_panel_chooses_how_the_review_letter_goes(client, world, act_as, post, table_counts):
    act_as("panel")
    url = f"/staff/restrictions/{world.restriction.id}/review"
    page = check_page(client.get(url))
    chosen = page.select_one("input[name=delivery][checked]")
    assert chosen is not None and chosen["value"] == "post"  # as the decision letter went
    before = table_counts()
    refused = post(
        url,
        {
            "outcome": "continue",
            "reasons": "Still needed.",
            "next_review_on": "2027-02-23",
            "delivery": "portal",
            "action": "record",
        },
        token_from=url,
    )
    assert_field_error(refused, "delivery", "has no portal account")
    assert table_counts() == before
    recorded = post(
        url,
        {
            "outcome": "continue",
            "reasons": "Still needed.",
            "next_review_on": "2027-02-23",
            "delivery": "hand",
            "action": "record",
        },
        token_from=url,
    )
    assert recorded.status_code == 303
    assert db.session.scalar(select(func.count(Letter.id))) > before["letter"]
