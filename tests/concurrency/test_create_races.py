"""Create forms sent by several people, or several times, at the same instant: every report
someone made is kept with a reference of its own, and one form sent again creates one record."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import db
from portal.auth.models import Role
from portal.customers.models import ContactLogEntry
from portal.incidents.models import Incident
from tests.concurrency.conftest import N, committed, race
from tests.web.forms import incident_form

pytestmark = pytest.mark.concurrency


def shown_form(browser, page: str, action: str | None = None) -> dict:
    """The hidden fields (CSRF token, one-time submission key) of the form on ``page`` that
    posts to ``action`` (default: the page itself), as the page gave them."""
    answer = browser.get(page)
    assert answer.status == 200, (page, answer.status)
    form = BeautifulSoup(answer.text, "html.parser").find("form", action=action or page)
    assert form is not None, f"no form posting to {action or page} on {page}"
    hidden = {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}
    assert any(name.endswith("submission_key") for name in hidden), hidden
    return hidden


@pytest.fixture
def tenant(live, make_customer):
    return make_customer()


@pytest.fixture
def manager(make_staff):
    return make_staff(Role.LINE_MANAGER, name="Lin Manager")


@pytest.mark.policy("8.2")
def test_every_report_made_at_the_same_instant_is_kept_with_its_own_reference(
    signed_in, make_staff, tenant, manager
):
    colleagues = [signed_in(make_staff(name=f"Col League {n}")) for n in range(N)]
    path = "/staff/incidents/new"
    sends = []
    for n, browser in enumerate(colleagues):
        data = {
            **shown_form(browser, path),
            **incident_form(tenant, manager, description=f"Report by colleague {n}."),
        }
        sends.append(lambda b=browser, d=data: b.request("POST", path, d))

    answers = race(sends)

    assert [a.status for a in answers] == [303] * N, [a.text[:300] for a in answers]
    assert len({a.location for a in answers}) == N
    assert committed(Incident) == N
    references = sorted(db.session.scalars(select(Incident.reference)))
    assert references == [f"INC-2026-{n:05d}" for n in range(1, N + 1)]


@pytest.mark.policy("8.2")
def test_one_report_sent_many_times_at_once_is_saved_once(signed_in, make_staff, tenant, manager):
    browser = signed_in(make_staff(name="Double Clicker"))
    path = "/staff/incidents/new"
    data = {**shown_form(browser, path), **incident_form(tenant, manager)}

    answers = race([lambda: browser.request("POST", path, data) for _ in range(N)])

    assert [a.status for a in answers] == [303] * N, [a.text[:300] for a in answers]
    made = db.session.scalar(select(Incident))
    assert committed(Incident) == 1
    # Everyone is sent to the one report, and the line manager is told once.
    assert {a.location.rsplit("/", 1)[-1] for a in answers} == {str(made.id)}


@pytest.mark.policy("6.5")
def test_one_contact_sent_many_times_at_once_is_logged_once(signed_in, make_staff, tenant):
    browser = signed_in(make_staff(name="Double Clicker"))
    path = f"/staff/customers/{tenant.id}/contacts"
    data = {
        **shown_form(browser, f"/staff/customers/{tenant.id}", path),
        "contact-channel": "phone",
        "contact-direction": "in",
        "contact-occurred_on": "2026-11-23",
        "contact-occurred_time": "10:00",
        "contact-duration_minutes": "12",
        "contact-summary": "Asked about the repair again.",
    }

    answers = race([lambda: browser.request("POST", path, data) for _ in range(N)])

    assert [a.status for a in answers] == [303] * N, [a.text[:300] for a in answers]
    assert committed(ContactLogEntry) == 1
