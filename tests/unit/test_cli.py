"""The command-line tools behave as their --help says."""

from __future__ import annotations

from sqlalchemy import func, select, text

from portal import db
from portal.auth.models import Role, User
from portal.customers.models import Customer


def test_demo_data_loads_once_and_prints_a_sign_in_for_every_role(runner):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    for role in Role:
        assert str(role.title) in first.output
    customers = db.session.scalar(select(func.count(Customer.id)))
    assert customers >= 12

    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0
    assert "already there" in second.output
    assert db.session.scalar(select(func.count(Customer.id))) == customers
    assert db.session.scalar(select(func.count(User.id))) == len(Role) + 1  # two Panel members


def test_verify_audit_reports_intact_then_broken(runner):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    ok = runner.invoke(args=["verify-audit"])
    assert ok.exit_code == 0 and "intact" in ok.output

    third = db.session.scalar(text("SELECT id FROM audit_event ORDER BY id LIMIT 1 OFFSET 2"))
    db.session.execute(
        text("UPDATE audit_event SET summary = 'rewritten' WHERE id = :id"), {"id": third}
    )
    db.session.commit()
    broken = runner.invoke(args=["verify-audit"])
    assert broken.exit_code == 1
    assert f"Event {third}: its content does not match its hash" in broken.output


def test_translate_group_lists_its_commands(runner):
    result = runner.invoke(args=["translate", "--help"])
    assert result.exit_code == 0
    for command in ("extract", "init", "update", "compile"):
        assert command in result.output
