"""The Panel's review of a report (§7.2) and the warning it leads to (§8.7), sent by several
Panel members at the same instant: one review, one warning, one letter."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.conduct_warnings.models import ConductWarning
from portal.letters.models import Letter, LetterKind
from portal.panel.models import PanelReview
from tests.concurrency.conftest import N, committed, one_winner, prepared, race
from tests.web.forms import review_form

pytestmark = pytest.mark.concurrency


@pytest.fixture
def incident(live, make_customer, make_incident):
    return make_incident(make_customer())


@pytest.fixture
def panel(make_staff, signed_in):
    return [signed_in(make_staff(Role.PANEL, name=f"Pat Panel {n}")) for n in range(N)]


@pytest.mark.policy("7.2")
def test_one_review_however_many_record_it_at_once(incident, panel):
    url = f"/staff/incidents/{incident.id}/review"
    forms = [
        {**review_form(reasons=f"Reasons of member {n}."), "action": "record"} for n in range(N)
    ]
    answers = race([prepared(b, url, f) for b, f in zip(panel, forms, strict=True)])
    winner, _losers = one_winner(answers)
    assert committed(PanelReview) == 1
    assert committed(AuditEvent, AuditEvent.action == "incident.reviewed") == 1
    for answer, form in zip(answers, forms, strict=True):
        if answer is not winner:
            assert "This incident has already been reviewed" in answer.text
            assert "Pat Panel" in answer.text
            assert form["reasons"] in answer.text


@pytest.mark.policy("8.7")
def test_one_warning_however_many_issue_it_at_once(incident, panel, review_incident, clock):
    review_incident(incident, clock.now)
    url = f"/staff/incidents/{incident.id}/warning"
    answers = race([prepared(b, url, {"delivery": "hand"}) for b in panel])
    one_winner(answers)
    assert committed(ConductWarning) == 1
    assert committed(ConductWarning, ConductWarning.delivery == "hand") == 1
    assert committed(Letter, Letter.kind == LetterKind.WARNING) == 1
    for answer in answers:
        if answer.status == 409:
            assert "A warning has already been issued for this incident" in answer.text


@pytest.mark.policy("8.9")
def test_live_previews_at_once_all_show_the_letter_and_write_nothing(incident, panel, _schema):
    """Live previews draft the letter after a review that is never kept: several at once
    (the Panel typing together, htmx firing) each get their preview, and not one statement
    the previews send writes to the database."""
    url = f"/staff/incidents/{incident.id}/review"
    forms = [{**review_form(reasons=f"Draft {n}."), "action": "preview"} for n in range(N)]
    sends = [prepared(b, url, f) for b, f in zip(panel, forms, strict=True)]
    sent: list[str] = []

    def _note(_conn, _cursor, statement, *_args):
        sent.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(_schema, "before_cursor_execute", _note)
    try:
        answers = race(sends)
    finally:
        event.remove(_schema, "before_cursor_execute", _note)
    assert "SELECT" in sent
    assert not {"INSERT", "UPDATE", "DELETE", "SAVEPOINT"} & set(sent), sorted(set(sent))
    assert [a.status for a in answers] == [200] * N
    assert all('id="warning-preview"' in a.text and "Dear" in a.text for a in answers)
    assert committed(PanelReview) == 0
    assert committed(Letter) == 0
    assert committed(AuditEvent, AuditEvent.action == "incident.reviewed") == 0
