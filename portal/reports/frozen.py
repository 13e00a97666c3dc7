"""A report as plain JSON, and back: what an issued (frozen) report keeps.

``to_dict`` turns a :class:`~portal.reports.shape.Report` into plain values (every title and
label as the text it read when it was issued); ``from_dict`` makes the same Report again, so
an issued copy is shown, charted and downloaded by the same code as a live one, without the
figures being worked out again. ``digest`` is the SHA-256 of the canonical JSON: the same
content always gives the same hash, whatever order its keys were stored in.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from portal.reports.shape import Period, Report, Row, Section, Table

# The layout of the frozen content; a later layout can still read this one by its number.
FORMAT = 1


def _period(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def _row(row: Row) -> dict:
    return {
        "key": row.key,
        "label": str(row.label),
        "current": int(row.current),
        "previous": int(row.previous),
    }


def _table(table: Table) -> dict:
    return {
        "key": table.key,
        "title": str(table.title),
        "parts": bool(table.parts),
        "note": str(table.note),
        "rows": [_row(row) for row in table.rows],
    }


def _section(section: Section) -> dict:
    return {
        "key": section.key,
        "title": str(section.title),
        "summary": str(section.summary),
        "tables": [_table(table) for table in section.tables],
    }


def to_dict(report: Report) -> dict:
    """The report as JSON-safe values."""
    return {
        "format": FORMAT,
        "period": _period(report.period),
        "previous": _period(report.previous),
        "worked_out_at": report.worked_out_at.isoformat(),
        "notes": [str(note) for note in report.notes],
        "sections": [_section(section) for section in report.sections],
    }


def _read_period(data: dict) -> Period:
    return Period(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))


def _read_table(data: dict) -> Table:
    rows = tuple(
        Row(key=r["key"], label=r["label"], current=r["current"], previous=r["previous"])
        for r in data["rows"]
    )
    return Table(
        key=data["key"],
        title=data["title"],
        rows=rows,
        parts=bool(data.get("parts", False)),
        note=data.get("note", ""),
    )


def from_dict(data: dict) -> Report:
    """The Report that ``to_dict`` was given."""
    sections = tuple(
        Section(
            key=s["key"],
            title=s["title"],
            tables=tuple(_read_table(t) for t in s["tables"]),
            summary=s.get("summary", ""),
        )
        for s in data["sections"]
    )
    return Report(
        period=_read_period(data["period"]),
        previous=_read_period(data["previous"]),
        sections=sections,
        worked_out_at=datetime.fromisoformat(data["worked_out_at"]),
        notes=tuple(data.get("notes", ())),
    )


def canonical_json(data: dict) -> str:
    """One spelling of the content: keys sorted, no spaces, text as it is (not escaped)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(data: dict) -> str:
    """The SHA-256 of the content's canonical JSON, in hex."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()
