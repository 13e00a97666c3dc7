"""Bad input never gives a 500: it gets a clear message next to the field, and nothing is saved.

Forged and missing CSRF tokens, wrong types, huge text, odd unicode, impossible dates, other
people's ids and bad uploads, on every staff form.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import String, Text, select

from portal import db
from tests.every import every
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error
from tests.web.routes import BARE_POSTS, FORMS, form_named

HUGE = "x" * 100_000
# A right-to-left mark, an RTL override, a combining accent, Arabic, an emoji sequence with a
# skin tone and zero-width joiner, and a NUL byte that must never reach the database.
ODD = "Mr O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧 fixed it\x00!"
ODD_SAVED = ODD.replace("\x00", "")


def _send(world, act_as, post, form, **changes):
    """Send ``form`` as its usual actor, with ``changes`` made to its valid data."""
    world.me = act_as(form.actor)
    data = form.data(world)
    data.update(changes)
    return post(form.href(world), data, prefix=form.prefix)


@pytest.fixture
def stored_texts(app):
    """Every text value saved in any table (committed rows only)."""
    engine = app.extensions["engine"]

    def _texts() -> set[str]:
        found = set()
        with engine.connect() as connection:
            for table in db.Base.metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, String | Text)]
                if columns:
                    for row in connection.execute(select(*columns)):
                        found.update(v for v in row if isinstance(v, str))
        return found

    return _texts


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_a_form_without_a_good_csrf_token_is_refused_and_saves_nothing(
    app, client, world, act_as, table_counts, form
):
    world.me = act_as(form.actor)

    def check(how: str) -> None:
        data = form.data(world)
        if how == "garbage":
            data[f"{form.prefix}csrf_token"] = "forged-token"
        elif how == "another session's":
            data[f"{form.prefix}csrf_token"] = _token_from_another_session(app)
        before = table_counts()
        response = client.post(form.href(world), data=data)
        soup = check_page(response, 400)
        assert "Your form expired" in soup.h1.get_text()
        assert "Nothing has been saved" in soup.get_text()
        assert table_counts() == before

    every(("missing", "garbage", "another session's"), check)


def _token_from_another_session(app) -> str:
    from bs4 import BeautifulSoup

    stranger = app.test_client()
    page = BeautifulSoup(stranger.get("/staff/sign-in").data, "html.parser")
    return page.find("input", attrs={"name": "csrf_token"})["value"]


@pytest.mark.parametrize(("name", "url", "allowed"), BARE_POSTS, ids=[b[0] for b in BARE_POSTS])
def test_buttons_without_a_csrf_token_are_refused(
    client, world, act_as, table_counts, name, url, allowed
):
    act_as(sorted(allowed)[0])
    before = table_counts()
    href = url.format(tenant=world.tenant.id, alert=world.alert.id, closure=world.closure.id)
    check_page(client.post(href), 400)
    check_page(client.post(href, data={"csrf_token": "forged"}), 400)
    assert table_counts() == before


def test_sign_in_and_sign_out_need_a_csrf_token(client, people, table_counts):
    before = table_counts()
    response = client.post(
        "/staff/sign-in", data={"email": people.colleague.email, "password": "anything"}
    )
    check_page(response, 400)
    assert table_counts() == before, "a failed sign-in without a token still counted"
    check_page(client.post("/staff/sign-out"), 400)


# --- huge text and odd unicode ------------------------------------------------------------------

TEXT_FIELDS = {
    "report incident": [
        "customer_reference",
        "location",
        "service_area",
        "description",
        "immediate_action",
        "witnesses",
        "injury_details",
        "crime_reference",
        "occurred_on",
        "occurred_time",
    ],
    "manager decision": ["notes"],
    "panel review": [
        "context_notes",
        "vulnerability_notes",
        "support_referral_to",
        "eia_notes",
        "reasons",
    ],
    "raise alert": ["alert-summary", "alert-advice"],
    "end alert": ["reason"],
    "log contact": ["contact-summary", "contact-duration_minutes", "contact-occurred_on"],
    "record refusal": [
        "refusal-works_description",
        "refusal-service_request_ref",
        "refusal-refused_on",
    ],
    "add closure": ["day", "reason"],
    "add account": ["name", "email", "job_title", "password"],
    "organisation details": [
        "name",
        "address",
        "phone",
        "email",
        "policy_title",
        "policy_url",
        "complaints_contact",
        "emergency_contact",
        "complaints_contact_ar",  # issue 16 point 13: each text in each language
        "appeals_contact_pl",
        "cutoff_time",
        "panel_review_days",
    ],
    # The restriction stage (§8.16–8.21, §9.5, §10.1).
    "request restriction": [
        "checklist_complaint_responded",
        "checklist_external_referrals",
        "proposal",
        "waiver_reason",
        "representative_decision",
        "eia_note",
        "other_methods_tried",
    ],
    "decide restriction": [
        "eia_note",
        "reasons",
        "restriction_reasons",
        "schedule",
        "third_party",
        "starts_on",
        "review_on",
        "ends_on",
    ],
    "ask for more information": ["more-question"],
    "answer glt's question": ["checklist_robust_records", "proposal", "waiver_reason"],
    "review restriction": [
        "behaviour_since",
        "reasons",
        "next_review_on",
        "schedule",
        "third_party",
        "ends_on",
        "restriction_reasons",
    ],
    "reintroduce restriction": ["reason", "review_on"],
    "log correspondence": ["received_on", "received_time", "summary"],
    "check correspondence": ["check-check_notes"],
}


@pytest.mark.parametrize("name", list(TEXT_FIELDS))
def test_100_000_characters_in_any_field_are_refused_next_to_it(
    world, act_as, post, table_counts, name
):
    def check(field: str) -> None:
        before = table_counts()
        response = _send(world, act_as, post, form_named(name), **{field: HUGE})
        assert_field_error(response, field)
        assert table_counts() == before

    every(TEXT_FIELDS[name], check)


def test_100_000_characters_in_the_sign_in_form_are_refused(client, token, table_counts):
    before = table_counts()
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": token("/staff/sign-in"),
            "email": HUGE + "@x.example",
            "password": HUGE,
        },
    )
    assert_field_error(response, "email")
    assert_field_error(response, "password")
    assert table_counts() == before


FREE_TEXT = {
    "report incident": ["location", "service_area", "description", "immediate_action", "witnesses"],
    "manager decision": ["notes"],
    "panel review": ["context_notes", "reasons"],
    "raise alert": ["alert-summary", "alert-advice"],
    "log contact": ["contact-summary"],
    "record refusal": ["refusal-works_description"],
    "add closure": ["reason"],
    "add account": ["name", "job_title"],
    "organisation details": [
        "address",
        "complaints_contact",
        "emergency_contact",
        "complaints_contact_ar",
        "review_request_contact_ur",
    ],
    # (the §8.17 evidence is kept as JSON, which this check does not read)
    "request restriction": ["proposal", "waiver_reason", "representative_decision"],
    "decide restriction": ["reasons", "restriction_reasons"],
    "ask for more information": ["more-question"],
    "answer glt's question": ["proposal"],
    "review restriction": ["behaviour_since", "reasons"],
    "reintroduce restriction": ["reason"],
    "log correspondence": ["summary"],
    "check correspondence": ["check-check_notes"],
}


def _free_text_cases():
    for name, fields in FREE_TEXT.items():
        for field in fields:
            yield pytest.param(form_named(name), field, id=f"{name}-{field}")


@pytest.mark.parametrize(("form", "field"), list(_free_text_cases()))
def test_odd_unicode_is_kept_exactly_but_nul_bytes_are_dropped(
    world, act_as, post, stored_texts, form, field
):
    response = _send(world, act_as, post, form, **{field: ODD})
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    texts = stored_texts()
    assert ODD_SAVED in texts
    assert not any("\x00" in text for text in texts)


def test_odd_unicode_reads_back_on_the_incident_page(world, act_as, post, client):
    form = form_named("report incident")
    response = _send(world, act_as, post, form, description=ODD, witnesses="\u0000")
    assert response.status_code == 303
    soup = check_page(client.get(response.headers["Location"]))
    assert ODD_SAVED in soup.get_text()


@pytest.mark.parametrize("url", ["/staff/customers", "/staff/register"])
@pytest.mark.parametrize("q", [HUGE[:4000], ODD, "%", "_", "\\", "'; drop table customer; --"])
def test_searches_take_any_text(client, world, act_as, url, q):
    act_as("panel")
    check_page(client.get(url, query_string={"q": q}))


@pytest.mark.parametrize("url", ["/staff/customers", "/staff/register"])
def test_a_search_too_long_for_a_web_address_gets_the_address_too_long_page(
    client, world, act_as, url
):
    act_as("panel")
    response = client.get(url, query_string={"q": HUGE})
    assert "That web address is too long" in check_page(response, 414).title.get_text()


# --- wrong types ----------------------------------------------------------------------------------

WRONG_CHOICES = [
    ("report incident", "channel", "nonsense"),
    ("report incident", "categories", ["nonsense"]),
    ("report incident", "categories", []),
    ("report incident", "example_types", ["nonsense"]),
    ("report incident", "example_types", ["excessive_calls"]),  # not a category chosen
    ("report incident", "protected_characteristics", ["nonsense"]),
    ("report incident", "police_informed", "maybe"),
    ("report incident", "line_manager_id", "abc"),
    ("report incident", "line_manager_id", "999999"),
    ("report incident", "line_manager_id", "99999999999999999999999"),
    ("manager decision", "decisions", ["nonsense"]),
    ("manager decision", "decisions", []),
    ("panel review", "outcome", "nonsense"),
    ("panel review", "outcome", "asb_referral'"),
    ("panel review", "context_considered", ["nonsense"]),
    ("panel review", "context_considered", ["legitimate_queries"]),  # not every §7.2 point
    ("log contact", "contact-channel", "pigeon"),
    ("log contact", "contact-direction", "sideways"),
    ("log contact", "contact-duration_minutes", "ten"),
    ("log contact", "contact-duration_minutes", "-5"),
    ("log contact", "contact-duration_minutes", "1441"),
    ("log contact", "contact-duration_minutes", "1.5"),
    ("record refusal", "refusal-works_type", "urgent"),
    ("request restriction", "proposed_kinds", ["nonsense"]),
    ("request restriction", "proposed_kinds", []),
    ("request restriction", "waiver_incident_id", "abc"),
    ("request restriction", "representative_considered", "maybe"),
    ("request restriction", "eia_needed", "maybe"),
    ("request restriction", "eia_outcome", "nonsense"),
    ("decide restriction", "eia_needed", "maybe"),
    ("decide restriction", "eia_outcome", "nonsense"),
    ("request restriction", "waiver_incident_id", "99999999999999999999"),
    ("decide restriction", "outcome", "nonsense"),
    ("decide restriction", "outcome", "more_information_requested"),
    ("decide restriction", "kind", ["nonsense"]),
    ("decide restriction", "kind", ["channel_only", "termination'"]),
    ("decide restriction", "channel", "pigeon"),
    ("decide restriction", "named_manager_id", "abc"),
    ("decide restriction", "named_manager_id", "999999"),
    ("issue decision letter", "delivery", "pigeon"),
    ("issue decision letter", "delivery", ""),
    ("review restriction", "outcome", "nonsense"),
    ("review restriction", "delivery", "pigeon"),
    ("review restriction", "delivery", ""),
    ("review restriction", "kind", "nonsense"),
    ("log correspondence", "channel", "pigeon"),
]


@pytest.mark.parametrize("name", sorted({name for name, _field, _value in WRONG_CHOICES}))
def test_values_that_are_not_among_the_choices_are_refused_next_to_the_field(
    world, act_as, post, table_counts, name
):
    def check(case: tuple) -> None:
        _name, field, value = case
        before = table_counts()
        response = _send(world, act_as, post, form_named(name), **{field: value})
        soup = assert_field_error(response, field)
        text = soup.select_one(".error-summary").get_text()
        assert "could not coerce" not in text and "Not a valid" not in text, text
        assert table_counts() == before

    every([case for case in WRONG_CHOICES if case[0] == name], check)


def test_the_manager_to_tell_must_be_a_manager(world, act_as, post, table_counts):
    before = table_counts()
    form = form_named("report incident")
    response = _send(
        world, act_as, post, form, line_manager_id=str(world.people.other_colleague.id)
    )
    assert_field_error(response, "line_manager_id")
    assert table_counts() == before


def test_an_unknown_customer_reference_is_refused_next_to_the_field(
    world, act_as, post, table_counts
):
    before = table_counts()
    response = _send(world, act_as, post, form_named("report incident"), customer_reference="C-0")
    assert_field_error(response, "customer_reference", "No customer has that reference")
    assert table_counts() == before


@pytest.mark.parametrize(
    "url",
    [
        "/staff/customers/abc",
        "/staff/customers/1.5",
        "/staff/customers/99999999999999999999",
        "/staff/customers/0",
        "/staff/incidents/abc",
        "/staff/incidents/9223372036854775808",
        "/staff/incidents/abc/decision",
        "/staff/incidents/abc/review",
        "/staff/incidents/99999999999/review",
        "/staff/incidents/abc/warning",
        "/staff/incidents/{awaiting}/evidence/abc",
        "/staff/incidents/{awaiting}/evidence/99999999999999999999",
        "/staff/letters/abc",
        "/staff/letters/99999999999999999999",
        "/staff/letters/99999999999999999999/pdf",
        "/staff/restriction-requests/abc",
        "/staff/restriction-requests/99999999999999999999",
        "/staff/restriction-requests/99999999999/edit",
        "/staff/restriction-requests/99999999999999999999/letter",
        "/staff/customers/99999999999999999999/restriction-requests/new",
        "/staff/restrictions/abc/review",
        "/staff/restrictions/99999999999999999999/review",
        "/staff/restrictions/99999999999/reintroduce",
        "/staff/customers/99999999999999999999/correspondence",
        "/staff/customers/abc/correspondence",
    ],
)
def test_ids_that_are_not_real_give_page_not_found(client, world, act_as, url):
    act_as("panel")
    check_page(client.get(url.format(awaiting=world.awaiting.id)), 404)


@pytest.mark.parametrize(
    "url",
    [
        "/staff/customers/abc/contacts",
        "/staff/customers/99999999999999999999/contacts",
        "/staff/customers/{tenant}/alerts/abc/end",
        "/staff/customers/{tenant}/alerts/99999999999999999999/end",
        "/staff/incidents/99999999999999999999/evidence",
        "/staff/admin/closures/abc/delete",
        "/staff/admin/closures/99999999999999999999/delete",
        "/staff/restriction-requests/99999999999999999999/edit",
        "/staff/restriction-requests/abc/more-information",
        "/staff/restriction-requests/99999999999999999999/decision",
        "/staff/restriction-requests/99999999999/letter",
        "/staff/restrictions/99999999999999999999/review",
        "/staff/restrictions/abc/reintroduce",
        "/staff/customers/99999999999999999999/correspondence",
        "/staff/correspondence/99999999999999999999/read",
        "/staff/correspondence/abc/check",
        "/staff/correspondence/{correspondence}/shred",
    ],
)
def test_posts_to_ids_that_are_not_real_give_page_not_found(world, act_as, post, table_counts, url):
    # GLT's own routes are tried as GLT, so the refusal is for the id, not the role.
    glt_only = "/decision" in url or "/more-information" in url
    act_as("admin" if "closures" in url else "glt" if glt_only else "panel")
    before = table_counts()
    check_page(
        post(url.format(tenant=world.tenant.id, correspondence=world.correspondence.id)), 404
    )
    assert table_counts() == before


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-3",
        "page=0",
        "page=99999999999999999999999",
        "category=nonsense&route=nowhere&status=lost&outcome=maybe",
        "category=&route=&status=&outcome=",
        "q=&q=two",
    ],
)
def test_register_filters_of_the_wrong_type_are_ignored(client, world, act_as, query):
    act_as("panel")
    soup = check_page(client.get(f"/staff/register?{query}"))
    for name in ("category", "status", "outcome"):
        chosen = soup.select_one(f"select#{name} option[selected]")
        assert chosen is None, f"{name} kept the nonsense value"


@pytest.mark.parametrize("query", ["page=abc", "page=-1", "page=99999999999999999999999"])
def test_audit_pages_of_the_wrong_type_show_a_page(client, world, act_as, query):
    act_as("admin")
    check_page(client.get(f"/staff/audit?{query}"))


@pytest.mark.parametrize("customer", ["abc", "-1", "99999999999999999999999", ""])
def test_report_form_ignores_a_customer_id_that_is_not_real(client, world, act_as, customer):
    act_as("colleague")
    soup = check_page(client.get(f"/staff/incidents/new?customer={customer}"))
    assert soup.find(id="customer_reference").get("value", "") == ""


# --- impossible dates ----------------------------------------------------------------------------

BAD_DATES = ["2026-02-30", "0000-01-01", "yesterday", "2026-13-01", "31/12/2026", "1066-10-14"]
DATE_FIELDS = [
    ("report incident", "occurred_on", {}),
    ("report incident", "police_informed_on", {"police_informed": "yes"}),
    ("log contact", "contact-occurred_on", {}),
    ("record refusal", "refusal-refused_on", {}),
    ("add closure", "day", {}),
    ("decide restriction", "starts_on", {}),
    ("decide restriction", "review_on", {}),
    ("decide restriction", "ends_on", {}),
    ("review restriction", "next_review_on", {}),
    ("review restriction", "ends_on", {"outcome": "vary"}),
    ("reintroduce restriction", "review_on", {}),
    ("log correspondence", "received_on", {}),
]


@pytest.mark.parametrize(
    ("name", "field", "extra"), DATE_FIELDS, ids=[f"{n}-{f}" for n, f, _e in DATE_FIELDS]
)
def test_impossible_dates_are_refused_next_to_the_field(
    world, act_as, post, table_counts, name, field, extra
):
    def check(value: str) -> None:
        before = table_counts()
        response = _send(world, act_as, post, form_named(name), **extra, **{field: value})
        assert_field_error(response, field, "real date")
        assert table_counts() == before

    every(BAD_DATES, check)


@pytest.mark.parametrize("value", ["25:99", "noon", "9.30pm"])
def test_impossible_times_are_refused_next_to_the_field(world, act_as, post, table_counts, value):
    before = table_counts()
    response = _send(world, act_as, post, form_named("report incident"), occurred_time=value)
    assert_field_error(response, "occurred_time", "real time")
    assert table_counts() == before


@pytest.mark.parametrize(
    ("name", "field", "value", "says"),
    [
        ("report incident", "occurred_on", "2026-11-24", "must be in the past"),
        ("log contact", "contact-occurred_on", "2026-12-25", "must be in the past"),
        ("record refusal", "refusal-refused_on", "2027-01-01", "today or in the past"),
    ],
)
def test_dates_in_the_future_are_refused_next_to_the_field(
    world, act_as, post, table_counts, name, field, value, says
):
    before = table_counts()
    response = _send(world, act_as, post, form_named(name), **{field: value})
    assert_field_error(response, field, says)
    assert table_counts() == before


def test_police_told_before_the_incident_is_refused(world, act_as, post, table_counts):
    before = table_counts()
    response = _send(
        world,
        act_as,
        post,
        form_named("report incident"),
        police_informed="yes",
        police_informed_on="2026-11-22",
    )
    assert_field_error(response, "police_informed_on", "before the incident")
    assert table_counts() == before


@pytest.mark.parametrize(("param", "value"), [(p, v) for p in ("from", "to") for v in BAD_DATES])
def test_register_date_filters_must_be_real_dates(client, world, act_as, param, value):
    act_as("panel")
    response = client.get("/staff/register", query_string={param: value})
    soup = assert_field_error(response, param, "Enter a real date")
    assert soup.find(id=param)["value"] == value, "the typed value is kept to correct"


@pytest.mark.parametrize("to", ["9999-12-31", "9998-12-31"])
def test_register_dates_at_the_end_of_time_do_not_overflow(client, world, act_as, to):
    act_as("panel")
    response = client.get("/staff/register", query_string={"from": "2026-01-01", "to": to})
    assert response.status_code in (200, 422)
    check_page(response, response.status_code)


def test_register_end_date_before_the_start_is_refused(client, world, act_as):
    act_as("panel")
    response = client.get("/staff/register?from=2026-11-23&to=2026-11-01")
    assert_field_error(response, "to", "same as or after the start date")


# --- other people's ids --------------------------------------------------------------------------


def test_ending_another_customers_alert_is_page_not_found(world, act_as, post, table_counts):
    act_as("panel")
    before = table_counts()
    url = f"/staff/customers/{world.applicant.id}/alerts/{world.alert.id}/end"
    check_page(post(url), 404)
    assert table_counts() == before
    db.session.refresh(world.alert)
    assert world.alert.ended_at is None


def test_ending_an_alert_twice_says_so(client, world, act_as, post, table_counts):
    panel = act_as("panel")
    url = f"/staff/customers/{world.tenant.id}/alerts/{world.alert.id}/end"
    assert post(url, {"reason": "No longer a risk."}).status_code == 303
    before = table_counts()
    again = post(url, {"reason": "Ending it from a second tab."})
    assert table_counts() == before
    soup = check_page(again, 409)
    assert "already ended" in soup.get_text()
    assert panel.name in soup.get_text()  # who ended it, and when


def test_another_incidents_attachment_is_page_not_found(client, world, act_as):
    act_as("panel")
    url = f"/staff/incidents/{world.awaiting_other.id}/evidence/{world.attachment.id}"
    check_page(client.get(url), 404)


def test_an_attachment_whose_file_has_gone_is_page_not_found(app, client, world, act_as):
    act_as("panel")
    (app.config["UPLOAD_DIR"] / world.attachment.stored_name).unlink()
    url = f"/staff/incidents/{world.awaiting.id}/evidence/{world.attachment.id}"
    check_page(client.get(url), 404)


# --- uploads -------------------------------------------------------------------------------------

BAD_UPLOADS = [
    ("virus.exe", b"MZ\x90\x00", "The file must be one of"),
    ("statement.pdf", b"MZ\x90\x00 not a pdf", "contents do not match"),
    ("photo.png", b"\xff\xd8\xff a jpeg really", "contents do not match"),
    ("no-extension", b"hello", "The file must be one of"),
    ("empty.txt", b"", "empty"),
    ("big.pdf", b"%PDF" + b"0" * (10 * 2**20), "smaller than 10 MB"),
]


def _uploaded_files(app) -> list:
    folder = app.config["UPLOAD_DIR"]
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("filename", "content", "says"), BAD_UPLOADS, ids=[u[0] for u in BAD_UPLOADS]
)
def test_a_report_with_a_bad_upload_is_refused_whole(
    app, world, act_as, post, table_counts, filename, content, says
):
    before, files_before = table_counts(), _uploaded_files(app)
    form = form_named("report incident")
    response = _send(world, act_as, post, form, evidence=(io.BytesIO(content), filename))
    assert_field_error(response, "evidence", says)
    assert table_counts() == before, "the incident was saved without its evidence"
    assert _uploaded_files(app) == files_before


@pytest.mark.parametrize(
    ("filename", "content", "says"),
    [*BAD_UPLOADS, ("", b"", "Choose a file")],
    ids=[u[0] for u in BAD_UPLOADS] + ["no file"],
)
def test_adding_bad_evidence_is_refused_next_to_the_field(
    app, world, act_as, post, table_counts, filename, content, says
):
    before, files_before = table_counts(), _uploaded_files(app)
    response = _send(
        world,
        act_as,
        post,
        form_named("add evidence"),
        evidence=(io.BytesIO(content), filename),
    )
    assert_field_error(response, "evidence-file", says)
    assert table_counts() == before
    assert _uploaded_files(app) == files_before


def test_an_upload_bigger_than_the_request_limit_gets_the_too_big_page(
    world, act_as, post, table_counts
):
    before = table_counts()
    content = b"%PDF" + b"0" * (13 * 2**20)
    response = _send(
        world,
        act_as,
        post,
        form_named("add evidence"),
        evidence=(io.BytesIO(content), "huge.pdf"),
    )
    soup = check_page(response, 413)
    assert "too big" in soup.h1.get_text()
    assert table_counts() == before


# --- blank-looking dates and odd characteristic values (issue 11) ---------------------------------


@pytest.mark.parametrize(
    ("name", "field", "says"),
    [
        ("report incident", "occurred_on", "Enter the date of the incident"),
        ("log contact", "contact-occurred_on", "date"),
    ],
)
@pytest.mark.parametrize("value", [" ", "   ", "\t"])
def test_a_date_of_only_spaces_is_asked_for_again_next_to_the_field(
    world, act_as, post, table_counts, name, field, says, value
):
    before = table_counts()
    response = _send(world, act_as, post, form_named(name), **{field: value})
    assert_field_error(response, field, says)
    assert table_counts() == before


@pytest.mark.parametrize(
    "value",
    [
        ["Race"],
        ["race "],
        [" "],
        [""],
        ["", "nonsense"],
        ["race", "nonsense"],
        ["race", "race"],
        ["0"],
    ],
)
def test_protected_characteristics_not_on_the_list_are_refused_next_to_the_field(
    world, act_as, post, table_counts, value
):
    before = table_counts()
    response = _send(
        world,
        act_as,
        post,
        form_named("report incident"),
        example_types=["discriminatory_comments"],
        protected_characteristics=value,
    )
    if value == ["race", "race"]:  # the same box twice is one characteristic
        assert response.status_code == 303
        return
    assert_field_error(response, "protected_characteristics")
    assert table_counts() == before


@pytest.mark.parametrize(
    "query", ["page=abc", "page=-1", "page=0", "page=99999999999999999999", "page=1.5", "page="]
)
def test_point13_panel_queue_pages_of_the_wrong_type_show_a_page(client, world, act_as, query):
    act_as("panel")
    soup = check_page(client.get(f"/staff/panel?{query}"))
    assert "Page 0" not in soup.get_text()


@pytest.mark.parametrize("role", ["colleague", "panel"])
@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "contacts=abc",
        "warnings=-1",
        "history=0",
        "refusals=99999999999999999999",
        "history=99999999999999999999&contacts=-1&warnings=abc&refusals=1e3",
    ],
)
def test_point13_customer_record_pages_of_the_wrong_type_show_a_page(
    client, world, act_as, query, role
):
    act_as(role)
    check_page(client.get(f"/staff/customers/{world.tenant.id}?{query}"))
