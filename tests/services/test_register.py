"""The central register (§8.8): every incident and action, restricted to the Panel (and the
Community Safety Manager for §8.4 referrals, who sees only those).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.auth import permissions
from portal.auth.models import Role
from portal.customers.models import CustomerType
from portal.incidents.models import IncidentStatus, Route
from portal.incidents.queries import RegisterFilters, register_page
from portal.panel.models import Outcome

PAGE = 25


@pytest.fixture
def incidents(make_customer, make_incident, give_warning, review_incident, clock):
    """A tenant with a warning, a leaseholder reviewed "no action", and an applicant unreviewed."""
    tenant = make_customer(forename="Tia", surname="Tenant", customer_type=CustomerType.TENANT)
    leaseholder = make_customer(
        forename="Lee", surname="Leaseholder", customer_type=CustomerType.LEASEHOLDER
    )
    applicant = make_customer(
        forename="Ann", surname="Applicant_100%", customer_type=CustomerType.APPLICANT
    )
    warned = give_warning(tenant, datetime(2026, 11, 2, 10, tzinfo=UTC))
    no_action = make_incident(leaseholder, now=datetime(2026, 11, 9, 10, tzinfo=UTC))
    review_incident(no_action, datetime(2026, 11, 10, 10, tzinfo=UTC), outcome=Outcome.NO_ACTION)
    open_one = make_incident(applicant, now=clock.now - timedelta(hours=1))
    return {"warned": warned.incident_id, "no_action": no_action.id, "open": open_one.id}


def ids(page) -> list[int]:
    return [row.incident.id for row in page.rows]


@pytest.mark.policy("8.8")
@pytest.mark.parametrize(
    ("role", "may_open"),
    [
        (Role.PANEL, True),
        (Role.CSM, True),
        (Role.COLLEAGUE, False),
        (Role.LINE_MANAGER, False),
        (Role.GLT, False),
        (Role.CEM, False),
        (Role.ADMIN, False),
    ],
)
def test_only_the_panel_and_the_csm_may_open_the_register(make_staff, role, may_open):
    assert permissions.can_open_register(make_staff(role)) is may_open


@pytest.mark.policy("8.8")
def test_the_panel_sees_every_incident_and_the_action_taken(incidents):
    page = register_page(RegisterFilters(), limit_to_asb=False, page_size=PAGE)

    assert page.total == 3
    assert ids(page) == [incidents["open"], incidents["no_action"], incidents["warned"]]
    actions = {row.incident.id: (row.outcome, row.warning_stage) for row in page.rows}
    assert actions == {
        incidents["open"]: (None, None),
        incidents["no_action"]: (Outcome.NO_ACTION, None),
        incidents["warned"]: (Outcome.WARNING, "first"),
    }


@pytest.mark.policy("8.8", "8.4")
def test_a_csm_who_is_not_on_the_panel_sees_only_tenant_referrals(make_staff, incidents):
    csm = make_staff(Role.CSM)
    both = make_staff(Role.CSM, Role.PANEL)

    limited = permissions.register_is_limited_to_asb(csm)
    page = register_page(RegisterFilters(), limit_to_asb=limited, page_size=PAGE)

    assert limited is True
    assert permissions.register_is_limited_to_asb(both) is False
    assert ids(page) == [incidents["warned"]]
    assert page.total == 1


@pytest.mark.policy("8.8", "8.4")
def test_a_route_filter_cannot_widen_the_csms_view(incidents):
    page = register_page(
        RegisterFilters(route=Route.POLICE_PANEL), limit_to_asb=True, page_size=PAGE
    )

    assert all(row.incident.route == Route.ASB for row in page.rows)
    assert incidents["no_action"] not in ids(page)


@pytest.mark.policy("8.8")
def test_the_register_filters_by_status_and_outcome(incidents):
    awaiting = register_page(RegisterFilters(status=IncidentStatus.AWAITING_REVIEW), False, PAGE)
    warned = register_page(RegisterFilters(outcome=Outcome.WARNING), False, PAGE)

    assert ids(awaiting) == [incidents["open"]]
    assert ids(warned) == [incidents["warned"]]


@pytest.mark.policy("8.8")
@pytest.mark.parametrize(
    ("q", "expected"),
    [("leaseholder", "no_action"), ("LEE LEASE", "no_action"), ("100%", "open")],
)
def test_the_register_searches_names(incidents, q, expected):
    assert ids(register_page(RegisterFilters(q=q), False, PAGE)) == [incidents[expected]]


@pytest.mark.policy("8.8")
def test_a_wildcard_in_the_search_is_taken_literally(incidents):
    assert ids(register_page(RegisterFilters(q="00%"), False, PAGE)) == [incidents["open"]]
    assert register_page(RegisterFilters(q="_%_"), False, PAGE).total == 0
    assert ids(register_page(RegisterFilters(q="t_1"), False, PAGE)) == [incidents["open"]]
    assert register_page(RegisterFilters(q="t%1"), False, PAGE).total == 0


@pytest.mark.policy("8.8")
def test_the_register_pages_newest_first(incidents):
    first = register_page(RegisterFilters(page=1), False, page_size=2)
    second = register_page(RegisterFilters(page=2), False, page_size=2)
    beyond = register_page(RegisterFilters(page=9), False, page_size=2)

    assert (first.total, first.pages) == (3, 2)
    assert ids(first) == [incidents["open"], incidents["no_action"]]
    assert ids(second) == [incidents["warned"]]
    assert beyond.page == 2


@pytest.mark.policy("8.8")
def test_a_search_finds_its_page_total_and_categories_in_one_statement(
    incidents, make_customer, make_incident, count_queries
):
    from portal.incidents.catalogue import Category

    several = [Category.REFUSAL, Category.AGGRESSIVE, Category.DEMANDS]
    both = make_incident(make_customer(forename="Tia", surname="Tenant"), categories=several)

    with count_queries() as q:
        page = register_page(RegisterFilters(q="tia tenant"), False, PAGE)
    with count_queries() as none:
        nothing = register_page(RegisterFilters(q="nobody here"), False, PAGE)

    assert q.count == 1 and none.count == 1
    assert ids(page) == [both.id, incidents["warned"]] and page.total == 2
    assert page.rows[0].incident.categories == several  # in the order they were given
    assert (nothing.rows, nothing.total, nothing.pages) == ([], 0, 1)
