"""A string enum whose members carry a translatable title."""

from __future__ import annotations

import enum


class TitledEnum(enum.StrEnum):
    """String enum with a human title for each member (override ``titles``)."""

    @classmethod
    def titles(cls) -> dict:
        return {}

    @property
    def title(self) -> str:
        return str(self.titles().get(self, self.value.replace("_", " ").capitalize()))

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.title) for m in cls]
