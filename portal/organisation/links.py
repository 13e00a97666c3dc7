"""The routes that are always open (§4.6): the organisation's wording, with its phone numbers
and email addresses made into tap-to-call and tap-to-email links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digits, or digits in brackets, each group apart by at most one space or dash, perhaps after
# a +: a phone number when it holds 9 to 15 digits (a UK number has 10 or 11; 999 and 111 are
# too short to tell from other numbers).
PHONE = re.compile(r"(?<![\w+])\+?(?:\(\d+\)|\d)(?:[ \-]?(?:\(\d+\)|\d))+(?![\w@])")


def tel_href(number: str) -> str:
    """``tel:`` and the number's digits, keeping a leading + for an international number."""
    international = number.lstrip().startswith("+")
    if international:  # +44 (0)161 …: the trunk 0 is not dialled from abroad
        number = number.replace("(0)", "")
    digits = re.sub(r"\D", "", number)
    return f"tel:{'+' if international else ''}{digits}"


def _phones(text: str) -> Markup:
    out, last = Markup(""), 0
    for match in PHONE.finditer(text):
        number = match.group(0)
        if not 9 <= sum(ch.isdigit() for ch in number) <= 15:
            continue
        start = match.start()
        out += escape(text[last:start])
        out += Markup('<a href="{}" dir="ltr">{}</a>').format(tel_href(number), number)
        last = start + len(number)
    return out + escape(text[last:])


def breakable(address: str) -> Markup:
    """``address`` escaped, with a line-break opportunity (``<wbr>``) after its "@" and after
    each dot: a long email address wraps at those points on a narrow screen, not mid-word."""
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=[@.])", address) if part)


def contact_links(text: str | None) -> Markup:
    """``text`` escaped, with each email address a ``mailto:`` link (its text
    :func:`breakable`) and each phone number a ``tel:`` link (digits only, a leading + kept)."""
    return _linked(str(text or ""))


@lru_cache(maxsize=1024)
def _linked(text: str) -> Markup:
    """:func:`contact_links` of a plain string, worked out once per process for each text
    (the organisation's wording is the same on every page)."""
    out, last = Markup(""), 0
    for match in EMAIL.finditer(text):
        out += _phones(text[last : match.start()])
        address = match.group(0).rstrip(".")
        out += Markup('<a href="mailto:{}" dir="ltr">{}</a>').format(address, breakable(address))
        last = match.start() + len(address)
    return out + _phones(text[last:])


@dataclass(frozen=True)
class AlwaysOpen:
    """How to make a complaint and how to report an emergency repair or safety issue."""

    complaints: str
    emergency: str

    def __iter__(self):
        return iter(line for line in (self.complaints, self.emergency) if line.strip())
