"""Customer pages kept as rendered while the customer's page stamps stand (portal/page_stamps.py,
portal/kept_pages.py): the home and the questions of a draft appeal, never older than what
they show."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, inspect, select, text, update

from portal import db, deadlines, kept_pages, page_stamps
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.appeals.models import Appeal, AppealStatus
from portal.arrangements.models import Arrangement, ArrangementTerm
from portal.auth.models import Role, User
from portal.customers.models import Customer
from portal.letters.models import Letter
from portal.organisation.models import Organisation
from portal.organisation.texts import set_translations
from portal.restrictions.models import Restriction, RestrictionKind, RestrictionStatus
from portal.timeutil import london_date
from tests.web import test_customer_appeals, test_customer_home
from tests.web.test_chrome import _same
from tests.web.test_customer_home import PASSWORD, _home

# What a page reads besides the watched tables: the session (with the signed-in account and a
# colleague's roles), the stamps themselves, and the audit entries of deadline recomputes,
# each written in the same transaction as the change to the restriction's date they explain.
NOT_WATCHED_BUT_READ = {
    "sign_in_session",
    "customer_account",
    "staff_user_role",
    "page_stamp",
    "audit_event",
}
# The home page tests' customer, signed in with a portal account, and their decisions.
customer = test_customer_home.customer
decided = test_customer_home.decided
TOKEN_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TABLE = re.compile(r"\b(?:FROM|JOIN)\s+\"?(\w+)\"?", re.IGNORECASE)


def _pair(app, client) -> tuple[str, str]:
    """The home as kept (rendered afresh first where nothing is kept) and as rendered afresh."""
    app.config["PAGE_CACHE"] = True
    client.get("/home")
    kept = client.get("/home")
    app.config["PAGE_CACHE"] = False
    try:
        afresh = client.get("/home")
    finally:
        app.config["PAGE_CACHE"] = True
    assert kept.status_code == afresh.status_code == 200
    return _same(kept.text), _same(afresh.text)


def _stamp(customer_id: int):
    db.session.rollback()
    return page_stamps.current(customer_id)


@pytest.fixture
def home(app, client, customer, decided, make_arrangement, organisation_ready, clock):
    """A customer signed in, with a decision they may appeal, an arrangement to answer and a
    warning letter."""
    decided(customer)
    make_arrangement(customer)
    _home(client)
    return customer


def test_the_second_view_is_kept_and_says_the_same(app, client, home, count_queries):
    kept_pages.clear(app)
    first = client.get("/home")
    with count_queries() as second_view:
        second = client.get("/home")
    assert second_view.count == 2, second_view.statements  # the session and the stamps
    assert _same(first.text) == _same(second.text)
    # The form token is this session's own, filled in on the way out.
    token = re.search(r'name="csrf_token" value="([^"]+)"', second.text)
    assert token and "chrome" not in token.group(1)


def _change_name(customer):
    db.session.execute(update(Customer).where(Customer.id == customer.id).values(forename="Zia"))


def _new_letter(customer):
    newest = db.session.scalars(
        select(Letter).where(Letter.customer_id == customer.id).order_by(Letter.id.desc())
    ).first()
    columns = {c.key: getattr(newest, c.key) for c in inspect(Letter).column_attrs if c.key != "id"}
    columns.update(reference=f"{newest.reference}-X", subject="A letter sent since")
    columns["issued_at"] = newest.issued_at + timedelta(minutes=5)
    db.session.add(Letter(**columns))


def _answer_arrangement_elsewhere(customer):
    arrangement = db.session.scalars(
        select(Arrangement).where(Arrangement.customer_id == customer.id)
    ).one()
    db.session.execute(
        update(ArrangementTerm)
        .where(ArrangementTerm.arrangement_id == arrangement.id)
        .values(weekday=3)
    )


def _drop_terms(customer):
    arrangement = db.session.scalars(
        select(Arrangement).where(Arrangement.customer_id == customer.id)
    ).one()
    db.session.execute(
        ArrangementTerm.__table__.delete().where(ArrangementTerm.arrangement_id == arrangement.id)
    )


def _new_complaints_contact(_customer):
    db.session.execute(
        update(Organisation).values(complaints_contact="Complaints: call 0161 000 0000")
    )


CHANGES = [
    _change_name,
    _new_letter,
    _answer_arrangement_elsewhere,
    _drop_terms,
    _new_complaints_contact,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_a_change_made_anywhere_shows_at_once(app, client, home, change):
    """Each change is written straight to the tables, as a bulk update or a colleague's
    screen would: the triggers see it, and the kept page is the page rendered afresh."""
    before, _ = _pair(app, client)
    stamps = _stamp(home.id)
    change(home)
    db.session.commit()
    assert _stamp(home.id) != stamps
    kept, afresh = _pair(app, client)
    assert kept == afresh
    assert kept != before


def test_a_restriction_ended_by_a_bulk_update_is_gone_from_the_kept_page(app, client, home, clock):
    before, _ = _pair(app, client)
    assert "Start an appeal" in before
    db.session.execute(
        update(Restriction)
        .where(Restriction.customer_id == home.id)
        .values(status=RestrictionStatus.LIFTED)
    )
    db.session.commit()
    kept, afresh = _pair(app, client)
    assert kept == afresh
    assert "Start an appeal" not in kept


def test_a_named_managers_new_email_shows_on_the_kept_page(
    app,
    client,
    customer,
    decided,
    organisation_ready,
    panel_member,
):
    manager = panel_member
    decided(customer, kind=RestrictionKind.NAMED_MANAGER, channel=None, named_manager_id=manager.id)
    _home(client)
    before, _ = _pair(app, client)
    assert manager.email in before
    db.session.execute(update(User).where(User.id == manager.id).values(email="new@test.example"))
    db.session.commit()
    kept, afresh = _pair(app, client)
    assert kept == afresh and "new@test.example" in kept


def test_a_colleagues_sign_in_leaves_the_kept_pages_alone(app, client, home, panel_member):
    _pair(app, client)
    stamps = _stamp(home.id)
    db.session.execute(update(User).where(User.id == panel_member.id).values(totp_last_step=99))
    db.session.commit()
    assert _stamp(home.id) == stamps


def test_a_closure_day_that_moves_the_last_day_to_appeal_shows_at_once(
    app, client, home, clock, make_staff
):
    admin_user = make_staff(Role.ADMIN)
    before, _ = _pair(app, client)
    deadline = db.session.scalars(
        select(Restriction.appeal_deadline).where(Restriction.customer_id == home.id)
    ).first()
    deadlines.add_closure(admin_user, clock.now, deadline, "Office move")
    db.session.commit()
    kept, afresh = _pair(app, client)
    assert kept == afresh
    assert "moved-note" in kept and "moved-note" not in before


def test_the_day_after_the_last_day_to_appeal_the_page_says_so(app, client, home, clock):
    deadline = db.session.scalars(
        select(Restriction.appeal_deadline).where(Restriction.customer_id == home.id)
    ).first()
    on_time, _ = _pair(app, client)
    assert "You have until" in on_time
    seen = {}
    for label, day in (("last day", deadline), ("day after", deadline + timedelta(days=1))):
        clock.now = clock.now + timedelta(days=(day - london_date(clock.now)).days)
        reader = app.test_client()  # signed in afresh: the first session was idle too long
        _home(reader)
        kept, afresh = _pair(app, reader)
        assert kept == afresh
        seen[label] = kept
    assert "You have until" in seen["last day"]
    assert "The last day to appeal was" in seen["day after"]
    assert "Start a late appeal" in seen["day after"]


def test_our_wording_in_urdu_shows_at_once(app, client, home):
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "ur"
    before, _ = _pair(app, client)
    org = db.session.scalars(select(Organisation).order_by(Organisation.id)).first()
    set_translations(org, {"complaints_contact_ur": "شکایات کے لیے ہمیں لکھیں"})
    db.session.commit()
    kept, afresh = _pair(app, client)
    assert kept == afresh and "شکایات کے لیے ہمیں لکھیں" in kept and kept != before


def test_a_draft_appeal_started_by_the_customer_shows_at_once(app, client, home, token):
    _pair(app, client)
    restriction_id = db.session.scalars(
        select(Restriction.id).where(Restriction.customer_id == home.id)
    ).first()
    started = client.post(f"/appeals/start/{restriction_id}", data={"csrf_token": token("/home")})
    assert started.status_code in (302, 303)
    kept, afresh = _pair(app, client)
    assert kept == afresh and "Carry on with your appeal" in kept


def test_each_language_is_kept_apart(app, client, home):
    english, _ = _pair(app, client)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "ur"
    urdu, afresh = _pair(app, client)
    assert urdu == afresh and urdu != english and 'lang="ur"' in urdu


def test_every_table_the_content_reads_is_watched(app, client, home):
    """Every statement the content needs, rendered afresh, reads only tables whose changes
    move a stamp: a new table read by the page must be watched before it can be kept."""
    read = _tables_read(app, lambda: client.get("/home"))
    assert {"restriction", "appeal", "arrangement", "letter"} <= read
    assert read - set(page_stamps.WATCHED.tables()) - NOT_WATCHED_BUT_READ == set()


def _tables_read(app, view) -> set[str]:
    """The tables ``view()`` reads with nothing kept: every statement its content needs."""
    read: set[str] = set()
    engine = app.extensions["engine"]

    def _seen(_conn, _cursor, statement, *_args):
        read.update(name.lower() for name in TABLE.findall(statement))

    kept_pages.clear(app)
    event.listen(engine, "before_cursor_execute", _seen)
    try:
        assert view().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _seen)
    return read


def triggers_made(connection) -> set[tuple[str, str]]:
    """(table, INSERT/UPDATE/DELETE) for each page stamp trigger in the database."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        return {
            (table, when)
            for table, sql in rows
            for when in ("INSERT", "UPDATE", "DELETE")
            if "page_stamp" in sql and f"AFTER {when}" in sql
        }
    rows = connection.execute(
        text(
            "SELECT event_object_table, event_manipulation "
            "FROM information_schema.triggers WHERE trigger_name LIKE 'page_stamp_%'"
        )
    ).all()
    return {(table, when) for table, when in rows}


WANTED = {
    (table, when)
    for table in page_stamps.WATCHED.tables()
    for when in ("INSERT", "UPDATE", "DELETE")
}


def test_every_watched_table_has_its_triggers(app):
    assert triggers_made(db.session.connection()) == WANTED


def test_an_insert_and_a_delete_move_the_stamp_too(app, home):
    arrangement = db.session.scalars(
        select(Arrangement).where(Arrangement.customer_id == home.id)
    ).one()
    stamps = _stamp(home.id)
    term = db.session.scalars(
        select(ArrangementTerm).where(ArrangementTerm.arrangement_id == arrangement.id)
    ).first()
    copy = {c.key: getattr(term, c.key) for c in inspect(ArrangementTerm).column_attrs}
    del copy["id"]
    db.session.add(ArrangementTerm(**copy))
    db.session.commit()
    added = _stamp(home.id)
    assert added[0] != stamps[0] and added[1] == stamps[1]
    db.session.delete(db.session.get(ArrangementTerm, term.id))
    db.session.commit()
    assert _stamp(home.id)[0] != added[0]


def test_another_customers_change_leaves_this_customers_page_kept(app, home, make_customer):
    stamps = _stamp(home.id)
    other = make_customer()
    db.session.execute(update(Customer).where(Customer.id == other.id).values(forename="Else"))
    db.session.commit()
    assert _stamp(home.id) == stamps


# --- The questions of a draft appeal: whole pages, kept while the stamps stand --------------

restricted = test_customer_appeals.restricted
customer_client = test_customer_appeals.customer_client
QUESTIONS = ("/reasons", "/support", "/support/other", "/late", "/reasons?then=check")


def _kept_and_afresh(app, client, path: str) -> tuple[str, str]:
    app.config["PAGE_CACHE"] = True
    client.get(path)
    kept = client.get(path)
    app.config["PAGE_CACHE"] = False
    try:
        afresh = client.get(path)
    finally:
        app.config["PAGE_CACHE"] = True
    assert kept.status_code == afresh.status_code == 200, path
    return _same(kept.text), _same(afresh.text)


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_is_kept_and_says_what_it_says_afresh(
    app, customer_client, restricted, count_queries, question
):
    appeal_id = test_customer_appeals._start(customer_client, restricted)
    path = f"/appeals/{appeal_id}{question}"
    kept, afresh = _kept_and_afresh(app, customer_client, path)
    assert kept == afresh
    with count_queries() as again:
        assert customer_client.get(path).status_code == 200
    assert again.count == 2, again.statements  # the session and the stamps


def test_an_answer_saved_shows_when_the_question_is_read_again(app, customer_client, restricted):
    client = customer_client
    appeal_id = test_customer_appeals._start(client, restricted)
    path = f"/appeals/{appeal_id}/reasons"
    before, _ = _kept_and_afresh(app, client, path)
    saved = test_customer_appeals._post(client, path, {"grounds": "I was not there that day."})
    assert saved.status_code == 303
    kept, afresh = _kept_and_afresh(app, client, path)
    assert kept == afresh and "I was not there that day." in kept and kept != before


def test_a_draft_sent_meanwhile_is_never_shown_as_a_question(
    app, customer_client, restricted, clock
):
    client = customer_client
    appeal_id = test_customer_appeals._start(client, restricted)
    path = f"/appeals/{appeal_id}/reasons"
    _kept_and_afresh(app, client, path)
    db.session.execute(
        update(Appeal)
        .where(Appeal.id == appeal_id)
        .values(
            status=AppealStatus.LODGED,
            grounds="Sent by phone meanwhile.",
            received_at=clock.now,
            received_on=london_date(clock.now),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    moved = client.get(path)
    assert moved.status_code == 303 and "/reasons" not in moved.headers["Location"]


def test_a_question_kept_for_its_customer_is_not_found_by_another(
    app, customer_client, restricted, restriction_in_force, clock, make_customer
):
    appeal_id = test_customer_appeals._start(customer_client, restricted)
    path = f"/appeals/{appeal_id}/reasons"
    _kept_and_afresh(app, customer_client, path)
    other = restriction_in_force(now=clock.now)
    db.session.add(
        CustomerAccount(
            customer_id=other.customer_id,
            email="other@test.example",
            password_hash=accounts.hash_password(PASSWORD),
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
    )
    db.session.commit()
    stranger = app.test_client()
    test_customer_appeals._post(
        stranger, "/sign-in", {"email": "other@test.example", "password": PASSWORD}
    )
    assert stranger.get("/home").status_code == 200
    assert stranger.get(path).status_code == 404


def test_a_message_to_show_once_is_shown_by_a_page_rendered_afresh(
    app, customer_client, restricted
):
    client = customer_client
    appeal_id = test_customer_appeals._start(client, restricted)
    path = f"/appeals/{appeal_id}/reasons"
    _kept_and_afresh(app, client, path)
    with client.session_transaction() as flask_session:
        flask_session["_flashes"] = [("info", "Kept for later.")]
    shown = client.get(path)
    assert "Kept for later." in shown.text
    assert "Kept for later." not in client.get(path).text


@pytest.mark.parametrize("question", ("/reasons", "/support/letters", "/late"))
def test_every_table_a_question_reads_is_watched(app, customer_client, restricted, question):
    path = f"/appeals/{test_customer_appeals._start(customer_client, restricted)}{question}"
    read = _tables_read(app, lambda: customer_client.get(path))
    assert "appeal" in read
    assert read - set(page_stamps.WATCHED.tables()) - NOT_WATCHED_BUT_READ == set()


# --- The register's filters: the same form for the same filters, kept as rendered ----------

REGISTER_ADDRESSES = (
    "/staff/register",
    "/staff/register?q=smith&category=verbal_abuse",
    "/staff/register?route=asb&status=open&outcome=no_action&page=2",
    "/staff/register?from=2026-12-01&to=2026-11-01",
    "/staff/register?from=31/12/2026&to=",
    "/staff/register?from=99/99/2026&to=",
    "/staff/register?from=0001-01-01&q=%3Cscript%3E",
    "/staff/register?category=nonsense&q=" + "é" * 120,
)


@pytest.mark.parametrize("reader", ("panel", "csm"))
def test_the_register_says_the_same_with_its_filters_kept(app, client, act_as, reader):
    act_as(reader)
    seen = {}
    for kept in (False, True, True):
        app.config["PAGE_CACHE"] = kept
        try:
            for address in REGISTER_ADDRESSES:
                page = client.get(address)
                assert page.status_code in (200, 422), address
                html = _same(page.text)
                assert seen.setdefault(address, html) == html, (kept, address)
        finally:
            app.config["PAGE_CACHE"] = True
    assert len({html for html in seen.values()}) == len(REGISTER_ADDRESSES)
    assert "Enter a real date" in seen["/staff/register?from=31/12/2026&to="]


def test_a_request_that_wrote_neither_keeps_its_page_nor_takes_one_kept(app, home):
    """A page rendered after a write in the same transaction would sit under stamps that do
    not yet say so (PostgreSQL writes them at the commit): rendered afresh, and not kept."""
    values = {"letters_language": {"letters": "en", "offer": False}}
    template = "customer/_letters_language.html"
    with app.test_request_context("/home"):
        kept_pages.clear(app)
        kept_pages.content(template, ("test",), lambda: values)
        assert len(kept_pages.store(app)) == 1
        db.session.execute(update(Customer).where(Customer.id == home.id).values(forename="Uma"))
        kept_pages.clear(app)
        kept_pages.content(template, ("test",), lambda: values)
        assert len(kept_pages.store(app)) == 0
        db.session.rollback()
        kept_pages.content(template, ("test",), lambda: values)
        assert len(kept_pages.store(app)) == 1


def test_a_kept_question_carries_each_sessions_own_form_token(app, customer_client, restricted):
    """The page kept from one sign-in, read in another: its form is sent with the token the
    page gave, and is accepted (a token kept from the first would be refused)."""
    appeal_id = test_customer_appeals._start(customer_client, restricted)
    path = f"/appeals/{appeal_id}/reasons"
    kept_pages.clear(app)
    first = customer_client.get(path).text
    other = app.test_client()
    test_customer_appeals._post(
        other, "/sign-in", {"email": "cust@test.example", "password": PASSWORD}
    )
    page = other.get(path).text
    tokens = [TOKEN_FIELD.search(html).group(1) for html in (first, page)]
    assert tokens[0] != tokens[1] and "chrome" not in tokens[1]
    sent = other.post(path, data={"csrf_token": tokens[1], "grounds": "Sent from my phone."})
    assert sent.status_code == 303, sent.text[:300]
