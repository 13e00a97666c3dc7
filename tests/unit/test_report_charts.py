"""The committee report's charts (§10.3): well-formed SVG, every text escaped, two bars a
row told apart by more than colour, values written at the bars' ends."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from portal.reports import frozen
from portal.reports.charts import bar_chart, period_labels, share, signed
from portal.reports.shape import Period, Report, Row, Section, Table

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "<script>alert(\"x\")</script> & 'quoted' ]]> \u202eevil"

pytestmark = pytest.mark.policy("10.3")


def chart(table: Table, chart_id: str = "c1") -> ET.Element:
    return ET.fromstring(str(bar_chart(table, chart_id, "This period", "Previous period")))


def texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]


def test_a_chart_is_one_labelled_image_with_two_bars_a_row(app):
    table = Table("t", "Incidents", (Row("a", "Phone", 12, 8), Row("b", "Email", 0, 3)))
    svg = chart(table)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").get("id") == "c1-title"
    assert "Incidents" in svg.find(f"{SVG}title").text
    assert "table beside it" in svg.find(f"{SVG}desc").text
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("height") == "13"]
    assert len(bars) == 4  # two a row
    solid, hatched = bars[0], bars[1]
    assert solid.get("fill").startswith("#") and hatched.get("fill") == "url(#c1-previous)"
    assert hatched.get("stroke")  # outlined, so a bar of the previous period shows unfilled
    assert svg.find(f".//{SVG}pattern").get("id") == "c1-previous"
    written = texts(svg)
    assert written[:2] == ["This period", "Previous period"]  # the legend
    assert written[2:] == ["Phone", "12", "8", "Email", "0", "3"]


def test_the_longest_bar_fills_the_space_and_a_nought_is_still_seen(app):
    svg = chart(Table("t", "T", (Row("a", "A", 10, 5), Row("b", "B", 0, 0))))
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect") if r.get("height") == "13"]
    assert widths == [300, 150, 1, 1]


def test_every_figure_nought_draws_no_division_by_zero(app):
    svg = chart(Table("t", "T", (Row("a", "A", 0, 0),)))
    assert texts(svg)[2:] == ["A", "0", "0"]


def test_parts_show_each_rows_share_of_its_period(app):
    table = Table("t", "T", (Row("a", "A", 3, 1), Row("b", "B", 1, 0)), parts=True)
    assert texts(chart(table))[2:] == ["A", "3 (75%)", "1 (100%)", "B", "1 (25%)", "0 (0%)"]
    assert share(0, 0) == "0%" and share(1, 3) == "33%"


def test_every_text_is_escaped(app):
    table = Table("t", NASTY, (Row("a", NASTY, 1, 2),))
    markup = str(bar_chart(table, "c1", NASTY, NASTY))
    assert "<script>" not in markup
    svg = ET.fromstring(markup)  # still well-formed
    assert NASTY in svg.find(f"{SVG}title").text
    assert texts(svg).count(NASTY) == 3


def test_a_table_without_rows_has_no_chart(app):
    assert str(bar_chart(Table("t", "T", ()), "c1", "a", "b")) == ""


def test_a_frozen_report_reads_back_the_same_and_hashes_the_same(app):
    period = Period(date(2026, 4, 1), date(2026, 9, 30))
    table = Table("t", NASTY, (Row("a", "A", 3, 1),), parts=True, note="n")
    report = Report(
        period,
        period.previous(),
        (Section("s", "S", (table,), summary="sum"),),
        datetime(2026, 11, 23, 10, tzinfo=UTC),
        notes=("note",),
    )
    content = frozen.to_dict(report)
    assert frozen.from_dict(content) == report
    reordered = dict(reversed(list(content.items())))
    assert frozen.digest(reordered) == frozen.digest(content)
    assert frozen.digest({**content, "notes": []}) != frozen.digest(content)


@pytest.mark.parametrize(
    ("change", "shown"), [(3, "+3"), (1, "+1"), (0, "0"), (-1, "\u22121"), (-12, "\u221212")]
)
def test_a_change_is_shown_with_its_sign_and_a_real_minus(change, shown):
    assert signed(change) == shown
    assert "-" not in signed(change)  # never a hyphen


@pytest.mark.parametrize(
    ("today", "so_far"),
    [
        (date(2026, 3, 31), (date(2025, 4, 1), date(2026, 3, 30))),
        (date(2026, 4, 1), None),  # no day of the new year is over yet
        (date(2026, 4, 2), (date(2026, 4, 1), date(2026, 4, 1))),
        (date(2026, 9, 30), (date(2026, 4, 1), date(2026, 9, 29))),
        (date(2026, 10, 1), (date(2026, 4, 1), date(2026, 9, 30))),
        (date(2027, 1, 1), (date(2026, 4, 1), date(2026, 12, 31))),
    ],
)
def test_this_financial_year_so_far_starts_on_1_april(today, so_far):
    found = Period.financial_year_so_far(today)
    assert (found and (found.start, found.end)) == so_far


@pytest.mark.parametrize(
    ("today", "before"),
    [
        (date(2026, 9, 30), Period(date(2025, 4, 1), date(2025, 9, 30))),
        (date(2026, 10, 1), Period(date(2025, 10, 1), date(2026, 3, 31))),
        (date(2026, 3, 31), Period(date(2024, 10, 1), date(2025, 3, 31))),
        (date(2026, 4, 1), Period(date(2025, 4, 1), date(2025, 9, 30))),
    ],
)
def test_the_half_year_before_the_last_complete_one(today, before):
    assert Period.half_year_before_last(today) == before


def test_the_legend_dates_follow_the_readers_language(app):
    period = Period(date(2026, 4, 1), date(2026, 9, 30))
    report = Report(period, period.previous(), (), datetime(2026, 11, 23, tzinfo=UTC))
    with app.test_request_context("/"):
        assert period_labels(report) == (
            "This period (1 April 2026 to 30 September 2026)",
            "Previous period (1 October 2025 to 31 March 2026)",
        )


def test_summer_time_spans_come_from_the_zone_data():
    """The report's London days on SQLite: British Summer Time from 01:00 UTC on the last
    Sunday of March to 01:00 UTC on the last Sunday of October."""
    from datetime import UTC, datetime

    from portal.reports.figures_sql import summer_times

    assert summer_times(2026) == [
        (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC))
    ]
    assert summer_times(2027) == [
        (datetime(2027, 3, 28, 1, tzinfo=UTC), datetime(2027, 10, 31, 1, tzinfo=UTC))
    ]
