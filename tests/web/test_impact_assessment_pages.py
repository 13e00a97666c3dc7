"""The Equality Impact Assessment pages (§4.7): the Panel and the CEM see the list (open
first, overdue marked, completed below, restriction requests waiting on one) and record each
outcome beside the fields; every other role is refused; unknown ids are not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.impact import services
from portal.impact.models import AssessmentStatus, ImpactAssessment
from portal.panel.models import Outcome
from portal.restrictions.models import EiaOutcome
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error
from tests.web.test_queries import assert_same_for_few_and_many

LIST = "/staff/impact-assessments"
MANAGERS = {"panel", "cem"}
REFUSED = {"colleague", "line_manager", "other_colleague", "other_manager", "glt", "admin", "csm"}
DONE = {
    "outcome": "adjustments_made",
    "considered": "Her learning difficulty: long letters are hard for her to follow.",
    "adjustments": "Easy-read letters and one named contact.",
    "version": "1",
}


@pytest.fixture
def reviewed(review_incident, make_incident, people, clock):
    def _review(customer, at=None, **kw):
        incident = make_incident(customer, now=clock.now - timedelta(hours=2), **kw)
        review_incident(
            incident,
            at or clock.now - timedelta(hours=1),
            reviewer=people.panel,
            outcome=Outcome.NO_ACTION,
            letter_summary="",
            eia_needed=True,
            eia_notes="The equality lead, by the end of the month.",
        )
        return db.session.scalar(
            select(ImpactAssessment).where(ImpactAssessment.incident_id == incident.id)
        )

    return _review


@pytest.fixture
def assessment(reviewed, tenant) -> ImpactAssessment:
    return reviewed(tenant)


def _url(assessment) -> str:
    return f"{LIST}/{assessment.id}"


def _fresh(assessment) -> ImpactAssessment:
    db.session.expire_all()
    return db.session.get(ImpactAssessment, assessment.id)


@pytest.mark.policy("4.7")
@pytest.mark.parametrize("role", sorted(MANAGERS | REFUSED))
def test_each_role_sees_the_pages_only_if_it_may(client, act_as, post, assessment, role):
    act_as(role)
    url = _url(assessment)
    if role in MANAGERS:
        check_page(client.get(LIST))
        forms = check_page(client.get(url)).select("main form[method=post]")
        assert len(forms) == 2
        return
    for page in (LIST, url):
        check_page(client.get(page), 403)
    assert post(f"{url}/outcome", DONE).status_code == 403
    assert (
        post(f"{url}/assign", {"assign-assigned_to": "", "assign-version": "1"}).status_code == 403
    )
    assert _fresh(assessment).status == AssessmentStatus.OPEN and _fresh(assessment).version == 1


@pytest.mark.policy("4.7")
def test_signed_out_visitors_are_sent_to_sign_in(client, assessment):
    for url in (LIST, _url(assessment)):
        assert client.get(url).status_code == 302
    assert client.post(f"{_url(assessment)}/outcome", data=DONE).status_code in (302, 400)
    assert _fresh(assessment).is_open


@pytest.mark.policy("4.7")
def test_unknown_ids_are_not_found(client, act_as, post):
    act_as("panel")
    for ident in ("0", "2147483647", "99999999999"):
        assert client.get(f"{LIST}/{ident}").status_code == 404
        assert post(f"{LIST}/{ident}/outcome", DONE).status_code == 404
        assert post(f"{LIST}/{ident}/assign", {"assign-version": "1"}).status_code == 404
    assert client.get(f"{LIST}/abc").status_code == 404


@pytest.mark.policy("4.7")
def test_the_panel_records_the_outcome_once(client, act_as, post, assessment):
    act_as("panel")
    url = _url(assessment)
    page = check_page(client.get(url))
    assert "The equality lead, by the end of the month." in page.get_text()
    assert page.find("input", attrs={"name": "version", "value": "1"})
    response = post(f"{url}/outcome", DONE, token_from=url)
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    shown = check_page(client.get(url)).get_text()
    assert "Outcome of the assessment recorded." in shown
    assert "Easy-read letters and one named contact." in shown and "Adjustments made" in shown
    done = _fresh(assessment)
    assert done.status == AssessmentStatus.COMPLETED and done.version == 2
    # A second person's page, shown before the first saved: told, with what they entered.
    again = post(f"{url}/outcome", {**DONE, "outcome": "no_impact"}, token_from=LIST)
    text = check_page(again, 409).get_text()
    assert "already been recorded" in text and "Her learning difficulty" in text
    assert _fresh(assessment).outcome.value == "adjustments_made"


@pytest.mark.policy("4.7")
@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"outcome": ""}, "outcome", "Choose what the assessment found"),
        ({"outcome": "restriction_changed"}, "outcome", None),
        ({"outcome": "x" * 5000}, "outcome", None),
        ({"considered": "   "}, "considered", "Say what was considered"),
        ({"considered": "x" * 5001}, "considered", None),
        ({"adjustments": ""}, "adjustments", "Describe the adjustments made"),
        ({"adjustments": "y" * 5001}, "adjustments", None),
    ],
)
def test_bad_outcomes_are_told_beside_the_field(
    client, act_as, post, assessment, changes, field, says
):
    act_as("cem")
    url = _url(assessment)
    assert_field_error(post(f"{url}/outcome", {**DONE, **changes}, token_from=url), field, says)
    assert _fresh(assessment).is_open


@pytest.mark.policy("4.7")
@pytest.mark.parametrize("version", ["", "abc", "-1", "0", "2", "9" * 40, "1.5"])
def test_a_missing_or_stale_version_is_told_not_saved(client, act_as, post, assessment, version):
    act_as("panel")
    url = _url(assessment)
    response = post(f"{url}/outcome", {**DONE, "version": version}, token_from=url)
    assert "Someone changed this assessment" in check_page(response, 409).get_text()
    assert _fresh(assessment).is_open and _fresh(assessment).version == 1


@pytest.mark.policy("4.7")
def test_the_assessment_is_given_to_someone_and_back_to_no_one(
    client, act_as, post, people, assessment
):
    act_as("panel")
    url = _url(assessment)
    sent = {"assign-assigned_to": str(people.cem.id), "assign-version": "1"}
    response = post(f"{url}/assign", sent, token_from=url, prefix="assign-")
    assert response.status_code == 303
    assert _fresh(assessment).assigned_to_id == people.cem.id
    assert "Cem Experience" in check_page(client.get(LIST)).find(id="open-assessments").get_text()
    sent = {"assign-assigned_to": "", "assign-version": "2"}
    assert post(f"{url}/assign", sent, token_from=url, prefix="assign-").status_code == 303
    assert _fresh(assessment).assigned_to_id is None and _fresh(assessment).version == 3


@pytest.mark.policy("4.7")
@pytest.mark.parametrize("chosen", ["abc", "-1", "9" * 40, "colleague", "2147483647"])
def test_a_bad_assignee_is_told_beside_the_field(client, act_as, post, people, assessment, chosen):
    act_as("panel")
    url = _url(assessment)
    value = str(people.colleague.id) if chosen == "colleague" else chosen
    sent = {"assign-assigned_to": value, "assign-version": "1"}
    response = post(f"{url}/assign", sent, token_from=url, prefix="assign-")
    assert_field_error(response, "assign-assigned_to", "Choose someone from the list")
    assert _fresh(assessment).assigned_to_id is None


@pytest.mark.policy("4.7")
def test_the_list_puts_open_first_marks_overdue_and_completed_below(
    client, act_as, post, make_customer, reviewed, clock, people
):
    late = reviewed(make_customer(surname="Late"), at=clock.now - timedelta(days=30))
    soon = reviewed(make_customer(surname="Soon"))
    finished = reviewed(make_customer(surname="Finished"))
    services.complete(people.panel, clock.now, finished, "no_impact", "Considered.", "", 1)
    db.session.commit()
    act_as("cem")
    page = check_page(client.get(LIST))
    rows = page.find(id="open-assessments").tbody.find_all("tr")
    assert [r.find("a")["href"] for r in rows] == [_url(late), _url(soon)]
    assert "Overdue by" in rows[0].get_text() and "Overdue" not in rows[1].get_text()
    done = page.find(id="completed-assessments").get_text()
    assert "Finished" in done and "No adjustment needed" in done
    assert not errors_on(page)
    for odd in ("?page=abc", "?page=-3&done=999999999999", "?done=0"):
        check_page(client.get(LIST + odd))


@pytest.mark.policy("4.7")
def test_the_list_shows_waiting_requests_with_an_unfinished_assessment(
    client, act_as, make_customer, final_warning_for, make_request
):
    customer = make_customer()
    final_warning_for(customer)
    request = make_request(
        customer,
        eia_needed=True,
        eia_outcome=EiaOutcome.NOT_COMPLETE,
        eia_note="The equality lead is completing it.",
    )
    act_as("panel")
    table = check_page(client.get(LIST)).find(id="waiting-requests")
    assert table.find("a", href=f"/staff/restriction-requests/{request.id}")


@pytest.mark.policy("4.7")
def test_the_incident_page_shows_the_assessment_near_the_review(client, act_as, post, assessment):
    incident = f"/staff/incidents/{assessment.incident_id}"
    act_as("panel")
    shown = check_page(client.get(incident)).find(id="impact-assessment")
    assert "Equality Impact Assessment due by" in shown.get_text()
    assert shown.find("a", href=_url(assessment))
    act_as("glt")  # may read the incident, but not change the assessment
    shown = check_page(client.get(incident)).find(id="impact-assessment")
    assert shown is not None and shown.find("a") is None
    act_as("line_manager")  # the conduct history is need-to-know
    assert check_page(client.get(incident)).find(id="impact-assessment") is None


@pytest.mark.policy("4.7")
def test_the_pages_take_the_same_queries_whatever_the_data(
    client, act_as, reviewed, make_customer, people, clock, count_queries
):
    act_as("panel")
    made = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            one = reviewed(make_customer(surname=f"Row{k}"))
            if k % 2:
                services.assign(people.panel, clock.now, one, people.cem.id, 1)
                services.complete(people.cem, clock.now, one, "no_impact", "Considered.", "", 2)
                db.session.commit()
            made.append(one)

    assert_same_for_few_and_many(
        client, count_queries, grow, [LIST, f"{LIST}?done=2"], sizes=(2, 12)
    )
