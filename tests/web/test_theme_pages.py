"""The themes pages (§10.2): the Panel keeps the list, tags incidents, escalates themes and
records its reviews of the register; the CEM and GLT may read; everyone else is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.themes import services
from portal.themes.models import IncidentTheme, RegisterReview, Theme, ThemeEscalation
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error
from tests.web.test_queries import assert_same_for_few_and_many

THEMES = "/staff/themes"
REVIEWS = "/staff/panel/reviews-of-register"
READERS = {"panel", "cem", "glt"}
OTHERS = {"colleague", "line_manager", "other_colleague", "other_manager", "csm", "admin"}
ODD = "Mr O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧\x00!"


@pytest.fixture
def theme(people, clock):
    made = services.create_theme(people.panel, clock.now, "Frustration after repair delays")
    db.session.commit()
    return made


def rows(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.policy("10.2")
@pytest.mark.parametrize("role", sorted(READERS | OTHERS))
def test_each_role_sees_the_themes_pages_only_if_it_may(client, act_as, theme, role):
    act_as(role)
    for url in (THEMES, f"{THEMES}/{theme.id}", REVIEWS):
        response = client.get(url)
        if role in READERS:
            page = check_page(response)
            forms = page.select("main form[method=post]")
            assert bool(forms) == (role == "panel"), url  # only the Panel is offered changes
        else:
            check_page(response, 403)


@pytest.mark.policy("10.2")
@pytest.mark.parametrize("role", sorted((READERS | OTHERS) - {"panel"}))
def test_only_the_panel_may_change_anything(client, act_as, post, theme, asb_incident, role):
    act_as(role)
    sent = {
        THEMES: {"name": "New theme"},
        f"{THEMES}/{theme.id}/in-use": {"active": "no"},
        f"{THEMES}/{theme.id}/escalations": {"escalated_to": "big", "summary": "x"},
        f"/staff/incidents/{asb_incident.id}/themes": {"themes": str(theme.id)},
        REVIEWS: {"held_on": "2026-11-20", "attendees": "A"},
    }
    for url, data in sent.items():
        assert post(url, data).status_code == 403, url
    assert client.get(f"/staff/incidents/{asb_incident.id}/themes").status_code == 403
    assert rows(Theme) == 1 and rows(IncidentTheme) == 0 and rows(RegisterReview) == 0
    assert db.session.get(Theme, theme.id).active


@pytest.mark.policy("10.2")
def test_signed_out_visitors_are_sent_to_sign_in(client, theme):
    for url in (THEMES, f"{THEMES}/{theme.id}", REVIEWS):
        assert client.get(url).status_code == 302


@pytest.mark.policy("10.2")
def test_the_panel_adds_and_retires_a_theme(client, act_as, post, theme):
    act_as("panel")
    response = post(THEMES, {"name": "  Repeat  calls about damp ", "description": ODD})
    assert response.status_code == 303
    page = check_page(client.get(THEMES))
    assert "Theme added: Repeat calls about damp." in page.get_text()
    added = db.session.scalar(select(Theme).where(Theme.name == "Repeat calls about damp"))
    assert added.description == ODD.replace("\x00", "")
    assert post(f"{THEMES}/{added.id}/in-use", {"active": "no"}).status_code == 303
    assert not db.session.get(Theme, added.id).active
    page = check_page(client.get(f"{THEMES}/{added.id}"))
    assert "Retired" in page.get_text()


@pytest.mark.policy("10.2")
@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "Enter the name of the theme"),
        ("FRUSTRATION after repair delays", "There is already a theme with this name"),
        ("x" * 121, "characters or fewer"),
    ],
)
def test_a_bad_theme_name_is_told_beside_the_field(client, act_as, post, theme, name, says):
    act_as("panel")
    assert_field_error(post(THEMES, {"name": name}), "name", says)
    assert rows(Theme) == 1


@pytest.mark.policy("10.2")
@pytest.mark.parametrize("active", ["", "maybe", "x" * 5000])
def test_odd_retire_values_are_refused(client, act_as, post, theme, active):
    act_as("panel")
    check_page(post(f"{THEMES}/{theme.id}/in-use", {"active": active}), 422)
    assert db.session.get(Theme, theme.id).active


@pytest.mark.policy("10.2")
def test_a_form_without_its_csrf_token_changes_nothing(client, act_as, theme):
    act_as("panel")
    response = client.post(THEMES, data={"name": "Forged"})
    assert response.status_code in (400, 422)
    assert rows(Theme) == 1


@pytest.mark.policy("10.2")
def test_missing_and_impossible_ids_are_not_found(client, act_as):
    act_as("panel")
    for url in (f"{THEMES}/0", f"{THEMES}/99999999999", "/staff/incidents/2147483647/themes"):
        assert client.get(url).status_code == 404


@pytest.mark.policy("10.2")
def test_the_panel_tags_an_incident_from_its_page(client, act_as, post, theme, asb_incident):
    act_as("panel")
    incident_page = check_page(client.get(f"/staff/incidents/{asb_incident.id}"))
    url = f"/staff/incidents/{asb_incident.id}/themes"
    assert incident_page.find("a", href=url)
    form = check_page(client.get(url)).find("form", action=url)
    assert form.find("input", attrs={"name": "themes", "value": str(theme.id)})
    response = post(url, {"themes": str(theme.id), "was_tagged": ""}, token_from=url)
    assert response.status_code == 303
    # A second Panel member's page, shown before the first saved, ticks the same theme.
    again = post(url, {"themes": str(theme.id), "was_tagged": ""}, token_from=url)
    assert again.status_code == 303
    shown = check_page(client.get(again.headers["Location"])).get_text()
    assert "Already tagged with: Frustration after repair delays" in shown
    assert rows(IncidentTheme) == 1
    ticked = check_page(client.get(url)).find(
        "input", attrs={"name": "themes", "value": str(theme.id)}
    )
    assert ticked.has_attr("checked")


@pytest.mark.policy("10.2")
def test_other_staff_see_no_themes_link_on_the_incident(client, act_as, asb_incident):
    act_as("cem")
    page = check_page(client.get(f"/staff/incidents/{asb_incident.id}"))
    assert page.find(id="themes") is None


@pytest.mark.policy("10.2")
@pytest.mark.parametrize(
    "sent", [{"themes": "abc"}, {"themes": "2147483647"}, {"themes": "9" * 40}, {"themes": ODD}]
)
def test_odd_tags_are_refused_beside_the_field(client, act_as, post, theme, asb_incident, sent):
    act_as("panel")
    url = f"/staff/incidents/{asb_incident.id}/themes"
    assert_field_error(post(url, {**sent, "was_tagged": "1,x,-3," + "9" * 30}), "themes")
    assert rows(IncidentTheme) == 0


@pytest.mark.policy("10.2")
def test_the_themes_page_shows_a_chart_and_the_same_figures_in_a_table(
    client, act_as, people, theme, make_incident, tenant, clock
):
    for days in (0, 0, 35):
        incident = make_incident(tenant, now=clock.now - timedelta(days=days))
        services.set_incident_themes(people.panel, clock.now, incident, [theme.id], [])
    db.session.commit()
    act_as("glt")
    for url in (THEMES, f"{THEMES}/{theme.id}"):
        page = check_page(client.get(url))
        chart = page.find("svg", attrs={"role": "img"})
        assert chart is not None and chart.find("title") and chart.find("desc")
        table = page.find("table", id=chart["id"].replace("chart", "table"))
        figures = {
            tr.th.get_text(strip=True): tr.td.get_text(strip=True)
            for tr in table.tbody.find_all("tr")
        }
        assert figures["Nov 2026"] == "2" and figures["Oct 2026"] == "1"
        assert len(chart.find_all("rect")) == len(figures) == 12
    text = check_page(client.get(f"{THEMES}/{theme.id}")).get_text()
    assert "Aggressive or abusive behaviour" in text and "Phone" in text


@pytest.mark.policy("10.2")
def test_the_themes_pages_take_the_same_queries_whatever_the_data(
    client, act_as, people, theme, make_incident, tenant, clock, count_queries
):
    act_as("panel")
    made = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            incident = make_incident(tenant, service_area=f"Area {k}")
            services.set_incident_themes(people.panel, clock.now, incident, [theme.id], [])
            services.create_theme(people.panel, clock.now, f"Theme {k}")
            services.escalate_theme(people.panel, clock.now, theme, "big", clock.now.date(), "x")
            services.record_register_review(people.panel, clock.now, clock.now.date(), "A, B")
            db.session.commit()
            made.append(incident)

    urls = [THEMES, f"{THEMES}/{theme.id}", REVIEWS]
    assert_same_for_few_and_many(client, count_queries, grow, urls, sizes=(1, 15))


@pytest.mark.policy("10.2")
def test_the_panel_escalates_a_theme_and_records_the_outcome(client, act_as, post, theme):
    act_as("panel")
    url = f"{THEMES}/{theme.id}"
    sent = {
        "escalated_to": "cqn",
        "escalated_on": "2026-11-20",
        "summary": "Complaints about repairs turn into abuse",
        "follow_up_on": "2026-12-18",
    }
    response = post(f"{url}/escalations", sent, token_from=url)
    assert response.status_code == 303
    escalation = db.session.scalar(select(ThemeEscalation))
    outcome_url = f"{THEMES}/escalations/{escalation.id}/outcome"
    page = check_page(client.get(url))
    assert "Complaints Quality Network" in page.get_text()
    assert page.find("a", href=outcome_url)
    done = {"outcome": "Triage changed", "outcome_on": "2026-11-22"}
    assert post(outcome_url, done, token_from=outcome_url).status_code == 303
    assert "Triage changed" in check_page(client.get(url)).get_text()
    second = post(outcome_url, {**done, "outcome": "Other"}, token_from=outcome_url)
    assert "already been recorded" in check_page(second, 409).get_text()
    db.session.expire_all()
    assert db.session.get(ThemeEscalation, escalation.id).outcome == "Triage changed"


@pytest.mark.policy("10.2")
@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"escalated_on": "2026-11-20", "summary": "x"}, "escalated_to"),
        ({"escalated_to": "nope", "escalated_on": "2026-11-20", "summary": "x"}, "escalated_to"),
        ({"escalated_to": "big", "escalated_on": "2026-02-30", "summary": "x"}, "escalated_on"),
        ({"escalated_to": "big", "escalated_on": "2027-01-01", "summary": "x"}, "escalated_on"),
        ({"escalated_to": "big", "escalated_on": "2026-11-20", "summary": " "}, "summary"),
        (
            {
                "escalated_to": "big",
                "escalated_on": "2026-11-20",
                "summary": "x",
                "follow_up_on": "2026-11-01",
            },
            "follow_up_on",
        ),
    ],
)
def test_a_bad_escalation_is_told_beside_the_field(client, act_as, post, theme, sent, field):
    act_as("panel")
    url = f"{THEMES}/{theme.id}"
    assert_field_error(post(f"{url}/escalations", sent, token_from=url), field)
    assert rows(ThemeEscalation) == 0


@pytest.mark.policy("10.2")
def test_the_panel_records_a_review_of_the_register(client, act_as, post):
    act_as("panel")
    assert "No review of the register" in check_page(client.get(REVIEWS)).get_text()
    sent = {"held_on": "2026-11-20", "attendees": "Pat Panel, Sam Panel", "notes": ODD}
    response = post(REVIEWS, sent, token_from=REVIEWS)
    assert response.status_code == 303
    page = check_page(client.get(REVIEWS))
    assert "Last reviewed on Friday 20 November 2026" in page.get_text()
    assert "Pat Panel, Sam Panel" in page.find("table", id="reviews").get_text()


@pytest.mark.policy("10.2")
@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"held_on": "", "attendees": "A"}, "held_on"),
        ({"held_on": "yesterday", "attendees": "A"}, "held_on"),
        ({"held_on": "2099-01-01", "attendees": "A"}, "held_on"),
        ({"held_on": "2026-11-20", "attendees": " "}, "attendees"),
        ({"held_on": "2026-11-20", "attendees": "A" * 2001}, "attendees"),
    ],
)
def test_a_bad_review_is_told_beside_the_field(client, act_as, post, sent, field):
    act_as("panel")
    assert_field_error(post(REVIEWS, sent, token_from=REVIEWS), field)
    assert rows(RegisterReview) == 0
    assert not errors_on(check_page(client.get(REVIEWS)))
