"""Read a CSV file of customers from the housing management system and check each row on its
own: what the rows say, before they are matched with the portal's customers
(:mod:`portal.customers.importing`).

A file the import cannot read at all (not UTF-8, no header, a column it needs missing, too big)
is refused whole, with one message; a row at fault is rejected with its line, field and reason.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.customers.records import LIMITS, field_problems
from portal.errors import Problem, ServiceError

MAX_BYTES = 50 * 2**20
MAX_ROWS = 200_000
REQUIRED = ("housing_ref", "forename", "surname", "customer_type")
OPTIONAL = ("tenant_housing_ref", "address", "email", "phone", "preferred_language")
COLUMNS = REQUIRED + OPTIONAL
# Only address may run over several lines.
MULTILINE = frozenset({"address"})
# Characters that would hide or reorder text (bidirectional controls), never typed in a name.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A cell longer than this is refused by the CSV reader (the file as a whole).
_CELL_LIMIT = 100_000


class FileRefused(ServiceError):
    """The file as a whole cannot be imported (key ``file``); nothing was read into the portal."""

    def __init__(self, code: str, message):
        super().__init__({"file": Problem(code, message)})


@dataclass
class Rejection:
    """A row at fault: its line in the file, the column, and why."""

    line: int
    housing_ref: str
    field: str
    code: str
    reason: str


@dataclass
class Row:
    """A row whose own fields are acceptable (it may still be rejected once matched)."""

    line: int
    values: dict  # cleaned: housing_ref, forename, surname, customer_type, and present columns
    tenant_ref: str = ""

    @property
    def key(self) -> str:
        return self.values["housing_ref"].lower()


@dataclass
class ReadFile:
    columns: list[str]
    ignored: list[str]
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    count: int = 0  # rows read, blank lines left out
    lines_of: dict[str, list[int]] = field(default_factory=dict)  # housing ref: its lines


def _decoded(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise FileRefused(
            "import.too_big",
            _l("The file must be smaller than %(size)d MB", size=MAX_BYTES // 2**20),
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise FileRefused(
            "import.not_utf8",
            _l(
                "The file is not UTF-8 text (line %(line)d is not): save it from the housing "
                "system as \u201cCSV UTF-8\u201d",
                line=line,
            ),
        ) from exc
    if not text.strip():
        raise FileRefused("import.empty", _l("The file is empty"))
    return text


def _header(cells: list[str]) -> tuple[list[str], list[str]]:
    names = [unicodedata.normalize("NFC", cell).strip().lower() for cell in cells]
    doubled = sorted({name for name in names if name and names.count(name) > 1})
    if doubled:
        raise FileRefused(
            "import.column_twice",
            _l("The header names a column more than once: %(names)s", names=", ".join(doubled)),
        )
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise FileRefused(
            "import.columns_missing",
            _l(
                "The first line must name the columns; these are missing: %(names)s",
                names=", ".join(missing),
            ),
        )
    return names, [name for name in names if name and name not in COLUMNS]


def _odd_character(text: str, multiline: bool) -> str | None:
    if text.isprintable():  # no control, format, private or unassigned character: most cells
        return None
    for character in text:
        if character in "\t\r\n":
            if multiline:
                continue
            return character
        category = unicodedata.category(character)
        if category in ("Cc", "Cs", "Co", "Cn") or character in _BIDI:
            return character
    return None


def _cell_problem(name: str, text: str) -> Problem | None:
    if "\x00" in text:
        return Problem("import.nul", _l("It contains a NUL byte"))
    odd = _odd_character(text, name in MULTILINE)
    if odd is not None:
        return Problem(
            "import.odd_character",
            _l(
                "It contains a control or invisible character (U+%(code)s) that cannot be kept",
                code=f"{ord(odd):04X}",
            ),
        )
    return None


def _checked_row(line: int, named: dict, languages, out: ReadFile) -> None:
    housing_ref = named.get("housing_ref", "").strip()
    if housing_ref:
        out.lines_of.setdefault(housing_ref.lower(), []).append(line)
    problems: dict[str, Problem] = {}
    cleaned = {}
    for name, raw in named.items():
        text = unicodedata.normalize("NFC", raw).strip()
        if problem := _cell_problem(name, text):
            problems[name] = problem
        cleaned[name] = text
    values = {name: cleaned.get(name, "") for name in ("forename", "surname", "email", "phone")}
    values["housing_ref"] = cleaned.get("housing_ref", "")
    values["address"] = cleaned.get("address", "")
    values["preferred_language"] = cleaned.get("preferred_language", "").lower() or "en"
    values["customer_type"] = cleaned.get("customer_type", "").lower()
    for name, problem in field_problems(values, languages).items():
        problems.setdefault(name, problem)
    if not values["housing_ref"]:
        problems["housing_ref"] = Problem(
            "import.housing_ref_missing", _l("Enter the housing system reference")
        )
    tenant_ref = cleaned.get("tenant_housing_ref", "")
    if len(tenant_ref) > LIMITS["housing_ref"]:
        problems.setdefault(
            "tenant_housing_ref",
            Problem(
                "customer.too_long",
                _l("Keep this to %(max)d characters or fewer", max=LIMITS["housing_ref"]),
            ),
        )
    if problems:
        out.rejected += [
            Rejection(line, housing_ref, name, problem.code, str(problem))
            for name, problem in problems.items()
        ]
        return
    kept = {name: values[name] for name in ("housing_ref", "forename", "surname", "customer_type")}
    for name in ("address", "email", "phone", "preferred_language"):
        if name in named:
            kept[name] = values[name]
    out.rows.append(Row(line, kept, tenant_ref))


def read_rows(content: bytes, languages) -> ReadFile:
    """The rows of a housing system CSV file, each checked on its own, and the rows rejected
    (a housing reference twice in the file rejects every line it is on).

    :raises FileRefused: for a file that is too big, empty, not UTF-8, unreadable as CSV, has
        no rows, lacks a required column, or has more than ``MAX_ROWS`` rows.
    """
    text = _decoded(content)
    csv.field_size_limit(_CELL_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    out: ReadFile | None = None
    line = 1
    try:
        for cells in reader:
            if out is None:
                names, ignored = _header(cells)
                out = ReadFile([n for n in names if n in COLUMNS], ignored)
                line = reader.line_num + 1
                continue
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            out.count += 1
            if out.count > MAX_ROWS:
                raise FileRefused(
                    "import.too_many_rows",
                    _l("The file has more than %(most)d rows: split it", most=MAX_ROWS),
                )
            if len(cells) != len(names):
                out.rejected.append(
                    Rejection(
                        start,
                        cells[0].strip() if names[0] == "housing_ref" and cells else "",
                        "",
                        "import.cells",
                        str(
                            _l(
                                "The line has %(found)d cells; the header has %(wanted)d",
                                found=len(cells),
                                wanted=len(names),
                            )
                        ),
                    )
                )
                continue
            named = {n: c for n, c in zip(names, cells, strict=True) if n in COLUMNS}
            _checked_row(start, named, languages, out)
    except csv.Error as exc:
        raise FileRefused(
            "import.not_csv",
            _l("The file could not be read as CSV at line %(line)d", line=reader.line_num),
        ) from exc
    if out is None or out.count == 0:
        raise FileRefused("import.no_rows", _l("The file has no customers under its header"))
    _reject_doubles(out)
    return out


def _reject_doubles(out: ReadFile) -> None:
    doubled = {key: found for key, found in out.lines_of.items() if len(found) > 1}
    if not doubled:
        return
    refs = {row.line: row.values["housing_ref"] for row in out.rows}
    refs.update({r.line: r.housing_ref for r in out.rejected})
    out.rows = [row for row in out.rows if row.key not in doubled]
    for found in doubled.values():
        for line in found:
            out.rejected.append(
                Rejection(
                    line,
                    refs.get(line, ""),
                    "housing_ref",
                    "import.housing_ref_twice",
                    str(
                        _l(
                            "This housing reference is on more than one line: %(lines)s",
                            lines=", ".join(str(n) for n in found),
                        )
                    ),
                )
            )
    out.rejected.sort(key=lambda r: r.line)
