"""The audit trail under ordinary concurrent reads: Panel members searching the register at
the same instant each write a "register.viewed" event, and the chain stays one chain."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.audit.verify import find_breaks
from portal.auth.models import Role
from tests.concurrency.conftest import N, race

pytestmark = pytest.mark.concurrency

ROUNDS = 20


def _fresh_count(*where) -> int:
    db.session.rollback()  # a fresh read: what the server committed
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditEvent.id)).where(*where))


def test_panel_searching_the_register_at_once_keeps_one_chain(live, make_staff, signed_in):
    panel = [signed_in(make_staff(Role.PANEL, name=f"Pat Panel {n}")) for n in range(N)]
    before = _fresh_count(AuditEvent.action == "register.viewed")

    for round_ in range(ROUNDS):
        answers = race(
            [
                lambda b=b, q=f"r{round_}p{n}": b.get(f"/staff/register?q={q}")
                for n, b in enumerate(panel)
            ]
        )
        assert [a.status for a in answers] == [200] * N, [a.text[:300] for a in answers]

    viewed = _fresh_count(AuditEvent.action == "register.viewed")
    assert viewed - before == ROUNDS * N
    assert find_breaks() == []
    links = db.session.scalars(select(AuditEvent.prev_hash)).all()
    assert len(links) == len(set(links))  # no two events follow the same one
