"""The report's charts: horizontal bar charts drawn on the server as SVG (no JavaScript).

Each row of a table gets two bars, this period's and the previous period's, with each value
written at the end of its bar. The two periods differ by more than colour: this period's bar
is solid dark blue, the previous period's is hatched with a dark outline, and the legend shows
both. The chart is one image to assistive technology (``role="img"`` with a title and a
description); the same figures are in the table beside it. Every piece of text is escaped.
"""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.i18n import plain_date
from portal.reports.shape import Table

WIDTH = 500  # room for the legend's dates written out in long languages (Polish)
LEFT = 8
BAR_SPACE = 300  # the longest bar; the rest of the width holds the value written after it
BAR = 16
LABEL = 20  # the row's label, above its bars
GAP = 12
LEGEND = 52
CURRENT_FILL = "#1d4f76"
PREVIOUS_STROKE = "#0b0c0c"
TEXT = "#0b0c0c"


def share(value: int, total: int) -> str:
    """A row's share of its table's total, as a whole percentage ("0%" of nothing)."""
    return f"{round(100 * value / total) if total else 0}%"


def signed(value: int) -> str:
    """A change with its sign: "+3", "−2" (a real minus sign, U+2212) or "0"."""
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"\N{MINUS SIGN}{-value}"
    return "0"


def _value(table: Table, value: int, which: str) -> str:
    if not table.parts:
        return str(value)
    return f"{value} ({share(value, table.total(which))})"


def _text(x: float, y: float, content, **attrs) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{escape(v)}"' for name, v in attrs.items())
    return f'<text x="{x:g}" y="{y:g}" fill="{TEXT}"{extra}>{escape(str(content))}</text>'


def _legend(pattern_id: str, this_label: str, previous_label: str) -> list[str]:
    return [
        f'<rect x="{LEFT}" y="4" width="16" height="16" fill="{CURRENT_FILL}"/>',
        _text(LEFT + 24, 17, this_label),
        f'<rect x="{LEFT}" y="28" width="16" height="16" fill="url(#{pattern_id})" '
        f'stroke="{PREVIOUS_STROKE}" stroke-width="1"/>',
        _text(LEFT + 24, 41, previous_label),
    ]


def _bar(x: float, y: float, width: float, fill: str, outline: bool) -> str:
    line = f' stroke="{PREVIOUS_STROKE}" stroke-width="1"' if outline else ""
    return (
        f'<rect x="{x:g}" y="{y:g}" width="{max(width, 1):g}" height="{BAR - 3}" '
        f'fill="{fill}"{line}/>'
    )


def bar_chart(table: Table, chart_id: str, this_label: str, previous_label: str) -> Markup:
    """The table as an SVG bar chart; a table without rows has no chart (empty markup)."""
    if not table.rows:
        return Markup("")
    most = max(max(row.current, row.previous) for row in table.rows)
    scale = BAR_SPACE / most if most > 0 else 0
    group = LABEL + 2 * BAR + GAP
    height = LEGEND + group * len(table.rows)
    pattern = f"{chart_id}-previous"
    title = _("%(what)s: this period and the previous period", what=table.title)
    desc = _(
        "Horizontal bar chart with two bars for each row: this period's count (solid) and "
        "the previous period's (hatched). The same figures are in the table beside it."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="report-chart" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" focusable="false" '
        f'font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
        f'<defs><pattern id="{escape(pattern)}" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{PREVIOUS_STROKE}" stroke-width="2.5"/>'
        "</pattern></defs>",
        *_legend(escape(pattern), this_label, previous_label),
    ]
    for index, row in enumerate(table.rows):
        top = LEGEND + group * index
        parts.append(_text(LEFT, top + 14, row.label, font_weight="700"))
        for which, value, nth in (("current", row.current, 0), ("previous", row.previous, 1)):
            y = top + LABEL + BAR * nth
            width = value * scale
            fill = CURRENT_FILL if nth == 0 else f"url(#{escape(pattern)})"
            parts.append(_bar(LEFT, y, width, fill, outline=nth == 1))
            parts.append(_text(LEFT + max(width, 1) + 6, y + 11, _value(table, value, which)))
    parts.append("</svg>")
    return Markup("".join(parts))


def period_labels(report) -> tuple[str, str]:
    """The legend's names for the two periods, with their dates written as the page's period
    line writes them (in the reader's language)."""
    return (
        _(
            "This period (%(start)s to %(end)s)",
            start=plain_date(report.period.start),
            end=plain_date(report.period.end),
        ),
        _(
            "Previous period (%(start)s to %(end)s)",
            start=plain_date(report.previous.start),
            end=plain_date(report.previous.end),
        ),
    )
