"""Many cases on one copy of a fixture world, each failure still named.

Restoring the ``world`` (tests/web/conftest.py) costs more than most checks made in it. Where
the checks of a matrix change nothing the next one depends on (a refused request, a page read),
one test runs them all in turn and reports every case that failed, not only the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def every(cases: Iterable[T], check: Callable[[T], None]) -> None:
    """Run ``check`` on each case; fail once at the end, naming each case that failed."""
    failures = []
    for case in cases:
        try:
            check(case)
        except AssertionError as error:
            failures.append(f"{case!r}: {error}")
    assert not failures, f"{len(failures)} failed:\n\n" + "\n\n".join(failures)
