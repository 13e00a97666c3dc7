"""The customer's own equality monitoring answers (§11.1, §12.1): given with their consent
from their home page, "Prefer not to say" for every question, changed or withdrawn later,
kept as given by them through the portal and audited as theirs; only ever their own, never
opened by staff through the customer pages, and a change made by staff meanwhile is said,
not overwritten."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import db
from portal.accounts import services as accounts
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.equality import services
from portal.equality.models import FIELDS, ConsentMethod, EqualityRecord
from portal.errors import NotAllowed
from tests.factories import PASSWORD
from tests.pages import check_page

pytestmark = pytest.mark.policy("11.1")

PAGE = "/equality"
WITHDRAW = "/equality/withdraw"
ODD = "Mr O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧\x00" * 400
STAFF = ("colleague", "line_manager", "panel", "csm", "glt", "cem", "admin")


def answers(**overrides) -> dict:
    data = {"consent_given": "yes", "ethnic_group": "mixed", "religion": "prefer_not_to_say"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored(customer_id: int) -> EqualityRecord | None:
    db.session.expire_all()
    return db.session.scalar(
        select(EqualityRecord).where(EqualityRecord.customer_id == customer_id)
    )


def saves() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == services.RECORDED).order_by(AuditEvent.id)
        )
    )


def checked(page, name: str) -> str | None:
    found = page.find("input", attrs={"name": name, "checked": True})
    return found["value"] if found else None


@pytest.fixture
def me(account, sign_in):
    sign_in(account)
    return account


@pytest.fixture
def other(clock, make_customer, make_staff):
    """Another customer with an account, whose answers the CEM recorded in person."""
    customer = make_customer(forename="Olga", surname="Other")
    cem = make_staff(Role.CEM, name="Cem Recorder")
    _record, code = accounts.issue_access_code(cem, clock.now, customer)
    made = accounts.activate(customer.reference, code, "other@test.example", PASSWORD, clock.now)
    services.save(
        cem,
        clock.now,
        customer,
        None,
        services.EqualityAnswers(
            True, date(2026, 11, 2), ConsentMethod.IN_PERSON, {"religion": "sikh", "sex": "male"}
        ),
    )
    db.session.commit()
    return made


def test_a_customer_gives_their_answers_from_their_home(client, me, post):
    home = check_page(client.get("/home"))
    assert home.find("a", href=PAGE) is not None
    page = check_page(client.get(PAGE))
    text = page.get_text(" ", strip=True)
    assert "Only our Customer Experience Manager" in text
    assert "never see them" in text
    legends = [legend.get_text(" ", strip=True) for legend in page.find_all("legend")]
    assert legends[0].startswith("Are you happy to answer")
    assert len(legends) == 1 + len(FIELDS)
    for name in FIELDS:  # "Prefer not to say" for every question
        assert page.find("input", attrs={"name": name, "value": "prefer_not_to_say"})
    assert page.find("form", action=WITHDRAW) is None  # nothing to withdraw yet

    response = post(PAGE, answers(), token_from=PAGE)

    assert response.status_code == 303 and response.location.endswith(PAGE)
    saved = stored(me.customer_id)
    assert saved.consent_given and saved.ethnic_group == "mixed" and saved.sex is None
    assert saved.religion == "prefer_not_to_say"
    # Given by the customer through the portal: no member of staff, written, today.
    assert saved.recorded_by_id is None and saved.consent_method is ConsentMethod.IN_WRITING
    (event,) = saves()
    assert event.actor_id is None and "cust@test.example" in event.actor_label
    assert "given by the customer online" in event.summary
    assert "ethnic_group" in event.summary and "mixed" not in event.summary
    again = check_page(client.get(PAGE))
    assert "We have saved your answers" in again.get_text(" ", strip=True)
    assert checked(again, "ethnic_group") == "mixed"
    assert checked(again, "consent_given") == "yes"
    assert again.find("input", attrs={"name": "version"})["value"] == "1"
    assert again.find("form", action=WITHDRAW) is not None


@pytest.mark.policy("12.1")
def test_the_customer_changes_answers_the_cem_recorded(client, me, post, make_staff, clock):
    cem = make_staff(Role.CEM, name="Cem In Person")
    services.save(
        cem,
        clock.now,
        me.customer,
        None,
        services.EqualityAnswers(
            True, date(2026, 11, 2), ConsentMethod.IN_PERSON, {"ethnic_group": "mixed"}
        ),
    )
    db.session.commit()
    page = check_page(client.get(PAGE))
    assert checked(page, "ethnic_group") == "mixed" and checked(page, "consent_given") == "yes"

    response = post(PAGE, answers(version="1", ethnic_group="white", sex="female"), token_from=PAGE)

    assert response.status_code == 303
    saved = stored(me.customer_id)
    assert (saved.ethnic_group, saved.sex, saved.version) == ("white", "female", 2)
    # Consent unchanged: when and how it was given stay; who saved last is the customer.
    assert saved.consent_on == date(2026, 11, 2) and saved.consent_method is ConsentMethod.IN_PERSON
    assert saved.recorded_by_id is None
    assert "changed: ethnic_group, religion, sex" in saves()[-1].summary


def test_withdrawing_consent_clears_every_answer(client, me, post):
    post(PAGE, answers(sex="male", disability="yes"), token_from=PAGE)

    response = post(WITHDRAW, {"withdraw-version": "1"}, token_from=PAGE, prefix="withdraw-")

    assert response.status_code == 303
    saved = stored(me.customer_id)
    assert saved.consent_given is False and saved.version == 2
    assert all(getattr(saved, name) is None for name in FIELDS)
    assert "(declined)" in saves()[-1].summary
    page = check_page(client.get(PAGE))
    assert "We have deleted your answers" in page.get_text(" ", strip=True)
    assert checked(page, "sex") is None and page.find("form", action=WITHDRAW) is None


def test_saying_no_keeps_no_answers_even_if_ticked(me, post):
    response = post(PAGE, answers(consent_given="no", sex="female"), token_from=PAGE)

    assert response.status_code == 303
    saved = stored(me.customer_id)
    assert saved.consent_given is False and saved.sex is None and saved.ethnic_group is None


@pytest.mark.policy("12.1")
def test_a_change_made_by_staff_meanwhile_is_said_and_shown(client, me, post, make_staff, clock):
    post(PAGE, answers(), token_from=PAGE)
    cem = make_staff(Role.CEM, name="Cem Meanwhile")
    services.save(
        cem,
        clock.now,
        me.customer,
        1,
        services.EqualityAnswers(
            True, date(2026, 11, 20), ConsentMethod.BY_PHONE, {"disability": "yes"}
        ),
    )
    db.session.commit()

    response = post(PAGE, answers(version="1", sex="male"), token_from=PAGE)

    page = check_page(response, 409)
    assert "Our team changed your answers" in page.get_text(" ", strip=True)
    assert checked(page, "disability") == "yes" and checked(page, "sex") is None
    assert page.find("input", attrs={"name": "version"})["value"] == "2"
    saved = stored(me.customer_id)
    assert (saved.disability, saved.sex, saved.version) == ("yes", None, 2)
    # A withdrawal sent from the older page is not made either.
    stale = post(WITHDRAW, {"withdraw-version": "1"}, token_from=PAGE, prefix="withdraw-")
    assert stale.status_code == 409 and stored(me.customer_id).disability == "yes"


def test_a_customer_sees_and_changes_only_their_own(client, me, other, post):
    page = check_page(client.get(PAGE))
    assert checked(page, "religion") is None and checked(page, "consent_given") is None
    assert page.find(id="equality-now") is None
    html = client.get(PAGE).get_data(as_text=True)
    assert "Olga" not in html and other.customer.reference not in html

    # Their version and customer id sent with the forms change nothing of theirs.
    made = post(PAGE, answers(customer_id=str(other.customer_id)), token_from=PAGE)
    assert made.status_code == 303
    ended = post(
        WITHDRAW,
        {"withdraw-version": "1", "customer_id": str(other.customer_id)},
        token_from=PAGE,
        prefix="withdraw-",
    )
    assert ended.status_code == 303

    theirs = stored(other.customer_id)
    assert (theirs.religion, theirs.sex, theirs.version) == ("sikh", "male", 1)
    assert theirs.consent_method is ConsentMethod.IN_PERSON
    assert stored(me.customer_id).consent_given is False


@pytest.mark.parametrize("role", STAFF)
def test_staff_are_refused_the_customer_pages(client, act_as, post, other, role):
    act_as(role)
    sent = (
        client.get(PAGE),
        post(PAGE, answers(version="1")),  # a good token from a staff page
        post(WITHDRAW, {"withdraw-version": "1"}, prefix="withdraw-"),
    )
    for response in sent:
        assert response.status_code == 303 and response.location.startswith("/sign-in")
    assert stored(other.customer_id).version == 1 and len(saves()) == 1


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 303 and response.location.startswith("/sign-in")
    for url in (PAGE, WITHDRAW):  # refused before the token is even read
        assert client.post(url, data=answers()).status_code in (303, 400)


def test_the_services_refuse_anyone_but_the_customer(make_staff, other, clock):
    cem = make_staff(Role.CEM, name="Cem Services")
    with pytest.raises(NotAllowed):
        services.own_record(cem)
    with pytest.raises(NotAllowed):
        services.save_own(cem, clock.now, 1, False, {})
    with pytest.raises(NotAllowed):
        services.save_own(None, clock.now, None, True, {})


@pytest.mark.parametrize(
    "sent",
    [
        answers(sex="robot"),
        answers(ethnic_group=ODD),
        answers(consent_given="maybe"),
        answers(consent_given=None),
        answers(version=ODD, religion="\u202e" * 5000),
        {"consent_given": ["yes", "no"]},
        {"consent_given": "yes", "age_band": ["16_24", "75_plus"]},
    ],
    ids=["unknown", "huge-unicode", "bad-consent", "no-consent", "odd-version", "two", "two-ages"],
)
def test_bad_answers_are_said_and_nothing_is_kept(client, me, post, sent):
    response = post(PAGE, sent, token_from=PAGE)

    page = check_page(response, 422)
    assert page.find("title").get_text().startswith("Error:")
    assert stored(me.customer_id) is None and saves() == []


@pytest.mark.parametrize("sent_token", [None, "forged", ODD])
def test_a_missing_or_forged_token_changes_nothing(client, me, post, sent_token):
    post(PAGE, answers(), token_from=PAGE)
    data = answers(version="1", sex="female")
    withdraw = {"withdraw-version": "1"}
    if sent_token is not None:
        data["csrf_token"] = withdraw["withdraw-csrf_token"] = sent_token

    for url, payload in ((PAGE, data), (WITHDRAW, withdraw)):
        response = client.post(url, data=payload)
        assert response.status_code in (400, 422)

    saved = stored(me.customer_id)
    assert (saved.consent_given, saved.sex, saved.version) == (True, None, 1)


@pytest.mark.parametrize("lang", ["ar", "ur"])
def test_the_page_reads_right_to_left_in_arabic_and_urdu(client, me, lang):
    page = check_page(client.get(f"{PAGE}?lang={lang}"))
    assert page.find("html")["lang"] == lang and page.find("html")["dir"] == "rtl"
