"""Numbered pages of a list: which page the address asks for, and where it sits in the whole.

Any ``?page=`` value is read safely: words, zero, negative numbers and numbers too large for
the database all become a page that exists, so a hand-typed address never fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

PAGE_LIMIT = 1_000_000


def page_arg(name: str = "page") -> int:
    """The page number the address asks for under ``name``: 1 when missing or not a number."""
    value = request.args.get(name, "").strip()
    if not value.isdecimal():
        return 1
    if len(value.lstrip("0")) > len(str(PAGE_LIMIT)):
        return PAGE_LIMIT
    return max(1, min(int(value), PAGE_LIMIT))


@dataclass(frozen=True)
class Page:
    """Page ``number`` of ``pages``, ``size`` rows each, of ``total`` rows in all."""

    number: int
    size: int
    total: int

    @classmethod
    def of(cls, asked: int, size: int, total: int) -> Page:
        """The page asked for, moved to the last page when the list is shorter than that."""
        pages = max(1, -(-total // size))
        return cls(max(1, min(asked, pages)), size, total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first row; 0 for an empty list."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.size)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages
