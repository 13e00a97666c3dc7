"""The Panel's themes (§10.2): a managed list, incidents tagged once per theme, counts by
month, service area, channel and category in a fixed number of queries, escalations to BIG or
the Complaints Quality Network with their outcome, and reviews of the register; all audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.auth.models import Role
from portal.errors import Conflict, NotAllowed, ServiceError
from portal.incidents.catalogue import Category, Channel
from portal.themes import queries, services
from portal.themes.models import EscalatedTo, IncidentTheme, Theme


@pytest.fixture
def theme(app, clock, panel_member):
    made = services.create_theme(
        panel_member, clock.now, "Frustration after repair delays", "Waiting for repairs"
    )
    db.session.commit()
    return made


@pytest.mark.policy("10.2")
def test_the_panel_adds_a_theme_and_it_is_audited(theme, audit_events):
    assert theme.active and theme.name_key == "frustration after repair delays"
    [event] = audit_events("theme.created", "theme", theme.id)
    assert event.after["name"] == "Frustration after repair delays"


@pytest.mark.policy("10.2")
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "theme.name_missing"),
        ("   ", "theme.name_missing"),
        (None, "theme.name_missing"),
        ("x" * 121, "theme.too_long"),
        ("FRUSTRATION   after repair DELAYS", "theme.name_taken"),
    ],
)
def test_a_theme_name_must_be_given_short_and_new(theme, clock, panel_member, name, code):
    with pytest.raises(ServiceError) as refused:
        services.create_theme(panel_member, clock.now, name)
    assert refused.value.codes["name"] == code
    db.session.rollback()
    assert db.session.scalar(select(func.count(Theme.id))) == 1


@pytest.mark.policy("10.2")
@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.CEM, Role.GLT, Role.CSM, Role.ADMIN])
def test_only_the_panel_changes_themes(theme, clock, make_staff, make_incident, tenant, role):
    other = make_staff(role)
    incident = make_incident(tenant)
    for step in (
        lambda: services.create_theme(other, clock.now, "Another"),
        lambda: services.set_theme_active(other, clock.now, theme, False),
        lambda: services.set_incident_themes(other, clock.now, incident, [theme.id], []),
        lambda: services.escalate_theme(other, clock.now, theme, "big", clock.now.date(), "x"),
        lambda: services.record_register_review(other, clock.now, clock.now.date(), "A, B"),
    ):
        with pytest.raises(NotAllowed):
            step()


@pytest.fixture
def tenant(make_customer):
    return make_customer()


@pytest.mark.policy("10.2")
def test_tagging_adds_removes_and_reports_a_tag_already_there(
    theme, clock, panel_member, make_incident, tenant, audit_events
):
    incident = make_incident(tenant)
    result = services.set_incident_themes(panel_member, clock.now, incident, [theme.id], [])
    db.session.commit()
    assert result["added"] == [theme.name]
    # A second member's form, shown before the first saved, ticks the same theme.
    again = services.set_incident_themes(panel_member, clock.now, incident, [theme.id], [])
    db.session.commit()
    assert again == {"added": [], "removed": [], "already": [theme.name]}
    assert db.session.scalar(select(func.count(IncidentTheme.id))) == 1
    # Unticking only takes off what the form showed as ticked.
    kept = services.set_incident_themes(panel_member, clock.now, incident, [], [])
    assert kept["removed"] == [] and services.tagged_theme_ids(incident) == {theme.id}
    gone = services.set_incident_themes(panel_member, clock.now, incident, [], [theme.id])
    db.session.commit()
    assert gone["removed"] == [theme.name] and services.tagged_theme_ids(incident) == set()
    assert len(audit_events("incident.themes_changed", "incident", incident.id)) == 2


@pytest.mark.policy("10.2")
def test_a_retired_theme_keeps_its_incidents_but_takes_no_new_ones(
    theme, clock, panel_member, make_incident, tenant, audit_events
):
    first, second = make_incident(tenant), make_incident(tenant)
    services.set_incident_themes(panel_member, clock.now, first, [theme.id], [])
    services.set_theme_active(panel_member, clock.now, theme, False)
    db.session.commit()
    assert not theme.active and theme.retired_by_id == panel_member.id
    assert services.tagged_theme_ids(first) == {theme.id}
    with pytest.raises(ServiceError) as refused:
        services.set_incident_themes(panel_member, clock.now, second, [theme.id], [])
    assert refused.value.codes["themes"] == "theme.not_in_use"
    db.session.rollback()
    services.set_theme_active(panel_member, clock.now, theme, True)
    db.session.commit()
    assert theme.active and theme.retired_at is None
    assert [e.action for e in audit_events(entity_type="theme", entity_id=theme.id)] == [
        "theme.created",
        "theme.retired",
        "theme.reinstated",
    ]


@pytest.mark.policy("10.2")
def test_unknown_theme_ids_are_refused(theme, clock, panel_member, make_incident, tenant):
    incident = make_incident(tenant)
    with pytest.raises(ServiceError):
        services.set_incident_themes(panel_member, clock.now, incident, [2**31 - 1], [])


@pytest.mark.policy("10.2")
def test_counts_by_month_area_channel_and_category(
    theme, clock, panel_member, make_incident, tenant
):
    today = clock.now.date()
    months = queries.months_to(today)
    assert len(months) == 12 and months[-1].key == "2026-11" and months[0].key == "2025-12"
    october = clock.now - timedelta(days=40)
    incidents = [
        make_incident(tenant, service_area="Repairs", channel=Channel.PHONE),
        make_incident(
            tenant,
            now=october,
            service_area="Repairs",
            channel=Channel.EMAIL,
            categories=[Category.AGGRESSIVE, Category.CONTACT],
            example_types=["verbal_abuse", "excessive_calls"],
        ),
        make_incident(tenant, now=clock.now - timedelta(days=500), service_area="Rents"),
    ]
    for incident in incidents:
        services.set_incident_themes(panel_member, clock.now, incident, [theme.id], [])
    db.session.commit()

    trend = {m.key: m.count for m in queries.by_month(months, theme.id)}
    assert trend["2026-11"] == 1 and trend["2026-10"] == 1 and sum(trend.values()) == 2
    split = queries.breakdowns(months, theme.id)
    assert split["service_area"] == [("Repairs", 2)]
    assert dict(split["channel"]) == {"Phone": 1, "Email": 1}
    assert dict(split["category"]) == {
        "Aggressive or abusive behaviour": 2,
        "Unreasonable levels of contact": 1,
    }
    [row] = queries.themes_with_counts(queries.since(months))
    assert (row.recent, row.ever) == (2, 3)


@pytest.mark.policy("10.2")
def test_months_are_london_months_on_both_sides_of_midnight(
    theme, clock, panel_member, make_incident, tenant
):
    """In summer London is an hour ahead: 23:30 UTC on 30 June is 00:30 on 1 July in London,
    so it counts in July; 22:30 UTC is 23:30 in London, still June. The first moment of the
    first month is midnight in London too."""
    months = queries.months_to(date(2026, 7, 15), count=2)
    assert queries.since(months) == datetime(2026, 5, 31, 23, 0, tzinfo=UTC)
    times = [
        datetime(2026, 6, 30, 22, 30, tzinfo=UTC),  # June in London
        datetime(2026, 6, 30, 23, 30, tzinfo=UTC),  # July in London
        datetime(2026, 5, 31, 22, 59, tzinfo=UTC),  # 23:59 on 31 May in London: before
        datetime(2026, 5, 31, 23, 0, tzinfo=UTC),  # midnight, 1 June in London
    ]
    for at in times:
        incident = make_incident(tenant, now=at + timedelta(hours=1))  # occurred an hour before
        services.set_incident_themes(panel_member, clock.now, incident, [theme.id], [])
    db.session.commit()
    trend = {m.key: m.count for m in queries.by_month(months, theme.id)}
    assert trend == {"2026-06": 2, "2026-07": 1}


@pytest.mark.policy("10.2")
def test_the_queries_are_a_fixed_number_whatever_the_data(
    theme, clock, panel_member, make_incident, tenant, count_queries
):
    months = queries.months_to(clock.now.date())

    def counted() -> int:
        with count_queries() as q:
            queries.themes_with_counts(queries.since(months))
            queries.by_month(months)
            queries.by_month(months, theme.id)
            queries.breakdowns(months, theme.id)
            queries.escalations(theme.id)
        return q.count

    few = counted()
    for area in ("Repairs", "Rents", "Lettings"):
        incident = make_incident(tenant, service_area=area)
        services.set_incident_themes(panel_member, clock.now, incident, [theme.id], [])
        services.escalate_theme(panel_member, clock.now, theme, "cqn", date(2026, 11, 1), "x")
    db.session.commit()
    assert counted() == few


@pytest.mark.policy("10.2")
def test_an_escalation_and_its_outcome_are_recorded_once(theme, clock, panel_member, audit_events):
    escalation = services.escalate_theme(
        panel_member,
        clock.now,
        theme,
        "big",
        date(2026, 11, 20),
        "  Repairs complaints keep turning into abuse  ",
        date(2026, 12, 18),
    )
    db.session.commit()
    assert escalation.escalated_to == EscalatedTo.BIG
    assert escalation.summary == "Repairs complaints keep turning into abuse"
    services.record_outcome(
        panel_member, clock.now, escalation, "Repairs triage changed", date(2026, 11, 22)
    )
    db.session.commit()
    with pytest.raises(Conflict):
        services.record_outcome(panel_member, clock.now, escalation, "Again", date(2026, 11, 22))
    db.session.rollback()
    assert escalation.outcome == "Repairs triage changed"
    assert audit_events("theme.escalated", "theme_escalation", escalation.id)
    assert audit_events("theme.escalation_outcome", "theme_escalation", escalation.id)


@pytest.mark.policy("10.2")
@pytest.mark.parametrize(
    ("to", "on", "summary", "follow_up", "field"),
    [
        ("nobody", date(2026, 11, 1), "x", None, "escalated_to"),
        (None, date(2026, 11, 1), "x", None, "escalated_to"),
        ("big", None, "x", None, "escalated_on"),
        ("big", "2026-11-01", "x", None, "escalated_on"),
        ("big", date(2026, 11, 24), "x", None, "escalated_on"),
        ("big", date(2026, 11, 1), " \x00 ", None, "summary"),
        ("big", date(2026, 11, 1), "x" * 5001, None, "summary"),
        ("big", date(2026, 11, 10), "x", date(2026, 11, 9), "follow_up_on"),
    ],
)
def test_an_escalation_needs_who_when_and_what(
    theme, clock, panel_member, to, on, summary, follow_up, field
):
    with pytest.raises(ServiceError) as refused:
        services.escalate_theme(panel_member, clock.now, theme, to, on, summary, follow_up)
    assert field in refused.value.errors


@pytest.mark.policy("10.2")
def test_an_outcome_needs_text_and_a_date_after_the_escalation(theme, clock, panel_member):
    escalation = services.escalate_theme(
        panel_member, clock.now, theme, "cqn", date(2026, 11, 20), "Raised"
    )
    with pytest.raises(ServiceError) as refused:
        services.record_outcome(panel_member, clock.now, escalation, " ", date(2026, 11, 19))
    assert set(refused.value.errors) == {"outcome", "outcome_on"}


@pytest.mark.policy("10.2")
def test_a_review_of_the_register_is_recorded_and_listed_latest_first(
    clock, panel_member, audit_events
):
    for held in (date(2026, 10, 5), date(2026, 11, 2)):
        services.record_register_review(panel_member, clock.now, held, "Pat, Sam", "All seen")
    db.session.commit()
    rows = queries.register_reviews()
    assert [r.RegisterReview.held_on for r in rows] == [date(2026, 11, 2), date(2026, 10, 5)]
    assert len(audit_events("register.reviewed")) == 2
    with pytest.raises(ServiceError) as refused:
        services.record_register_review(panel_member, clock.now, date(2027, 1, 1), "")
    assert set(refused.value.errors) == {"held_on", "attendees"}
