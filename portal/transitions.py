"""Guarded transitions: one decision per step, however many people act at the same moment.

Each model declares its moves as data (``TRANSITIONS = Transitions(...)``: from-state →
to-states). A step calls :func:`move` inside the request's transaction. The row is locked and
read again (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite a write request holds the
database's write lock from its first statement, see :mod:`portal.db`), the state and the step's
rule are checked again under the lock, and the row is moved with a conditional
``UPDATE … WHERE id = :id AND status = :seen`` whose row count is checked as well, so a second
writer can never move it twice whatever the database's locking. Whoever comes second gets a
:class:`~portal.errors.Conflict` that says what happened, by whom and when.

A step that creates something (a letter, an acknowledgement) calls :func:`lock` before it
creates anything, and :func:`move` after, so the second attempt creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import db
from portal.errors import Conflict, Problem


class Transitions:
    """A model's allowed moves, and where the audit trail records who made each one.

    ``moves`` maps each state to the states it may move to (a state may move to itself where a
    step adds to a record without changing its state, such as a letter for a restriction
    already in force). ``entity`` is the record's type in the audit trail and ``reached_by``
    the audit action that records a move into each state, so a conflict can say who and when;
    ``said`` what to tell someone who comes second, for each state: a
    :class:`~portal.errors.Problem` (a stable code and a translatable message).
    """

    def __init__(
        self,
        moves: Mapping[Enum, Iterable[Enum]],
        entity: str,
        reached_by: Mapping[Enum, str] | None = None,
        said: Mapping[Enum, Problem] | None = None,
        column: str = "status",
    ):
        self.moves = {source: frozenset(targets) for source, targets in moves.items()}
        self.entity = entity
        self.reached_by = dict(reached_by or {})
        self.said = dict(said or {})
        self.column = column

    def allowed(self, source: Enum, target: Enum) -> bool:
        return target in self.moves.get(source, ())

    def sources(self, target: Enum) -> tuple[Enum, ...]:
        """The states from which a record may move to ``target``."""
        return tuple(source for source, targets in self.moves.items() if target in targets)

    def targets(self, source: Enum) -> frozenset[Enum]:
        """The states a record in ``source`` may move to (for pages that offer the steps)."""
        return self.moves.get(source, frozenset())

    def conflict(self, record) -> Conflict:
        """The Conflict to raise about ``record``: its state now, and who moved it there when."""
        state = getattr(record, self.column)
        action = self.reached_by.get(state)
        by, at = last_event(self.entity, record.id, action) if action else (None, None)
        return Conflict(state.title, by=by, at=at, message=self.said.get(state))


def last_event(entity: str, entity_id: int, action: str) -> tuple[str | None, datetime | None]:
    """Who last did ``action`` to the record, and when, from the audit trail."""
    from portal.audit.models import AuditEvent

    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == entity,
            AuditEvent.entity_id == entity_id,
            AuditEvent.action == action,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return None, None
    # The trail keeps "Name <address>": the page names the person.
    return event.actor_label.split(" <", 1)[0], event.at


def _table(record) -> Transitions:
    return type(record).TRANSITIONS


def lock(record, expect: Iterable[Enum] | None = None, rule: Callable | None = None) -> Enum:
    """Lock ``record``'s row until the transaction ends, read it again, and check it is still
    in one of the ``expect`` states and that ``rule(record)`` (which raises) still holds.

    Call it before changing the record: reading it again drops changes not yet flushed.
    Returns the state.

    :raises Conflict: if the record has moved on from the states expected.
    """
    # The working calendar before the row: a closure day's recompute holds the calendar and
    # the audit trail's lock, then moves the dates on rows like this one. A step holding the
    # row and waiting for the audit trail would deadlock with it; it waits here instead.
    from portal.workdays.services import hold_calendar

    hold_calendar()
    table = _table(record)
    db.session.refresh(record, with_for_update={"of": type(record)})
    state = getattr(record, table.column)
    if expect is not None and state not in tuple(expect):
        raise table.conflict(record)
    if rule is not None:
        rule(record)
    return state


def move(
    record,
    target: Enum,
    rule: Callable | None = None,
    where: Iterable = (),
    values: Mapping | None = None,
) -> Enum:
    """Move ``record`` to ``target`` from the state it is in, if the table allows it, setting
    ``values`` in the same conditional UPDATE; ``where`` adds conditions the row must still
    meet. Returns the state moved from.

    :raises Conflict: if the record is no longer in a state that may move to ``target``, or
        someone else moved it between the check and the update.
    :raises ValueError: if the table has no move to ``target`` at all (a programming error).
    """
    table = _table(record)
    sources = table.sources(target)
    if not sources:
        raise ValueError(f"{type(record).__name__} has no move to {target!r}")
    seen = lock(record, expect=sources, rule=rule)
    model = type(record)
    values = dict(values or {})
    result = db.session.execute(
        update(model)
        .where(model.id == record.id, getattr(model, table.column) == seen, *where)
        .values({table.column: target, **values})
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(record)
        raise table.conflict(record)
    set_committed_value(record, table.column, target)
    for name, value in values.items():
        set_committed_value(record, name, value)
    return seen
