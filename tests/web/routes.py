"""Every staff page and form as data: its URL, who may use it, valid data and what it saves.

URLs are formatted with the ids of the ``world`` fixture (tests/web/conftest.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from tests.web.customer_forms import edit_customer_form, new_customer_form
from tests.web.forms import incident_form, review_form
from tests.web.restriction_forms import (
    arrangement_form,
    decision_form,
    restriction_request_form,
    review_restriction_form,
)

STAFF = (
    "colleague",  # reported every incident in the world
    "other_colleague",
    "line_manager",  # the colleague's line manager, named on every report
    "other_manager",
    "panel",
    "csm",
    "glt",
    "cem",
    "admin",
)
EVERYONE = frozenset(STAFF)
# The people an incident's details are shared with (besides the CSM, for §8.4 referrals only).
INCIDENT_READERS = frozenset({"colleague", "line_manager", "panel", "glt", "cem"})
# The restriction stage: who requests, decides and reads restrictions (portal/auth/permissions).
PANEL = frozenset({"panel"})
PANEL_OR_GLT = frozenset({"panel", "glt"})
PANEL_OR_CEM = frozenset({"panel", "cem"})
RESTRICTION_READERS = frozenset({"panel", "glt", "cem"})
# The conduct history (arrangements and their letters): the restriction readers and the CSM.
HISTORY_READERS = RESTRICTION_READERS | {"csm"}
# Who raises and ends health and safety alerts (§8.5).
ALERT_KEEPERS = frozenset({"line_manager", "other_manager", "panel", "csm"})


@dataclass
class Page:
    name: str
    url: str  # formatted with the world's ids
    allowed: frozenset[str]

    def href(self, w) -> str:
        return self.url.format(
            tenant=w.tenant.id,
            alert=w.alert.id,
            closure=w.closure.id,
            awaiting=w.awaiting.id,
            awaiting_other=w.awaiting_other.id,
            reviewed=w.reviewed.id,
            reviewed_other=w.reviewed_other.id,
            letter=w.letter,
            letter_other=w.letter_other,
            attachment=w.attachment.id,
            other_colleague=w.people.other_colleague.id,
            restricted=w.restricted.id,
            requested=w.requested.id,
            terminated=w.terminated.id,
            restriction=w.restriction.id,
            lifted=w.lifted.id,
            pending=w.pending.id,
            more_info=w.more_info.id,
            awaiting_letter=w.awaiting_letter,
            arrangement=w.arrangement.id,
            correspondence=w.correspondence.id,
            correspondence_read=w.correspondence_read.id,
            correspondence_checked=w.correspondence_checked.id,
            decision_letter=w.decision_letter,
            review_letter=w.review_letter,
            acknowledgement_letter=w.acknowledgement_letter,
            arrangement_letter=w.arrangement_letter,
        )


PAGES = [
    Page("home", "/staff/", EVERYONE),
    Page("your account", "/staff/account", EVERYONE),
    Page("change password", "/staff/account/password", EVERYONE),
    Page("find customer", "/staff/customers", EVERYONE),
    Page("search customers", "/staff/customers?q=tenant", EVERYONE),
    Page("customer record", "/staff/customers/{tenant}", EVERYONE),
    Page("report incident", "/staff/incidents/new", EVERYONE),
    Page("report about customer", "/staff/incidents/new?customer={tenant}", EVERYONE),
    # Customer records: any colleague adds a customer and corrects their details.
    Page("add customer", "/staff/customers/new", EVERYONE),
    Page("edit customer", "/staff/customers/{tenant}/edit", EVERYONE),
    Page("asb incident", "/staff/incidents/{awaiting}", INCIDENT_READERS | {"csm"}),
    Page("non-asb incident", "/staff/incidents/{awaiting_other}", INCIDENT_READERS),
    Page("reviewed incident", "/staff/incidents/{reviewed}", INCIDENT_READERS | {"csm"}),
    Page("manager decision", "/staff/incidents/{awaiting}/decision", frozenset({"line_manager"})),
    Page("panel queue", "/staff/panel", frozenset({"panel", "csm"})),
    Page("asb review", "/staff/incidents/{awaiting}/review", frozenset({"panel", "csm"})),
    Page("non-asb review", "/staff/incidents/{awaiting_other}/review", frozenset({"panel"})),
    Page("asb warning preview", "/staff/incidents/{reviewed}/warning", frozenset({"panel", "csm"})),
    Page(
        "non-asb warning preview", "/staff/incidents/{reviewed_other}/warning", frozenset({"panel"})
    ),
    Page("asb letter", "/staff/letters/{letter}", INCIDENT_READERS | {"csm"}),
    Page("non-asb letter", "/staff/letters/{letter_other}", INCIDENT_READERS),
    Page("register", "/staff/register", frozenset({"panel", "csm"})),
    Page(
        "register search",
        "/staff/register?q=tenant&category=aggressive_or_abusive",
        frozenset({"panel", "csm"}),
    ),
    # Ending an alert asks why, and confirms (§8.5): those who may raise one.
    Page("end alert", "/staff/customers/{tenant}/alerts/{alert}/end", ALERT_KEEPERS),
    Page("closures", "/staff/admin/closures", frozenset({"admin"})),
    Page("staff accounts", "/staff/admin/users", frozenset({"admin"})),
    Page("one account", "/staff/admin/users/{other_colleague}", frozenset({"admin"})),
    Page("organisation", "/staff/admin/organisation", frozenset({"admin"})),
    Page("audit trail", "/staff/audit", frozenset({"admin", "cem"})),
    # The restriction stage (§8.15–8.21, §9.5, §10.1).
    Page("restricted customer record", "/staff/customers/{restricted}", EVERYONE),
    Page("terminated customer record", "/staff/customers/{terminated}", EVERYONE),
    Page("restriction requests", "/staff/restriction-requests", RESTRICTION_READERS),
    Page("restriction request", "/staff/restriction-requests/{pending}", RESTRICTION_READERS),
    Page("request with a question", "/staff/restriction-requests/{more_info}", RESTRICTION_READERS),
    Page("new restriction request", "/staff/customers/{requested}/restriction-requests/new", PANEL),
    Page("answer glt's question", "/staff/restriction-requests/{more_info}/edit", PANEL),
    Page("decision letter", "/staff/restriction-requests/{awaiting_letter}/letter", PANEL_OR_GLT),
    Page(
        "decision letter by post",
        "/staff/restriction-requests/{awaiting_letter}/letter?delivery=post",
        PANEL_OR_GLT,
    ),
    Page("reviews due", "/staff/reviews", PANEL),
    Page("review restriction", "/staff/restrictions/{restriction}/review", PANEL),
    Page("reintroduce restriction", "/staff/restrictions/{lifted}/reintroduce", PANEL),
    Page("suggest arrangement", "/staff/customers/{requested}/arrangements/new", PANEL),
    Page("arrangement answer", "/staff/arrangements/{arrangement}/answer", PANEL),
    Page("end arrangement", "/staff/arrangements/{arrangement}/end", PANEL),
    Page("correspondence", "/staff/customers/{terminated}/correspondence", PANEL_OR_CEM),
    Page("correspondence to handle", "/staff/correspondence", PANEL_OR_CEM),
    # Restriction-stage letters are read as restrictions are (never by the CSM, §8.4 only);
    # an arrangement's letter as the conduct history is.
    Page("issued decision letter", "/staff/letters/{decision_letter}", RESTRICTION_READERS),
    Page("review outcome letter", "/staff/letters/{review_letter}", RESTRICTION_READERS),
    Page(
        "correspondence acknowledgement",
        "/staff/letters/{acknowledgement_letter}",
        RESTRICTION_READERS,
    ),
    Page("arrangement letter", "/staff/letters/{arrangement_letter}", HISTORY_READERS),
    # Data protection and the housing system (issue 15).
    Page("add representative", "/staff/customers/{tenant}/representatives/new", EVERYONE),
    Page("subject access", "/staff/customers/{tenant}/subject-access", frozenset({"cem", "admin"})),
    Page("retention schedule", "/staff/admin/retention", frozenset({"admin"})),
    Page("housing system and data", "/staff/admin/data", frozenset({"admin"})),
    Page("import customers", "/staff/admin/import-customers", frozenset({"admin"})),
    Page("api tokens", "/staff/admin/api-tokens", frozenset({"admin"})),
    # Learning and fairness (§10.2, §11.1, §12.1).
    Page("reasonable adjustments", "/staff/customers/{tenant}/adjustments", EVERYONE),
    Page("themes", "/staff/themes", frozenset({"panel", "cem", "glt"})),
    Page(
        "reviews of the register",
        "/staff/panel/reviews-of-register",
        frozenset({"panel", "cem", "glt"}),
    ),
    Page("incident themes", "/staff/incidents/{awaiting}/themes", PANEL),
    Page("equality answers", "/staff/customers/{tenant}/equality", frozenset({"cem", "admin"})),
    Page("equality monitoring", "/staff/equality", frozenset({"cem", "admin"})),
    Page("impact assessments", "/staff/impact-assessments", PANEL_OR_CEM),
    Page("committee report", "/staff/reports", frozenset({"cem", "panel", "glt"})),
    Page("issued committee reports", "/staff/reports/issued", frozenset({"cem", "panel", "glt"})),
]

# The same letters as PDF downloads: not pages, so tested on their own in
# tests/web/test_letter_access.py (with the large-print PDF, which is served by the same route).
DOWNLOADS = [
    Page(f"{page.name} pdf", f"{page.url}/pdf", page.allowed)
    for page in PAGES
    if page.url.startswith("/staff/letters/{") and page.allowed <= HISTORY_READERS
]


@dataclass
class Form:
    """A POST route, valid data for it, the roles that may send it and the table it adds to."""

    name: str
    url: str
    data: object  # callable(world) -> dict
    allowed: frozenset[str]
    changes: str  # a table whose row count changes when it succeeds
    prefix: str = ""

    def href(self, w) -> str:
        return Page(self.name, self.url, self.allowed).href(w)

    @property
    def actor(self) -> str:
        """Someone who may send the form: the person whose job it is, where there is one."""
        for role in ("colleague", "line_manager", "panel", "admin", "glt", "cem"):
            if role in self.allowed:
                return role
        raise AssertionError(f"nobody may send {self.name}")


def form_named(name: str) -> Form:
    return next(form for form in FORMS if form.name == name)


def _a_manager_other_than(me, people):
    return people.other_manager if me is people.line_manager else people.line_manager


def _evidence(_w):
    return {"evidence": (io.BytesIO(b"%PDF-1.4 test"), "statement.pdf")}


FORMS = [
    Form(
        "raise alert",
        "/staff/customers/{tenant}/alerts",
        lambda w: {"alert-summary": "Threatened staff with a knife", "alert-advice": "Go in pairs"},
        ALERT_KEEPERS,
        "alert",
        prefix="alert-",
    ),
    Form(
        "end alert",
        "/staff/customers/{tenant}/alerts/{alert}/end",
        lambda w: {"reason": "He has moved out; the dog went with him."},
        ALERT_KEEPERS,
        "audit_event",
    ),
    Form(
        "log contact",
        "/staff/customers/{tenant}/contacts",
        lambda w: {
            "contact-channel": "phone",
            "contact-direction": "in",
            "contact-occurred_on": "2026-11-20",
            "contact-occurred_time": "14:05",
            "contact-duration_minutes": "25",
            "contact-summary": "Same complaint about the fence",
        },
        EVERYONE,
        "contact_log_entry",
        prefix="contact-",
    ),
    Form(
        "record refusal",
        "/staff/customers/{tenant}/access-refusals",
        lambda w: {
            "refusal-works_type": "essential",
            "refusal-refused_on": "2026-11-20",
            "refusal-works_description": "Annual gas safety check",
        },
        EVERYONE,
        "access_refusal",
        prefix="refusal-",
    ),
    Form(
        "add customer",
        "/staff/customers/new",
        lambda w: new_customer_form(),
        EVERYONE,
        "customer",
    ),
    Form(
        "edit customer",
        "/staff/customers/{tenant}/edit",
        lambda w: edit_customer_form(w.tenant, address="Flat 2, 9 Brook Street, M22 9ZZ"),
        EVERYONE,
        "audit_event",
    ),
    Form(
        "report incident",
        "/staff/incidents/new",
        lambda w: incident_form(w.tenant, _a_manager_other_than(w.me, w.people)),
        EVERYONE,
        "incident",
    ),
    Form(
        "add evidence",
        "/staff/incidents/{awaiting}/evidence",
        _evidence,
        frozenset({"colleague", "panel", "csm"}),
        "attachment",
    ),
    Form(
        "manager decision",
        "/staff/incidents/{awaiting}/decision",
        lambda w: {"decisions": ["report_to_police"], "notes": "Threats: reported to police."},
        frozenset({"line_manager"}),
        "audit_event",
    ),
    Form(
        "mark seriousness",
        "/staff/incidents/{awaiting}/seriousness",
        lambda w: {"serious": "yes", "serious_reason": "Sustained abuse over two calls."},
        frozenset({"panel", "csm"}),
        "audit_event",
    ),
    Form(
        "panel review",
        "/staff/incidents/{awaiting}/review",
        lambda w: review_form(),
        frozenset({"panel", "csm"}),
        "panel_review",
    ),
    Form(
        "non-asb panel review",
        "/staff/incidents/{awaiting_other}/review",
        lambda w: review_form(),
        frozenset({"panel"}),
        "panel_review",
    ),
    Form(
        "issue warning",
        "/staff/incidents/{reviewed}/warning",
        lambda w: {"delivery": "hand"},
        frozenset({"panel", "csm"}),
        "conduct_warning",
    ),
    Form(
        "non-asb issue warning",
        "/staff/incidents/{reviewed_other}/warning",
        lambda w: {"delivery": "hand"},
        frozenset({"panel"}),
        "conduct_warning",
    ),
    Form(
        "add closure",
        "/staff/admin/closures",
        lambda w: {"day": "2026-12-30", "reason": "Christmas closure"},
        frozenset({"admin"}),
        "closure_day",
    ),
    Form(
        "add account",
        "/staff/admin/users",
        lambda w: {
            "name": "Nia New",
            "email": "nia.new@test.example",
            "job_title": "Income Officer",
            "line_manager_id": "0",
            "roles": ["colleague"],
            "password": "a long temporary password",
        },
        frozenset({"admin"}),
        "staff_user",
    ),
    Form(
        "change access",
        "/staff/admin/users/{other_colleague}",
        lambda w: {"roles": ["colleague", "panel"], "active": "y"},
        frozenset({"admin"}),
        "staff_user_role",
    ),
    Form(
        "organisation details",
        "/staff/admin/organisation",
        lambda w: {
            "name": "Wythenshawe Community Housing Group",
            "address": "Wythenshawe House, Manchester",
            "phone": "0161 000 0000",
            "email": "help@housing.example",
            "policy_title": "Customer Conduct Policy",
            "policy_url": "https://housing.example/policy.pdf",
            "complaints_contact": "Call us to make a complaint.",
            "emergency_contact": "Call 0800 000 0000 for emergency repairs.",
            "review_request_contact": "Write to the Panel to ask for a review.",
            "appeals_contact": "Write to the Customer Experience Manager to appeal.",
            "postal_delivery_days": "2",
            "cutoff_time": "17:00",
            "panel_review_days": "5",
            "panel_review_unit": "calendar",
        },
        frozenset({"admin"}),
        "audit_event",
    ),
    # The restriction stage (§8.15–8.21, §9.5, §10.1).
    Form(
        "request restriction",
        "/staff/customers/{requested}/restriction-requests/new",
        lambda w: restriction_request_form(w.attack),
        PANEL,
        "restriction_request",
    ),
    Form(
        "decide restriction",
        "/staff/restriction-requests/{pending}/decision",
        lambda w: decision_form(),
        frozenset({"glt"}),
        "restriction",
    ),
    Form(
        "ask for more information",
        "/staff/restriction-requests/{pending}/more-information",
        lambda w: {"more-question": "Has the tenancy team been told?"},
        frozenset({"glt"}),
        "notification",
        prefix="more-",
    ),
    Form(
        "answer glt's question",
        "/staff/restriction-requests/{more_info}/edit",
        lambda w: restriction_request_form(w.attack, proposal="Email only; tenancy team told."),
        PANEL,
        "audit_event",
    ),
    Form(
        "issue decision letter",
        "/staff/restriction-requests/{awaiting_letter}/letter",
        lambda w: {"delivery": "post", "action": "issue"},
        PANEL_OR_GLT,
        "letter",
    ),
    Form(
        "review restriction",
        "/staff/restrictions/{restriction}/review",
        lambda w: review_restriction_form(),
        PANEL,
        "restriction_review",
    ),
    Form(
        "reintroduce restriction",
        "/staff/restrictions/{lifted}/reintroduce",
        lambda w: {"reason": "Abusive calls started again.", "review_on": "2027-02-01"},
        PANEL,
        "restriction",
    ),
    Form(
        "suggest arrangement",
        "/staff/customers/{requested}/arrangements/new",
        lambda w: arrangement_form(action="approve"),
        PANEL,
        "arrangement",
    ),
    Form(
        "record arrangement answer",
        "/staff/arrangements/{arrangement}/answer",
        lambda w: {"answer": "agree", "channel": "phone", "note": "Agreed on the phone."},
        PANEL,
        "audit_event",
    ),
    Form(
        "end arrangement",
        "/staff/arrangements/{arrangement}/end",
        lambda w: {"reason": "Behaviour has improved."},
        PANEL,
        "audit_event",
    ),
    Form(
        "log correspondence",
        "/staff/customers/{terminated}/correspondence",
        lambda w: {
            "received_on": "2026-11-23",
            "received_time": "08:30",
            "channel": "letter",
            "summary": "Asks again about the fence.",
        },
        PANEL_OR_CEM,
        "correspondence",
    ),
    Form(
        "read correspondence",
        "/staff/correspondence/{correspondence}/read",
        lambda w: {},
        PANEL_OR_CEM,
        "audit_event",
        prefix="check-",
    ),
    Form(
        "check correspondence",
        "/staff/correspondence/{correspondence_read}/check",
        lambda w: {"check-check_notes": ""},
        PANEL_OR_CEM,
        "audit_event",
        prefix="check-",
    ),
    Form(
        "file correspondence",
        "/staff/correspondence/{correspondence_checked}/close",
        lambda w: {},
        PANEL_OR_CEM,
        "letter",
        prefix="check-",
    ),
]


# POST routes that take no fields, only the CSRF token.
BARE_POSTS = [
    ("remove closure", "/staff/admin/closures/{closure}/delete", frozenset({"admin"})),
]


@dataclass
class CustomerPage:
    """A customer's page: its URL (formatted with the ids of the customer world in
    tests/web/test_always_open_pages.py) and whether it needs the customer signed in; a
    ``stage`` of "sent" is read after the draft appeal has been sent."""

    name: str
    url: str
    signed_in: bool
    status: int = 200
    stage: str = "draft"


CUSTOMER_PAGES = [
    CustomerPage("start", "/", False),
    CustomerPage("sign in", "/sign-in", False),
    CustomerPage("set up your account", "/activate", False),
    CustomerPage("forgotten password", "/password-reset", False),
    CustomerPage("password reset link", "/password-reset/not-a-token", False, 410),
    CustomerPage("privacy notice", "/privacy", False),
    CustomerPage("your account", "/home", True),
    CustomerPage("your letters", "/letters", True),
    CustomerPage("the language of your letters", "/your-letters", True),
    CustomerPage("equality questions", "/equality", True),
    CustomerPage("appeals", "/appeals", True),
    CustomerPage("appeal reasons", "/appeals/{draft}/reasons", True),
    CustomerPage("appeal new information", "/appeals/{draft}/new-information", True),
    CustomerPage("appeal support", "/appeals/{draft}/support", True),
    CustomerPage("appeal letters format", "/appeals/{draft}/support/letters", True),
    CustomerPage("appeal representative", "/appeals/{draft}/support/representative", True),
    CustomerPage("appeal other support", "/appeals/{draft}/support/other", True),
    CustomerPage("appeal late reason", "/appeals/{draft}/late", True),
    CustomerPage("appeal check", "/appeals/{draft}/check", True),
    CustomerPage("appeal progress", "/appeals/{draft}", True, stage="sent"),
    CustomerPage("appeal confirmation", "/appeals/{draft}?sent=1", True, stage="sent"),
    CustomerPage("letter", "/letters/{letter}", True),
    CustomerPage("arrangement answer", "/arrangements/{arrangement}", True),
]
# Customer GET routes that answer with a file, not a page.
CUSTOMER_DOWNLOADS = {"customer.letter_pdf", "customer.appeal_evidence_file"}
