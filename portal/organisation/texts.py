"""The organisation's customer-facing wording in each of the portal's languages.

The administrator writes each text in English (required where the policy needs it) and may
give it in Urdu, Polish and Arabic too. A page or letter in a language with no text of its own
shows the English, marked as English (:attr:`OrgText.fallback`), so the reader is told and a
screen reader switches voice.
"""

from __future__ import annotations

from portal.config import Config

# The texts a customer reads, in the order the admin form asks them.
TEXT_FIELDS = (
    "complaints_contact",
    "emergency_contact",
    "review_request_contact",
    "appeals_contact",
)
# Each language other than English that the portal speaks, with its English name for staff.
TEXT_LANGUAGES = tuple(code for code in Config.LANGUAGES if code != "en")
LANGUAGE_NAMES = {"ur": "Urdu", "pl": "Polish", "ar": "Arabic"}
MAX_LENGTH = 1000


class OrgText(str):
    """A text as shown to one reader: ``language`` is the language it is written in, and
    ``fallback`` says it is the English standing in for the reader's language."""

    language: str
    fallback: bool

    def __new__(cls, text: str, language: str = "en", fallback: bool = False) -> OrgText:
        made = super().__new__(cls, text)
        made.language = language
        made.fallback = fallback
        return made


def form_key(field: str, language: str) -> str:
    """The form field and ``changes`` key of ``field`` in ``language``: appeals_contact_pl."""
    return f"{field}_{language}"


def translations(org) -> dict[str, str]:
    """Every translated text of ``org`` by form key (blank where none is given)."""
    given = {(t.field, t.language): t.text for t in org.texts}
    return {
        form_key(field, code): given.get((field, code), "")
        for field in TEXT_FIELDS
        for code in TEXT_LANGUAGES
    }


def org_text(field: str, locale: str, org=None) -> OrgText:
    """The organisation's ``field`` in ``locale``; the English, marked as the fallback, where
    the administrator gave no text in that language."""
    if field not in TEXT_FIELDS:
        raise ValueError(f"not a translated organisation text: {field}")
    if org is None:
        from portal.organisation.services import get_organisation

        org = get_organisation()
    english = getattr(org, field) or ""
    if locale == "en" or locale not in TEXT_LANGUAGES:
        return OrgText(english)
    for text in org.texts:
        if text.field == field and text.language == locale and text.text.strip():
            return OrgText(text.text, locale)
    return OrgText(english, "en", fallback=bool(english.strip()))


def set_translations(org, changes: dict) -> tuple[dict, dict]:
    """Store each translated text found in ``changes`` (a blank one removes it); return the
    texts changed, before and after, by form key. Texts not in ``changes`` are kept."""
    from portal.organisation.models import OrganisationText

    rows = {(t.field, t.language): t for t in org.texts}
    before, after = {}, {}
    for field in TEXT_FIELDS:
        for code in TEXT_LANGUAGES:
            key = form_key(field, code)
            if key not in changes:
                continue
            value = clean(changes[key])
            row = rows.get((field, code))
            old = row.text if row else ""
            if value == old:
                continue
            before[key], after[key] = old, value
            if not value:
                org.texts.remove(row)
            elif row is None:
                org.texts.append(OrganisationText(field=field, language=code, text=value))
            else:
                row.text = value
    return before, after


def clean(value) -> str:
    """A text as stored: trimmed, without NUL bytes (PostgreSQL cannot store them)."""
    return str(value or "").replace("\x00", "").strip()
