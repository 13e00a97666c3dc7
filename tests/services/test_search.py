"""Point 13.1, search that scales: the register and the customer search answer from a search
index (trigram GIN indexes on PostgreSQL, FTS5 trigram tables on SQLite) and find the same rows
as the substring scan they replace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, or_, select, text, update

from portal import db, search
from portal.customers.models import ANONYMISED_REFERENCE, Customer
from portal.customers.queries import find_customers
from portal.incidents.models import Incident
from portal.incidents.queries import RegisterFilters, register_page

NAMES = [
    ("Łukasz", "Nowak"),
    ("Zoë", "O'Brien"),
    ("ZOË", "Smith"),
    ("Sean", "O'Brien"),
    ("Jo", "Smithson"),
    ("Ann", "Applicant_100%"),
    ("عمر", "فاروق"),
    ("محمد", "علی"),
    ("Mary", "Łódź-Wright"),
    ("Percy", "50% Owens"),
]
DESCRIPTIONS = [
    "Shouted at the gas engineer.",
    "Said he was 100% sure and swore.",
    'Wrote a_b on the wall; said "hi" and left.',
    "O'BRIEN family friend threatened the officer.",
    "Called ŁUKASZ names in the office.",
    "اس نے عملے کو دھمکی دی",
    "Left a note: back\\slash and 50% off.",
    "Repeated calls about the smithy.",
]
TERMS = [
    "smith",
    "SMITH",
    "o'brien",
    "O'BRIEN",
    "łukasz",
    "ŁUKASZ",
    "ukasz now",
    "zoë",
    "ZOË",
    "ódź",
    "عمر",
    "علی",
    "دھمکی",
    "100%",
    " 0% s",
    "50%",
    "_10",
    "t_1",
    "%_%",
    "a_b",
    "a%b",
    '"hi"',
    'said "',
    "\\sl",
    "C-9",
    "INC-",
    "gas engineer",
    "  engineer  ",
    "nobody at all",
    "'''",
]


@pytest.fixture
def caseload(make_customer, make_incident, clock):
    """Customers with names in several scripts, apostrophes and LIKE's wildcards, each with
    incidents whose reports say varied things; returns the incidents' ids."""
    made = []
    for n, (forename, surname) in enumerate(NAMES):
        customer = make_customer(forename=forename, surname=surname)
        for k in range(2):
            description = DESCRIPTIONS[(n + k * 3) % len(DESCRIPTIONS)]
            incident = make_incident(
                customer, now=clock.now - timedelta(hours=n * 2 + k), description=description
            )
            made.append(incident.id)
    return made


def _fields(incident: Incident) -> list[str]:
    customer = incident.customer
    return [
        f"{customer.forename} {customer.surname}",
        customer.reference,
        incident.reference,
        incident.description,
    ]


def _found_by_reading(term: str) -> set[int]:
    """Incidents with the term somewhere in their fields, ignoring case, found in Python."""
    wanted = term.strip().lower()
    incidents = db.session.scalars(select(Incident)).all()
    return {i.id for i in incidents if any(wanted in f.lower() for f in _fields(i))}


def _found_by_scanning(term: str) -> set[int]:
    """What the register's substring scan found before the search index."""
    like = search.like_pattern(term.strip()[:100].lower())
    sqlite = db.session.get_bind().dialect.name == "sqlite"

    def contains(column):
        return (column if sqlite else func.lower(column)).like(like, escape="\\")

    stmt = (
        select(Incident.id)
        .join(Customer, Incident.customer_id == Customer.id)
        .where(
            or_(
                contains(Customer.forename + " " + Customer.surname),
                contains(Customer.reference),
                contains(Incident.reference),
                contains(Incident.description),
            )
        )
    )
    return set(db.session.scalars(stmt))


def _register_ids(term: str) -> set[int]:
    page = register_page(RegisterFilters(q=term), False, page_size=500)
    assert page.total == len(page.rows)
    return {row.incident.id for row in page.rows}


def _folds_only_ascii(term: str) -> bool:
    """Whether the old scan on SQLite, whose LIKE folds only ASCII letters, could miss a
    match for this term: it has a non-ASCII letter with an upper and lower case."""
    return db.session.get_bind().dialect.name == "sqlite" and any(
        ord(c) > 127 and c.lower() != c.upper() for c in term
    )


@pytest.mark.policy("8.8")
@pytest.mark.parametrize("term", TERMS)
def test_point13_register_search_finds_what_the_scan_found(caseload, term):
    found = _register_ids(term)

    assert found == _found_by_reading(term)
    scanned = _found_by_scanning(term)
    if _folds_only_ascii(term):
        assert found >= scanned  # the index also folds Ł to ł; the old SQLite scan did not
    else:
        assert found == scanned


def test_point13_the_varied_terms_find_something_and_tell_rows_apart(caseload):
    counts = {term: len(_register_ids(term)) for term in TERMS}

    assert counts["nobody at all"] == 0
    assert counts["ZOË"] == counts["zoë"] == 4
    assert counts["ŁUKASZ"] == counts["łukasz"] > 2
    assert counts["%_%"] == 0 and counts["a%b"] == 0
    assert 0 < counts["smith"] < len(caseload)


@pytest.mark.parametrize("term", TERMS)
def test_point13_customer_search_finds_what_the_scan_found(caseload, term):
    wanted = term.strip().lower()
    expected = [
        c.id
        for c in db.session.scalars(
            select(Customer).order_by(Customer.surname, Customer.forename, Customer.id)
        )
        if wanted in f"{c.forename} {c.surname}".lower() or wanted in c.reference.lower()
    ]

    found, _alerts = find_customers(term, limit=500)

    assert [c.id for c in found] == expected


@pytest.mark.policy("8.8")
@pytest.mark.parametrize("term", ["s", "Wu", " %_ ", "ł"])
def test_point13_a_term_under_three_characters_asks_for_more(caseload, term):
    page = register_page(RegisterFilters(q=term), False, page_size=25)

    assert page.too_short and page.rows == [] and page.total == 0
    assert find_customers(term) == ([], {})


def test_point13_a_blank_term_is_no_search(caseload):
    page = register_page(RegisterFilters(q="   "), False, page_size=500)

    assert not page.too_short
    assert page.total == len(caseload)


@pytest.mark.policy("8.8")
def test_point13_search_results_page_newest_first(caseload):
    everything = register_page(RegisterFilters(q="o'brien"), False, page_size=500)
    first = register_page(RegisterFilters(q="o'brien", page=1), False, page_size=2)
    second = register_page(RegisterFilters(q="o'brien", page=2), False, page_size=2)

    newest_first = [row.incident.id for row in everything.rows]
    assert len(newest_first) > 2
    assert first.total == second.total == len(newest_first)
    assert [r.incident.id for r in first.rows + second.rows] == newest_first[:4]


def test_point13_the_index_follows_changes_to_names_and_reports(caseload, make_customer):
    customer = make_customer(forename="Quentin", surname="Zebedee")
    assert [c.id for c in find_customers("zebedee")[0]] == [customer.id]

    customer.surname = "Xylophone"
    db.session.commit()
    assert find_customers("zebedee")[0] == []
    assert [c.id for c in find_customers("quentin xylo")[0]] == [customer.id]

    incident = db.session.get(Incident, caseload[0])
    incident.description = "An entirely new account of the quokka."
    db.session.commit()
    assert _register_ids("quokka") == {incident.id}
    assert _register_ids("gas engineer") == _found_by_reading("gas engineer")

    db.session.delete(customer)
    db.session.commit()
    assert find_customers("xylophone")[0] == []


@pytest.mark.policy("8.8")
def test_point13_the_register_follows_a_renamed_customer_and_a_moved_incident(
    caseload, make_customer, make_incident, clock
):
    """Found by the customer's name as it is now: renamed, by bulk update too; an incident
    moved to another customer; a customer whose first incident has just been reported."""
    incident = db.session.get(Incident, caseload[0])
    customer = incident.customer
    customer.forename, customer.surname = "Ottoline", "Quarrington"
    db.session.commit()
    assert _register_ids("quarrington") == _found_by_reading("quarrington") != set()
    db.session.execute(
        update(Customer).where(Customer.id == customer.id).values(surname="Pemberton-Vane")
    )
    db.session.commit()
    db.session.expire_all()
    assert _register_ids("quarrington") == set()
    assert _register_ids("pemberton-vane") == _found_by_reading("pemberton-vane") != set()

    newcomer = make_customer(forename="Wilhelmina", surname="Nettlefold")
    assert _register_ids("nettlefold") == set()
    first = make_incident(newcomer, now=clock.now, description="A first report.")
    assert _register_ids("nettlefold") == {first.id}
    incident.customer_id = newcomer.id
    db.session.commit()
    db.session.expire_all()
    assert _register_ids("nettlefold") == {first.id, incident.id}
    assert incident.id not in _register_ids("pemberton-vane")


def test_point13_a_database_built_from_the_models_has_the_search_index(app):
    connection = db.session.connection()

    assert search.present(connection) == search.expected(connection.dialect.name)
    if connection.dialect.name == "sqlite":
        fts = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": "incident_search"}
        )
        assert "trigram" in fts.scalar()


def test_the_placeholder_for_anonymised_records_is_never_found_as_a_person(app, make_customer):
    person = make_customer(forename="Ann", surname="Records")
    make_customer(reference=ANONYMISED_REFERENCE, forename="Anonymised", surname="records")

    by_name, _alerts = find_customers("records")
    by_reference, _alerts = find_customers("ANONYMISED")
    listed, _alerts = find_customers("", limit=500)

    assert [c.id for c in by_name] == [person.id]
    assert by_reference == []
    assert ANONYMISED_REFERENCE not in {c.reference for c in listed}
