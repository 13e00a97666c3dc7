"""The staff home page: each person's worklist, and their notifications opened and cleared."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import db
from portal.incidents.queries import PanelCounts
from portal.notifications.models import Notification
from portal.notifications.services import notify
from portal.timeutil import london_date
from portal.worklist.queries import worklist
from tests.pages import check_page


@pytest.fixture
def note(people, clock):
    """``note(user, link)``: an unread notification for ``user``."""

    def _note(user, link="/staff/register", message="Something for you"):
        made = notify(user.id, message, link, clock.now)
        db.session.commit()
        return made

    return _note


def test_opening_a_notification_marks_it_read_and_goes_to_it(client, act_as, note, clock):
    me = act_as("panel")
    mine = note(me, "/staff/register")
    assert "Something for you" in check_page(client.get("/staff/")).get_text()

    response = client.get(f"/staff/notifications/{mine.id}")

    assert response.status_code == 303 and response.headers["Location"] == "/staff/register"
    db.session.expire_all()
    assert db.session.get(Notification, mine.id).read_at == clock.now
    assert "Something for you" not in check_page(client.get("/staff/")).get_text()


def test_a_notification_read_before_keeps_when_it_was_read(client, act_as, note, clock):
    me = act_as("panel")
    mine = note(me)
    client.get(f"/staff/notifications/{mine.id}")
    first_read = clock.now
    clock.now += timedelta(minutes=5)

    assert client.get(f"/staff/notifications/{mine.id}").status_code == 303
    db.session.expire_all()
    assert db.session.get(Notification, mine.id).read_at == first_read


def test_a_link_off_the_site_goes_home_instead(client, act_as, note):
    me = act_as("panel")
    mine = note(me, "//elsewhere.example/phish")

    response = client.get(f"/staff/notifications/{mine.id}")

    assert response.status_code == 303 and response.headers["Location"] == "/staff/"


def test_someone_elses_notification_is_not_found(client, act_as, note, people):
    act_as("panel")
    theirs = note(people.csm)

    check_page(client.get(f"/staff/notifications/{theirs.id}"), 404)
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_mark_all_as_read_clears_only_mine(client, act_as, note, people, post):
    me = act_as("panel")
    mine = [note(me, message=f"Mine {n}") for n in range(3)]
    theirs = note(people.csm)

    response = post("/staff/notifications/read")

    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    page = check_page(client.get("/staff/")).get_text()
    assert "Notifications cleared." in page and "Mine 0" not in page
    db.session.expire_all()
    assert all(db.session.get(Notification, n.id).read_at is not None for n in mine)
    assert db.session.get(Notification, theirs.id).read_at is None


def test_the_worklist_has_only_the_parts_for_each_role(people, make_customer, make_incident, clock):
    incident = make_incident(make_customer(), now=clock.now - timedelta(days=10))
    today = london_date(clock.now)

    manager = worklist(people.line_manager, today)
    assert manager.awaiting_decision == [incident]
    assert (manager.panel, manager.restriction_tasks, manager.appeal_tasks) == (None, None, None)
    assert manager.correspondence_open is None

    reporter = worklist(people.colleague, today)
    assert reporter.my_reports == [incident] and reporter.awaiting_decision == []

    panel = worklist(people.panel, today)
    assert panel.panel == PanelCounts(waiting=1, overdue=1)
