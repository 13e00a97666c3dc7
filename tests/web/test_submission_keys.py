"""Create forms carry a one-time submission key: the same form sent again shows what the first
created and creates nothing; a form without a key (or with a key the portal never made) is one
ordinary submission."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal import db
from portal.appeals.models import Appeal
from portal.auth.models import Role
from portal.idempotency import KEY, SubmissionKey, new_key
from tests.conftest import csrf_token
from tests.web.routes import Page, form_named

# Every create form in FORMS, with the page that shows it (where it is not its own URL).
CREATE_FORMS = {
    "raise alert": "/staff/customers/{tenant}",
    "log contact": "/staff/customers/{tenant}",
    "record refusal": "/staff/customers/{tenant}",
    "report incident": "/staff/incidents/new",
    "request restriction": "/staff/customers/{requested}/restriction-requests/new",
    "suggest arrangement": "/staff/customers/{requested}/arrangements/new",
    "log correspondence": "/staff/customers/{terminated}/correspondence",
}


def _sent(world, act_as, post, name, key=None, **changes):
    form = form_named(name)
    world.me = act_as(form.actor)
    data = {**form.data(world), **changes}
    if key is not None:
        data[f"{form.prefix}submission_key"] = key
    return post(form.href(world), data, prefix=form.prefix)


@pytest.mark.parametrize("name", list(CREATE_FORMS))
def test_each_create_form_is_shown_with_a_fresh_key(client, world, act_as, name):
    form = form_named(name)
    act_as(form.actor)
    page = Page(name, CREATE_FORMS[name], form.allowed).href(world)
    keys = []
    for _ in range(2):
        soup = BeautifulSoup(client.get(page).text, "html.parser")
        field = soup.find("input", attrs={"name": f"{form.prefix}submission_key"})
        assert field is not None and field["type"] == "hidden"
        assert KEY.fullmatch(field["value"])
        keys.append(field["value"])
    assert keys[0] != keys[1]


@pytest.mark.parametrize("name", list(CREATE_FORMS))
def test_the_same_form_sent_twice_creates_one_record(
    client, world, act_as, post, table_counts, name
):
    key = new_key()
    first = _sent(world, act_as, post, name, key)
    assert first.status_code == 303, first.text[:500]
    after_first = table_counts()
    assert after_first[form_named(name).changes] >= 1

    again = _sent(world, act_as, post, name, key)

    assert again.status_code == 303
    assert again.location == first.location
    assert table_counts() == after_first
    assert "That form had already been sent" in client.get(again.location).text


def test_a_form_refused_and_corrected_goes_through_with_its_key(world, act_as, post, table_counts):
    key = new_key()
    before = table_counts()
    refused = _sent(world, act_as, post, "log contact", key, **{"contact-occurred_on": " "})
    assert refused.status_code == 422
    assert table_counts() == before  # the key is not used up by a refused form
    corrected = _sent(world, act_as, post, "log contact", key)
    assert corrected.status_code == 303
    assert table_counts()["contact_log_entry"] == before["contact_log_entry"] + 1


@pytest.mark.parametrize("key", [None, "", "not-a-key", "x" * 200, "'; drop table x; --"])
def test_a_form_without_a_key_the_portal_made_is_one_ordinary_submission(
    world, act_as, post, table_counts, key
):
    # A page cached from before keys, or a key tampered with: CSRF still shows the form came
    # from the portal, and refusing it would lose what was typed. Each send is its own.
    before = table_counts()
    for sends in (1, 2):
        answer = _sent(world, act_as, post, "report incident", key)
        assert answer.status_code == 303
        assert table_counts()["incident"] == before["incident"] + sends
    assert table_counts()["submission_key"] == before["submission_key"]


def test_someone_elses_key_is_not_theirs_to_replay(world, act_as, post, people, table_counts):
    key = new_key()
    first = _sent(world, act_as, post, "raise alert", key)
    assert first.status_code == 303
    before = table_counts()
    # The same key sent by another colleague (it can only have been copied): their own alert.
    form = form_named("raise alert")
    world.me = act_as("panel")
    data = {**form.data(world), "alert-submission_key": key}
    answer = post(form.href(world), data, prefix=form.prefix)
    assert answer.status_code == 303
    assert table_counts()["alert"] == before["alert"] + 1
    assert db.session.get(SubmissionKey, key).form == "alert"


@pytest.mark.policy("9.2")
def test_an_appeal_lodged_by_staff_sent_twice_is_lodged_once(
    client, sign_in, make_staff, restriction_in_force, clock
):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restricted = restriction_in_force(now=clock.now)
    sign_in(make_staff(Role.CEM, name="Cara Experience"))
    url = f"/staff/customers/{restricted.customer_id}/appeals/new"
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    data = {
        "csrf_token": csrf_token(client, url),
        "submission_key": soup.find("input", attrs={"name": "submission_key"})["value"],
        "channel": "phone",
        "received_on": "2027-03-19",
        "received_time": "09:30",
        "grounds": "Said on the phone: the decision is unfair.",
    }
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 303
    assert again.location == first.location
    assert db.session.scalar(select(func.count(Appeal.id))) == 1
