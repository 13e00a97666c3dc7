"""Equality monitoring pages (§11.1, §12.1): the staff form asks consent first and keeps
nothing else without it; only the CEM and administrators open either page; every view is
audited; the monitoring tables hide small numbers and are one query at any size."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.equality.models import FIELDS, EqualityRecord
from tests.pages import check_page
from tests.web.forms import assert_field_error

pytestmark = pytest.mark.policy("11.1")

ALLOWED = ("cem", "admin")
REFUSED = ("colleague", "other_colleague", "line_manager", "other_manager", "panel", "csm", "glt")
MONITORING = "/staff/equality"
ODD = "Mr O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧\x00" * 50


def form_url(customer) -> str:
    return f"/staff/customers/{customer.id}/equality"


def answers(**overrides) -> dict:
    data = {
        "consent_given": "yes",
        "consent_on": "2026-11-20",
        "consent_method": "in_person",
        "ethnic_group": "mixed",
        "religion": "prefer_not_to_say",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored(customer) -> EqualityRecord | None:
    db.session.expire_all()
    return db.session.scalar(
        select(EqualityRecord).where(EqualityRecord.customer_id == customer.id)
    )


def audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize("role", ALLOWED)
def test_the_cem_and_administrators_record_answers_with_consent(client, act_as, post, tenant, role):
    act_as(role)
    record = check_page(client.get(f"/staff/customers/{tenant.id}"))
    assert record.find("a", href=form_url(tenant)) is not None
    page = check_page(client.get(form_url(tenant)))
    legends = [legend.get_text(" ", strip=True) for legend in page.find_all("legend")]
    assert legends[0].startswith("Did the customer agree")
    for name in FIELDS:  # "Prefer not to say" offered for every question
        assert page.find("input", attrs={"name": name, "value": "prefer_not_to_say"})
    assert page.find("input", attrs={"name": "sex", "value": ""}).has_attr("checked")
    assert len(audited("equality.viewed")) == 1

    response = post(form_url(tenant), answers(), token_from=form_url(tenant))

    assert response.status_code == 303
    saved = stored(tenant)
    assert saved.consent_given and saved.ethnic_group == "mixed" and saved.sex is None
    (event,) = audited("equality.recorded")
    assert "ethnic_group" in event.summary and "mixed" not in event.summary
    again = check_page(client.get(form_url(tenant)))
    assert again.find("input", attrs={"name": "ethnic_group", "value": "mixed"}).has_attr("checked")
    assert again.find("input", attrs={"name": "version"})["value"] == "1"


def test_a_refusal_is_all_that_is_kept(client, act_as, post, tenant):
    act_as("cem")
    response = post(
        form_url(tenant),
        answers(consent_given="no", sex="female", disability="yes"),
        token_from=form_url(tenant),
    )
    assert response.status_code == 303
    saved = stored(tenant)
    assert saved.consent_given is False
    assert all(getattr(saved, name) is None for name in FIELDS)
    page = check_page(client.get(response.headers["Location"]))
    assert "only that was recorded" in page.get_text()


@pytest.mark.parametrize("role", REFUSED)
def test_every_other_role_is_refused_both_pages(client, act_as, post, tenant, table_counts, role):
    act_as(role)
    record = check_page(client.get(f"/staff/customers/{tenant.id}"))
    assert record.find("a", href=form_url(tenant)) is None
    assert client.get(form_url(tenant)).status_code == 403
    assert client.get(MONITORING).status_code == 403
    before = table_counts()
    assert post(form_url(tenant), answers()).status_code == 403
    assert table_counts() == before
    assert audited("equality.viewed") == []


def test_signed_out_visitors_are_sent_to_sign_in(client, tenant):
    for url in (form_url(tenant), MONITORING):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent_given": None}, "consent_given"),
        ({"consent_given": "maybe"}, "consent_given"),
        ({"consent_on": "2026-02-30"}, "consent_on"),
        ({"consent_on": ODD}, "consent_on"),
        ({"consent_on": "2027-01-01"}, "consent_on"),
        ({"consent_on": ""}, "consent_on"),
        ({"consent_method": "pigeon"}, "consent_method"),
        ({"consent_method": None}, "consent_method"),
        ({"sex": ODD}, "sex"),
        ({"age_band": ["16_24", "25_34"]}, "age_band"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_saved(
    client, act_as, post, tenant, table_counts, changes, field
):
    act_as("cem")
    before = table_counts()
    response = post(form_url(tenant), answers(**changes), token_from=form_url(tenant))
    assert_field_error(response, field)
    assert stored(tenant) is None
    assert table_counts()["equality_record"] == before["equality_record"]


def test_a_missing_or_forged_csrf_token_saves_nothing(client, act_as, tenant):
    act_as("cem")
    for token in (None, "forged"):
        data = answers() if token is None else {**answers(), "csrf_token": token}
        assert client.post(form_url(tenant), data=data).status_code in (400, 403)
    assert stored(tenant) is None


def test_unknown_customers_are_not_found(client, act_as):
    act_as("cem")
    for customer_id in (0, 999999, 2**63):
        assert client.get(f"/staff/customers/{customer_id}/equality").status_code == 404


def test_a_save_from_an_older_copy_is_refused_and_shows_the_answers_as_they_are(
    client, act_as, post, tenant
):
    act_as("cem")
    assert post(form_url(tenant), answers(), token_from=form_url(tenant)).status_code == 303
    assert (
        post(
            form_url(tenant),
            answers(ethnic_group="white", version="1"),
            token_from=form_url(tenant),
        ).status_code
        == 303
    )
    response = post(
        form_url(tenant), answers(ethnic_group="asian", version="1"), token_from=form_url(tenant)
    )
    page = check_page(response, 409)
    assert "Someone else saved these answers" in page.get_text()
    assert page.find("input", attrs={"name": "ethnic_group", "value": "white"}).has_attr("checked")
    assert stored(tenant).ethnic_group == "white"
    stale = post(form_url(tenant), answers(ethnic_group="asian"), token_from=form_url(tenant))
    assert stale.status_code == 409  # no version: made before the first save
    assert stored(tenant).ethnic_group == "white"


@pytest.mark.parametrize("role", ALLOWED)
def test_the_monitoring_page_shows_each_characteristic_and_is_audited(client, act_as, role):
    act_as(role)
    page = check_page(client.get(MONITORING))
    for name in FIELDS:
        assert page.find(id=f"{name}-table") is not None
        assert "No chart: every figure" in page.find(id=f"{name}-chart").get_text()
        assert page.find(id=f"{name}-chart").find("script") is None
    assert len(audited("equality.monitoring_viewed")) == 1


def test_small_counts_show_as_fewer_than_five(client, act_as, post, make_customer):
    act_as("cem")
    customers = [make_customer() for _n in range(9)]
    for n, customer in enumerate(customers):
        sex = "female" if n < 5 else "male"  # 5 women shown, 4 men hidden
        url = form_url(customer)
        assert post(url, answers(sex=sex), token_from=url).status_code == 303
    page = check_page(client.get(MONITORING))
    table = page.find(id="sex-table")
    rows = {row.th.get_text(strip=True): row for row in table.tbody.find_all("tr")}
    cells = [td.get_text(strip=True) for td in rows["Male"].find_all("td")]
    assert cells[0] == "fewer than 5"
    # 9 - 5 would give the 4 men back: the women are hidden too.
    assert rows["Female"].find_all("td")[0].get_text(strip=True) == "fewer than 5"
    totals = [td.get_text(strip=True) for td in rows["Total"].find_all("td")]
    assert totals[0] == "9"
    assert page.find(id="sex-chart").find("svg") is None  # nothing shown, nothing drawn


def test_the_chart_draws_the_tables_shares(client, act_as, post, make_customer):
    act_as("cem")
    for sex, many in (("female", 6), ("male", 6), ("prefer_not_to_say", 5), (None, 5)):
        for _n in range(many):
            url = form_url(make_customer())
            assert post(url, answers(sex=sex), token_from=url).status_code == 303
    page = check_page(client.get(MONITORING))
    rows = {row.th.get_text(strip=True): row for row in page.find(id="sex-table").tbody("tr")}
    assert rows["Female"].td.get_text(strip=True) == "6 (27.3%)"
    assert rows["Not answered"].td.get_text(strip=True) == "5 (22.7%)"
    chart = page.find(id="sex-chart").find("svg")
    assert chart["role"] == "img" and chart.title.get_text(strip=True)
    drawn = [text.get_text(strip=True) for text in chart("text")]
    assert drawn.count("27.3%") == 2 and drawn.count("22.7%") == 2
    widths = sorted({float(rect["width"]) for rect in chart("rect") if rect.get("y") != "4"})
    assert 27.3 * 4 in widths


@pytest.mark.parametrize("period", ["nonsense", ODD, "", "12m\x00"])
def test_a_bad_period_is_refused_beside_the_field_never_a_500(client, act_as, period):
    act_as("cem")
    response = client.get(MONITORING, query_string={"period": period})
    page = check_page(response, 422)
    assert page.find(id="period-error") is not None
    assert page.title.get_text().startswith("Error:")


def test_a_good_period_is_kept_in_the_filter(client, act_as):
    act_as("admin")
    page = check_page(client.get(MONITORING, query_string={"period": "12m"}))
    assert page.find("option", value="12m").has_attr("selected")


def test_the_monitoring_page_is_a_fixed_number_of_queries(
    client, act_as, post, make_customer, count_queries
):
    act_as("cem")

    def measured() -> int:
        with count_queries() as q:
            check_page(client.get(MONITORING))
        return q.count

    small = measured()
    for customer in [make_customer() for _n in range(7)]:
        url = form_url(customer)
        assert post(url, answers(sex="male"), token_from=url).status_code == 303
    assert measured() == small
    assert db.session.scalar(select(func.count()).select_from(EqualityRecord)) == 7


def test_an_answer_can_be_taken_back_to_not_answered(client, act_as, post, tenant):
    act_as("cem")
    assert (
        post(form_url(tenant), answers(sex="male"), token_from=form_url(tenant)).status_code == 303
    )
    response = post(form_url(tenant), answers(sex="", version="1"), token_from=form_url(tenant))
    assert response.status_code == 303
    saved = stored(tenant)
    assert saved.sex is None and saved.ethnic_group == "mixed" and saved.version == 2
