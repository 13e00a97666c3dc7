"""Each language says the policy's terms one agreed way (issue 16, point 20): wherever the
English of a message names a term of translations/glossary.tsv, its translation names that
language's agreed term (one of the forms the glossary lists)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from portal.config import BASE_DIR

TRANSLATIONS = BASE_DIR / "translations"
GLOSSARY = TRANSLATIONS / "glossary.tsv"
LANGUAGES = ("pl", "ur", "ar")
# The policy's terms the glossary must keep (§8.7-8.21, §9.1-9.4).
POLICY_TERMS = {
    "restriction",
    "first stage",
    "second stage",
    "written warning",
    "final warning",
    "appeal",
    "working day",
    "emergency repair",
    "Customer Experience Manager",
    "Group Leadership Team",
    "Panel",
    "complaint",
}


@dataclass(frozen=True)
class Term:
    name: str
    english: tuple[str, ...]
    agreed: dict[str, tuple[str, ...]]

    def named_in(self, english: str) -> bool:
        return any(
            re.search(rf"(?<!\w){re.escape(form)}(?!\w)", english, re.I) for form in self.english
        )

    def said_in(self, language: str, text: str) -> bool:
        return any(form.casefold() in text.casefold() for form in self.agreed[language])


def _forms(cell: str) -> tuple[str, ...]:
    return tuple(form.strip() for form in cell.split("|") if form.strip())


def load_glossary(path: Path = GLOSSARY) -> list[Term]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = csv.DictReader(
        (line for line in lines if not line.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    return [
        Term(row["term"], _forms(row["en"]), {lang: _forms(row[lang]) for lang in LANGUAGES})
        for row in rows
    ]


def _texts(entry) -> tuple[str, list[str]]:
    english = " ".join(entry.id) if isinstance(entry.id, tuple | list) else entry.id
    strings = entry.string if isinstance(entry.string, tuple | list) else [entry.string]
    return english, [s for s in strings if s]


def misses(catalogue: Catalog, language: str, terms: list[Term]) -> list[str]:
    """Each translated, settled message whose English names a term its translation does not."""
    found = []
    for entry in catalogue:
        if not entry.id or entry.fuzzy:
            continue
        english, translations = _texts(entry)
        if not translations:
            continue
        for term in terms:
            if term.named_in(english) and not all(term.said_in(language, t) for t in translations):
                found.append(
                    f"{language}: {term.name!r} in {english[:90]!r} -> {translations[0]!r}"
                )
    return found


def _catalogue(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_point20_the_glossary_names_every_policy_term_in_every_language():
    terms = load_glossary()
    assert {term.name for term in terms} >= POLICY_TERMS
    for term in terms:
        assert term.english, term.name
        for language in LANGUAGES:
            assert term.agreed[language], f"{term.name} has no {language} term"


@pytest.mark.policy("9.1")
@pytest.mark.parametrize("language", LANGUAGES)
def test_point20_each_term_is_translated_the_agreed_way_wherever_the_english_names_it(language):
    problems = misses(_catalogue(language), language, load_glossary())
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} in all)"


def test_point20_the_check_finds_a_term_said_another_way():
    terms = load_glossary()
    catalogue = Catalog(locale="pl")
    catalogue.add("Our Customer Experience Manager will decide.", "Kierownik ds. obsługi klienta")
    catalogue.add("Report an emergency repair", "Proszę zgłosić naprawę awaryjną")
    catalogue.add("Appealing is free", "Odwołanie jest bezpłatne")
    catalogue.add("An appealing offer", "", flags=())  # not translated: not checked
    catalogue.add("Customer Experience Manager", "Kierownik ds. obsługi klienta", flags=["fuzzy"])
    catalogue.add("Unappealable", "Nie")  # "appeal" only as a part of a word
    assert misses(catalogue, "pl", terms) == [
        "pl: 'Customer Experience Manager' in 'Our Customer Experience Manager will decide.'"
        " -> 'Kierownik ds. obsługi klienta'"
    ]
