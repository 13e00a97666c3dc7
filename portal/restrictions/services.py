"""Restriction verbs, one module per part of the policy, gathered under one name.

- :mod:`~portal.restrictions.requests`: the Request to Restrict Contact (§8.16–8.18);
- :mod:`~portal.restrictions.decisions`: GLT's decision (§8.19), with the restriction's
  :mod:`~portal.restrictions.terms`;
- :mod:`~portal.restrictions.decision_letter`: the decision letter (§8.20).

The six-monthly review (§10.1) is :mod:`portal.reviews.services`; correspondence under
termination (§9.5) is :mod:`portal.correspondence.services`. New code may import from the
modules directly; ``restrictions.decide(...)`` keeps working.
"""

from __future__ import annotations

from portal.restrictions.decision_letter import (
    LetterDates,
    decision_letter_sent,
    draft_decision_letter,
    issue_decision_letter,
    letter_dates,
    missing_from_decision_letter,
)
from portal.restrictions.decisions import (
    EiaAnswer,
    approves_as_proposed,
    ask_for_more,
    decide,
    decision_blocker,
    wrote_request,
)
from portal.restrictions.requests import (
    RequestInput,
    ends_all_contact,
    live_final_warning,
    resubmit,
    serious_incidents,
    submit_request,
)
from portal.restrictions.terms import (
    MANAGER_ROLES,
    RestrictionSpec,
    build_replacement,
    same_terms,
    validate_spec,
)

__all__ = [
    "MANAGER_ROLES",
    "EiaAnswer",
    "LetterDates",
    "RequestInput",
    "RestrictionSpec",
    "approves_as_proposed",
    "ask_for_more",
    "build_replacement",
    "decide",
    "decision_blocker",
    "decision_letter_sent",
    "draft_decision_letter",
    "ends_all_contact",
    "issue_decision_letter",
    "letter_dates",
    "live_final_warning",
    "missing_from_decision_letter",
    "resubmit",
    "same_terms",
    "serious_incidents",
    "submit_request",
    "validate_spec",
    "wrote_request",
]
