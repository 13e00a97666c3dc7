"""Which messages customers read, and whether each catalogue translates every one of them.

Staff pages are in English only; every page, form message, email and letter a customer can
see must be translated into each of the portal's other languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from portal.config import BASE_DIR

TRANSLATIONS = BASE_DIR / "translations"

# The sources of every message a customer can read: their pages, the layout, form macros and
# error pages they share with staff, the letters, and the Python that words what they see.
CUSTOMER_SOURCES = (
    "templates/base.html",
    "templates/macros/*.html",
    "templates/errors/*.html",
    "templates/customer/**/*.html",
    "templates/letters/*.html",
    "portal/customer/*.py",
    "portal/restrictions/wording.py",
    "portal/forms.py",
    "portal/letters/render.py",
    "portal/letters/services.py",
    "portal/letters/telling.py",
    "portal/letters/models.py",
    "portal/appeals/letters.py",
    "portal/appeals/models.py",
    "portal/appeals/rules.py",
    "portal/appeals/wording.py",
    "portal/arrangements/models.py",
    "portal/conduct_warnings/models.py",
    "portal/incidents/catalogue.py",
)

KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
STRAY_PERCENT = re.compile(r"%(?!\(\w+\)[sd]|%)(?<!%%)")

# A message id: the text, or (singular, plural) for a message with plural forms.
MessageId = str | tuple[str, str]


@dataclass(frozen=True)
class Problem:
    language: str
    message: MessageId
    reason: str

    def __str__(self) -> str:
        text = self.message if isinstance(self.message, str) else self.message[0]
        return f"{self.language}: {self.reason}: {text!r}"


def _method(path: Path) -> str:
    return "jinja2" if path.suffix == ".html" else "python"


def customer_messages(base: Path = BASE_DIR) -> set[MessageId]:
    """Every message id in the customer-facing sources."""
    found: set[MessageId] = set()
    for pattern in CUSTOMER_SOURCES:
        for path in sorted(base.glob(pattern)):
            for _line, message, _comments, _context in extract_from_file(
                _method(path), str(path), keywords=KEYWORDS
            ):
                if isinstance(message, tuple | list):
                    found.add((message[0], message[1]))
                elif message:
                    found.add(message)
    return found


def _placeholders(text: str) -> set[tuple[str, str]]:
    """The named placeholders in ``text`` with their types, e.g. {("date", "s")}."""
    return set(PLACEHOLDER.findall(text))


def check_catalogue(language: str, messages: set[MessageId], directory: Path = TRANSLATIONS):
    """Problems with ``language``'s catalogue: missing, fuzzy, empty or mismatched messages."""
    path = directory / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return [Problem(language, "(the whole catalogue)", f"no catalogue at {path}")]
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    problems = []
    for message_id in sorted(messages, key=lambda m: m if isinstance(m, str) else m[0]):
        key = message_id if isinstance(message_id, str) else message_id[0]
        entry = catalogue.get(key)
        if entry is None:
            problems.append(Problem(language, message_id, "missing"))
            continue
        if entry.fuzzy:
            problems.append(Problem(language, message_id, "marked fuzzy"))
            continue
        if isinstance(message_id, str):
            translations = [entry.string] if isinstance(entry.string, str) else list(entry.string)
            required = allowed = _placeholders(message_id)
        else:
            translations = list(entry.string) if not isinstance(entry.string, str) else []
            allowed = _placeholders(message_id[1]) | _placeholders(message_id[0])
            # A plural form may leave out the count itself ("one file"), nothing else.
            required = {p for p in allowed if p[0] != "num"}
        if not translations or any(not (t or "").strip() for t in translations):
            problems.append(Problem(language, message_id, "not translated"))
            continue
        # A missing placeholder loses information; an unknown one or a lone "%" (templates
        # always %-format their messages) breaks the page.
        if any(not required <= _placeholders(t) <= allowed for t in translations):
            problems.append(Problem(language, message_id, "placeholders do not match"))
        elif any(STRAY_PERCENT.search(t) for t in translations):
            problems.append(Problem(language, message_id, 'a lone "%" (write "%%")'))
    return problems


def check_all(languages, directory: Path = TRANSLATIONS, base: Path = BASE_DIR):
    """Problems across every language but English."""
    messages = customer_messages(base)
    problems = []
    for language in languages:
        if language != "en":
            problems.extend(check_catalogue(language, messages, directory))
    return problems
