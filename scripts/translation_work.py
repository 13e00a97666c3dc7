"""Write, and merge back, a work file of the customer-facing messages one language lacks.

    python scripts/translation_work.py export pl work/pl.po   # what Polish still needs
    python scripts/translation_work.py merge pl work/pl.po    # put the translations in

The work file holds only customer-facing messages that are missing, empty or fuzzy, each with
the files it appears in, so a translator sees where it is used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.config import BASE_DIR  # noqa: E402
from portal.translation_check import (  # noqa: E402
    CUSTOMER_SOURCES,
    KEYWORDS,
    TRANSLATIONS,
    _method,
)


def _catalogue_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def _read(path: Path, language: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _customer_locations() -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for pattern in CUSTOMER_SOURCES:
        for path in sorted(BASE_DIR.glob(pattern)):
            for _line, message, _c, _ctx in extract_from_file(
                _method(path), str(path), keywords=KEYWORDS
            ):
                key = message[0] if isinstance(message, tuple | list) else message
                if key:
                    place = str(path.relative_to(BASE_DIR))
                    where.setdefault(key, [])
                    if place not in where[key]:
                        where[key].append(place)
    return where


def _needs_work(entry) -> bool:
    strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
    return entry.fuzzy or not strings or any(not (s or "").strip() for s in strings)


def export(language: str, out: Path) -> int:
    catalogue = _read(_catalogue_path(language), language)
    work = Catalog(locale=language, project="Customer Conduct Portal")
    work.plural_forms  # noqa: B018 (read from the locale)
    count = 0
    for key, places in sorted(_customer_locations().items()):
        entry = catalogue.get(key)
        if entry is None:
            print(f"not in the {language} catalogue (run translate update): {key!r}")
            continue
        if not _needs_work(entry):
            continue
        comments = [f"used in: {', '.join(places)}"]
        if entry.fuzzy:
            # The English changed: the old translation is a hint, not an answer.
            old = entry.string if isinstance(entry.string, str) else " | ".join(entry.string)
            comments.append(f"earlier translation of different English: {old}")
        blank = "" if isinstance(entry.id, str) else ("",) * len(entry.string or ("", ""))
        work.add(entry.id, blank, auto_comments=comments)
        count += 1
    with out.open("wb") as handle:
        write_po(handle, work, width=100)
    return count


def merge(language: str, source: Path) -> int:
    path = _catalogue_path(language)
    catalogue = _read(path, language)
    work = _read(source, language)
    count = 0
    for entry in work:
        if not entry.id:
            continue
        target = catalogue.get(entry.id if isinstance(entry.id, str) else entry.id[0])
        if target is None or _needs_work(entry):
            continue
        target.string = entry.string
        target.flags.discard("fuzzy")
        count += 1
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100, omit_header=False)
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["export", "merge"])
    parser.add_argument("language", help="e.g. ur, pl or ar")
    parser.add_argument("file", type=Path, help="the work file")
    args = parser.parse_args()
    if args.action == "export":
        print(f"{export(args.language, args.file)} messages to translate in {args.file}")
    else:
        print(f"{merge(args.language, args.file)} translations merged into {args.language}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
