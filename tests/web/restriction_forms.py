"""Valid form data for the restriction-stage pages (§8.15–8.21, §10.1), as a browser sends it.

Dates suit the frozen clock (Monday 23 November 2026).
"""

from __future__ import annotations

from portal.restrictions.models import CHECKLIST

TODAY = "2026-11-23"


# The §4.5 and §4.7 answers (and §9.5's, kept only when all contact is ended), as posted.
REQUEST_CONSIDERATIONS = {
    "representative_considered": "yes",
    "representative_decision": "Offered contact through their support worker; they declined.",
    "eia_needed": "no",
    "eia_note": "",
    "other_methods_exhausted": "y",
    "other_methods_tried": "Email only for three months, then one named manager: both broken.",
}


def restriction_request_form(serious_incident=None, **overrides) -> dict:
    """A Request to Restrict Contact with evidence for every §8.17 point; with a serious
    incident, its waiver of the final warning."""
    data = {
        f"checklist_{key}": f"Evidence for {key}: contact log, 3 to 20 Nov." for key in CHECKLIST
    }
    data.update(
        {
            "proposed_kinds": ["channel_only"],
            "proposal": "Email only for six months: calls have been abusive.",
            "waiver_incident_id": str(serious_incident.id) if serious_incident else "0",
            "waiver_reason": "Threatened a colleague." if serious_incident else "",
            **REQUEST_CONSIDERATIONS,
        }
    )
    data.update(overrides)
    return data


def decision_form(**overrides) -> dict:
    """GLT approves contact by email only, from today, reviewed in three months."""
    data = {
        "outcome": "approved",
        "reasons": "The evidence is clear and the restriction is proportionate.",
        "kind": "channel_only",
        "channel": "email",
        "named_manager_id": "0",
        "schedule": "",
        "third_party": "",
        "restriction_reasons": "Calls to the contact centre were abusive.",
        "starts_on": TODAY,
        "review_on": "2027-02-23",
        "ends_on": "",
    }
    data.update(overrides)
    return data


def review_restriction_form(**overrides) -> dict:
    """The Panel continues the restriction, reviewed again in three months, and records it."""
    data = {
        "behaviour_since": "Two abusive emails in October.",
        "outcome": "continue",
        "reasons": "The behaviour has not changed.",
        "next_review_on": "2027-02-23",
        "delivery": "post",
        "named_manager_id": "0",
        "action": "record",
    }
    data.update(overrides)
    return data


def arrangement_form(**overrides) -> dict:
    """Calls on Tuesdays 10:00 to 11:00, at most 20 minutes long."""
    data = {
        "kinds": ["call_time", "call_length"],
        "summary": "Calls at a set time keep things calm.",
        "call_time_weekday": "1",
        "call_time_starts_at": "10:00",
        "call_time_ends_at": "11:00",
        "call_length_amount": "20",
        "review_on": "2027-02-23",
        "delivery": "hand",
    }
    data.update(overrides)
    return data
