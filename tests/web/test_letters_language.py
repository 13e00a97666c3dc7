"""Issue 16, point 15: the language of the pages and the language of the customer's letters
are two questions. Switching the pages' language never changes the letters'; the customer is
asked the letters' language on a page of its own, and every change is audited.

Issue 16, point 13: a service's refusal carries a code and a message said in the language of
the page that shows it (portal/errors.Problem), not matched against the English."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal import db
from portal.accounts import services as accounts
from portal.appeals import services as appeals
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.customers.models import Customer
from portal.errors import Problem, ServiceError
from tests.conftest import csrf_token
from tests.factories import PASSWORD, portal_account
from tests.pages import check_page

URL = "/your-letters"
GROUNDS_IN_URDU = "ہمیں بتائیں کہ فیصلہ کیوں بدلا جانا چاہیے"  # translations/ur, already there


def _sign_in(client, email="cust@test.example"):
    signed = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client, "/sign-in"), "email": email, "password": PASSWORD},
    )
    assert signed.status_code == 303


def _page_language(client, language):
    return client.post(
        "/language",
        data={"csrf_token": csrf_token(client, "/home"), "lang": language, "back": "/home"},
    )


def _choose(client, language, **extra):
    return client.post(
        URL, data={"csrf_token": csrf_token(client, URL), "language": language, **extra}
    )


def _letters_language(customer_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Customer, customer_id).preferred_language


def _audited() -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "customer.language_set"))
    )


def test_point15_switching_the_page_language_leaves_the_letters_language(client, account):
    _sign_in(client)
    for language in ("ur", "pl", "ar", "en", "ur"):
        assert _page_language(client, language).status_code == 303
        assert _letters_language(account.customer_id) == "en"
    assert 'lang="ur"' in client.get("/home").text
    assert _audited() == []


def test_point15_a_page_language_chosen_before_signing_in_leaves_the_letters_language(
    client, account
):
    client.post("/language", data={"csrf_token": csrf_token(client, "/"), "lang": "pl"})
    _sign_in(client)
    assert 'lang="pl"' in client.get("/home").text
    assert _letters_language(account.customer_id) == "en"


def test_point15_with_no_page_language_chosen_the_pages_follow_the_letters(
    client, clock, make_customer
):
    customer = make_customer(preferred_language="ar", email="ar@test.example")
    db.session.add(portal_account(customer, "ar@test.example", PASSWORD, clock.now))
    db.session.commit()
    _sign_in(client, "ar@test.example")
    assert 'lang="ar"' in client.get("/home").text
    assert _letters_language(customer.id) == "ar"


def test_point15_the_separate_question_saves_the_letters_language_and_audits_it(client, account):
    _sign_in(client)
    soup = check_page(client.get(URL))
    legend = soup.find("legend").get_text(" ", strip=True)
    assert legend == "Which language should we write your letters in?"
    assert "We always send English as well." in soup.get_text()
    radios = soup.find_all("input", {"type": "radio", "name": "language"})
    assert [r["value"] for r in radios] == ["en", "ur", "pl", "ar"]
    assert [r["value"] for r in radios if r.has_attr("checked")] == ["en"]
    assert soup.find("label", {"for": radios[1]["id"]}).find("span", lang="ur").text == "اردو"

    response = _choose(client, "ur")

    assert response.status_code == 303 and response.headers["Location"].endswith("/home")
    assert _letters_language(account.customer_id) == "ur"
    home = client.get("/home").text
    assert "We will write your letters in اردو, and send English as well." in home
    assert '<html lang="en"' in home  # the pages stay in the language they were in
    (event,) = _audited()
    assert (event.entity_type, event.entity_id) == ("customer", account.customer_id)
    assert (event.before, event.after) == ({"language": "en"}, {"language": "ur"})
    assert event.actor_id is None and account.customer.reference in event.summary


def test_point15_the_same_answer_again_writes_no_audit_event(client, account):
    _sign_in(client)
    assert _choose(client, "en").status_code == 303
    assert _audited() == []


@pytest.mark.parametrize("bad", ["", "fr", "UR", "x" * 10_000, "\u202eur", "en,ur"])
def test_point15_a_language_not_on_the_list_is_refused_beside_the_field(client, account, bad):
    _sign_in(client)
    response = _choose(client, bad)
    soup = check_page(response, 422)
    error = soup.find(id="language-error")
    assert error is not None and "Choose a language" in error.get_text()
    if bad:  # refused by the service, with its code, not by the form
        assert "Choose a language from the list" in error.get_text()
    assert soup.title.get_text().startswith("Error:")
    assert _letters_language(account.customer_id) == "en"
    assert _audited() == []


def test_point15_another_customers_letters_language_cannot_be_changed(
    client, account, make_customer
):
    other = make_customer(preferred_language="pl")
    _sign_in(client)
    response = _choose(client, "ar", customer_id=str(other.id), customer=str(other.id))
    assert response.status_code == 303
    assert _letters_language(other.id) == "pl"
    assert _letters_language(account.customer_id) == "ar"


def test_point15_signed_out_visitors_and_staff_are_sent_to_sign_in(
    client, account, sign_in, make_staff
):
    for attempt in range(2):
        assert client.get(URL).status_code == 303
        refused = client.post(URL, data={"csrf_token": csrf_token(client, "/"), "language": "pl"})
        assert refused.status_code in (303, 400)
        assert _letters_language(account.customer_id) == "en"
        if attempt == 0:
            sign_in(make_staff(Role.CEM))


def test_point15_the_home_page_offers_the_change_once_when_the_languages_differ(client, account):
    _sign_in(client)
    assert "letters-language-offer" not in client.get("/home").text  # both English
    _page_language(client, "ur")
    first = check_page(client.get("/home"))
    offer = first.find(id="letters-language-offer")
    assert offer is not None and offer.find("a", href=URL) is not None
    assert first.find(id="letters-language").find("a", href=URL) is not None
    second = check_page(client.get("/home"))
    assert second.find(id="letters-language-offer") is None  # offered once
    assert second.find(id="letters-language").find("a", href=URL) is not None
    _page_language(client, "pl")  # another language: offered again, once
    assert "letters-language-offer" in client.get("/home").text
    assert _choose(client, "ar").status_code == 303  # answered: not offered again
    _page_language(client, "ur")
    assert "letters-language-offer" not in client.get("/home").text


def test_point15_the_offer_reads_in_english(client, account, app):
    """The sentence itself, with the page read in English and the letters in Polish."""
    customer = db.session.get(Customer, account.customer_id)
    customer.preferred_language = "pl"
    db.session.commit()
    client.post("/language", data={"csrf_token": csrf_token(client, "/"), "lang": "en"})
    _sign_in(client)
    text = " ".join(check_page(client.get("/home")).get_text(" ").split())
    assert "You are reading this page in English. Your letters come in Polski." in text
    assert "Change the language of your letters" in text


# --- point 13: codes and translatable messages ------------------------------------------------


def test_point13_error_codes_a_refusal_reads_in_the_language_of_the_request(
    app, clock, restriction_in_force, make_customer
):
    draft = appeals.start_draft(clock.now, restriction_in_force(make_customer()))
    with pytest.raises(ServiceError) as caught:
        appeals.save_answers(clock.now, draft, appeals.Answers(grounds="   "))
    message = caught.value.errors["grounds"]
    assert isinstance(message, Problem) and message.code == "appeal.grounds_missing"
    assert caught.value.codes == {"grounds": "appeal.grounds_missing"}
    # Said when read, in the locale then in force: not when it was raised.
    with force_locale("ur"):
        assert str(message) == GROUNDS_IN_URDU
        assert str(caught.value) == GROUNDS_IN_URDU
    with force_locale("en"):
        assert str(message) == "Tell us why the decision should be changed"


def test_point13_error_codes_the_customer_page_shows_the_service_message_in_urdu(
    client, clock, make_customer, restriction_in_force
):
    customer = make_customer(email="ur@test.example")
    db.session.add(portal_account(customer, "ur@test.example", PASSWORD, clock.now))
    db.session.commit()
    draft = appeals.start_draft(clock.now, restriction_in_force(customer))
    db.session.commit()
    _sign_in(client, "ur@test.example")
    _page_language(client, "ur")
    url = f"/appeals/{draft.id}/reasons"
    # Spaces pass the form's check and reach the service, which refuses them.
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "grounds": "   "})
    soup = check_page(response, 422)
    assert GROUNDS_IN_URDU in soup.find(id="grounds-error").get_text()


def test_point13_error_codes_account_refusals_carry_codes_and_read_as_english_to_staff(
    app, clock, make_customer
):
    customer = make_customer()
    with pytest.raises(ServiceError) as caught:
        accounts.activate(customer.reference, "WRONG", "not-an-address", "short", clock.now)
    assert caught.value.codes == {
        "email": "account.email_invalid",
        "password": "account.password_short",
        "code": "account.code_wrong",
    }
    assert caught.value.errors["password"] == "Use at least 10 characters for your password"
    assert "Use at least 10 characters" in str(caught.value)
