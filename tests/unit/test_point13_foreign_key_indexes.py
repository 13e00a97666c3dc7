"""Every foreign-key column leads an index, a unique constraint or the primary key, so a page
that reads rows by it (or a delete that checks what points at a row) never scans the table."""

from __future__ import annotations

import sqlalchemy as sa

import portal
from portal import db


def leading_columns(table: sa.Table) -> set[str]:
    """The columns that come first in some index, unique constraint or the primary key."""
    groups = [list(table.primary_key.columns)]
    groups += [list(c.columns) for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
    groups += [list(index.columns) for index in table.indexes]
    groups += [[column] for column in table.columns if column.unique or column.index]
    return {group[0].name for group in groups if group}


def unindexed_foreign_keys(metadata: sa.MetaData) -> set[str]:
    """``table.column`` for each foreign-key column that leads nothing."""
    return {
        f"{table.name}.{key.parent.name}"
        for table in metadata.tables.values()
        for key in table.foreign_keys
        if key.parent.name not in leading_columns(table)
    }


def test_point13_every_foreign_key_column_leads_an_index():
    portal._import_models()
    assert unindexed_foreign_keys(db.Base.metadata) == set()


def test_point13_the_check_finds_a_foreign_key_without_an_index():
    metadata = sa.MetaData()
    sa.Table("person", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "note",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.ForeignKey("person.id")),
        sa.Column("reader_id", sa.ForeignKey("person.id"), index=True),
        sa.Column("owner_id", sa.ForeignKey("person.id")),
        sa.Column("editor_id", sa.ForeignKey("person.id")),
        sa.Column("written_at", sa.DateTime),
        sa.Index("ix_note_written_owner", "written_at", "owner_id"),
        sa.Index("ix_note_editor_written", "editor_id", "written_at"),
    )
    # owner_id is only the second column of an index, which does not serve a lookup by it.
    assert unindexed_foreign_keys(metadata) == {"note.author_id", "note.owner_id"}
