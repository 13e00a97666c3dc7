"""Each kind of restriction (§8.19) is set out once, in ``portal.restrictions.kinds.KINDS``: the
one detail it names, what else it needs, and what colleagues and the customer are told. These
tests hold the table to the policy and to the database's own rules, so a kind added or changed
in one place is not missed in another."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from portal.restrictions import rules, wording
from portal.restrictions.kinds import KINDS, NO_DETAIL, say
from portal.restrictions.models import ContactRoute, Restriction, RestrictionKind
from portal.restrictions.terms import RestrictionSpec, terms_of
from tests.restriction_factories import restriction_like

ORG = SimpleNamespace(address="1 Civic Way, Manchester", email="help@example.org", phone="0161")


def test_every_kind_has_one_row_and_the_customer_is_told_about_each():
    assert set(KINDS) == set(RestrictionKind)
    told = {kind for kind, _route in wording.SAID}
    assert told == set(RestrictionKind)
    # Contact by one channel is said for each channel the customer may be given.
    assert {route for kind, route in wording.SAID if kind == RestrictionKind.CHANNEL_ONLY} == set(
        ContactRoute
    )


def test_each_detail_is_a_restriction_column_the_database_insists_on():
    constraints = " ".join(
        str(c.sqltext) for c in Restriction.__table__.constraints if hasattr(c, "sqltext")
    )
    for kind, rule in KINDS.items():
        if rule.detail is None:
            continue
        assert rule.detail in NO_DETAIL
        assert f"kind <> '{kind.value}' OR" in constraints
        assert rule.detail in Restriction.__table__.columns
        assert rule.missing  # said beside the field when it is not given
    assert "kind <> 'termination' OR ends_on IS NOT NULL" in constraints
    assert KINDS[RestrictionKind.TERMINATION].needs_end


@pytest.mark.policy("8.19")
def test_only_ending_all_contact_needs_a_serious_incident_and_an_end_date():
    assert [k for k, rule in KINDS.items() if rule.needs_serious_incident] == [
        RestrictionKind.TERMINATION
    ]
    assert [k for k, rule in KINDS.items() if rule.needs_end] == [RestrictionKind.TERMINATION]


@pytest.mark.parametrize("kind", list(RestrictionKind))
def test_the_terms_keep_only_the_detail_the_kind_names(kind):
    spec = RestrictionSpec(
        kind=kind,
        starts_on=date(2026, 12, 1),
        review_on=date(2027, 5, 1),
        reasons="Why.",
        channel=ContactRoute.LETTER,
        named_manager_id=7,
        schedule="  Mondays 10-12  ",
        third_party=" Citizens Advice ",
    )
    terms = terms_of(spec)
    detail = KINDS[kind].detail
    assert terms["kind"] == kind
    for column, empty in NO_DETAIL.items():
        if column == detail:
            assert terms[column] not in (None, "")
            assert terms[column] == (
                getattr(spec, column).strip()
                if isinstance(getattr(spec, column), str)
                else getattr(spec, column)
            )
        else:
            assert terms[column] == empty


def test_say_fills_in_the_detail_only_for_a_kind_that_names_one(app):
    channel = KINDS[RestrictionKind.CHANNEL_ONLY]
    assert say(channel.headline, channel, "email") == "Contact by email only"
    ended = KINDS[RestrictionKind.TERMINATION]
    assert say(ended.headline, ended, "ignored") == "All contact ended for a period"


@pytest.mark.policy("8.21")
def test_a_detail_not_recorded_is_still_named_for_colleagues(app):
    channel = rules.allowed_contact(restriction_like(RestrictionKind.CHANNEL_ONLY))
    assert channel.headline == "Contact by the named channel only"
    manager = rules.allowed_contact(restriction_like(RestrictionKind.NAMED_MANAGER))
    assert manager.headline == "Contact only through the manager"


@pytest.mark.parametrize(
    ("fields", "headline", "how_label", "how"),
    [
        (
            {"kind": RestrictionKind.CHANNEL_ONLY, "channel": ContactRoute.LETTER},
            "Contact us by letter only",
            "Our address:",
            ORG.address,
        ),
        (
            {"kind": RestrictionKind.CHANNEL_ONLY, "channel": ContactRoute.EMAIL},
            "Contact us by email only",
            "Our email address:",
            ORG.email,
        ),
        (
            {
                "kind": RestrictionKind.NAMED_MANAGER,
                "named_manager": SimpleNamespace(name="Tom Whitfield", email="tom@example.org"),
            },
            "Contact us through Tom Whitfield",
            "Their email address:",
            "tom@example.org",
        ),
        (
            {
                "kind": RestrictionKind.NAMED_MANAGER,
                "named_manager": SimpleNamespace(name="Tom Whitfield", email=""),
            },
            "Contact us through Tom Whitfield",
            "",
            "",
        ),
        (
            {"kind": RestrictionKind.SET_TIMES, "schedule": "Tuesdays 10:00 to 11:00"},
            "Call us only at the agreed times",
            "Our phone number:",
            ORG.phone,
        ),
        (
            {"kind": RestrictionKind.THIRD_PARTY, "third_party": "Citizens Advice"},
            "Contact us through Citizens Advice",
            "",
            "",
        ),
        (
            {"kind": RestrictionKind.TERMINATION, "ends_on": date(2027, 2, 23)},
            "We have stopped all contact with you for a while",
            "",
            "",
        ),
    ],
)
def test_the_customer_is_told_what_each_kind_lets_them_do_and_where(
    app, fields, headline, how_label, how
):
    kind = fields.pop("kind")
    yours = wording.your_contact(restriction_like(kind, **fields), ORG)
    assert (yours.headline, yours.how_label, yours.how) == (headline, how_label, how)
    assert yours.detail
