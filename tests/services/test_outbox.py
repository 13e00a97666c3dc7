"""The email outbox: queued with the change, sent over real SMTP, kept through an outage."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import func, select

from portal import db
from portal.outbox import services as outbox
from portal.outbox.models import EmailStatus, OutboxEmail


class Collector(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


class RefuseOne:
    """Accepts every recipient except refused@… (a permanent 550)."""

    def __init__(self):
        self.delivered = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.delivered.extend(envelope.rcpt_tos)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port():
    return _free_port()


def _settings(port: int) -> outbox.SmtpSettings:
    return outbox.SmtpSettings(host="127.0.0.1", port=port, sender="portal@test.example", timeout=3)


def _server(handler, port):
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def test_queued_email_is_sent_over_smtp(app, clock, smtp_port):
    outbox.enqueue("customer@test.example", "Your appeal", "We have your appeal.", clock.now)
    db.session.commit()
    handler = Collector()
    server = _server(handler, smtp_port)
    try:
        report = outbox.send_due(_settings(smtp_port), clock.now)
    finally:
        server.stop()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [message] = handler.messages
    assert message["To"] == "customer@test.example"
    assert message["Subject"] == "Your appeal"
    assert "We have your appeal." in message.get_payload()
    email = db.session.scalar(select(OutboxEmail))
    assert email.status == EmailStatus.SENT and email.sent_at == clock.now


def test_email_survives_an_smtp_outage_and_is_sent_when_the_server_is_back(app, clock, smtp_port):
    outbox.enqueue("a@test.example", "One", "First", clock.now)
    outbox.enqueue("b@test.example", "Two", "Second", clock.now)
    db.session.commit()

    # Nothing listens on the port: the server is down.
    report = outbox.send_due(_settings(smtp_port), clock.now)
    assert (report.sent, report.retrying) == (0, 2)
    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert all(e.status == EmailStatus.PENDING and e.attempts == 1 for e in emails)
    assert all("unavailable" in e.last_error for e in emails)
    assert all(e.next_attempt_at == clock.now + timedelta(minutes=1) for e in emails)

    handler = Collector()
    server = _server(handler, smtp_port)
    try:
        # Before the retry time nothing is attempted, even with the server back.
        early = outbox.send_due(_settings(smtp_port), clock.now + timedelta(seconds=59))
        assert (early.sent, early.retrying) == (0, 0)
        later = outbox.send_due(_settings(smtp_port), clock.now + timedelta(minutes=1))
    finally:
        server.stop()
    assert later.sent == 2
    assert sorted(m["To"] for m in handler.messages) == ["a@test.example", "b@test.example"]
    assert (
        db.session.scalar(select(func.count()).where(OutboxEmail.status == EmailStatus.SENT)) == 2
    )


def test_a_refused_address_is_retried_then_given_up_without_blocking_others(app, clock, smtp_port):
    outbox.enqueue("refused@test.example", "Bad", "x", clock.now)
    outbox.enqueue("fine@test.example", "Good", "y", clock.now)
    db.session.commit()
    handler = RefuseOne()
    server = _server(handler, smtp_port)
    try:
        first = outbox.send_due(_settings(smtp_port), clock.now)
        assert (first.sent, first.retrying) == (1, 1)
        assert handler.delivered == ["fine@test.example"]
        bad = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.to_address == "refused@test.example")
        )
        now = clock.now
        while bad.status == EmailStatus.PENDING:
            now = bad.next_attempt_at
            outbox.send_due(_settings(smtp_port), now)
    finally:
        server.stop()
    assert bad.status == EmailStatus.FAILED
    assert bad.attempts == outbox.MAX_ATTEMPTS
    assert "550" in bad.last_error


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (5, timedelta(minutes=16)),
        (9, timedelta(minutes=256)),
        (10, timedelta(hours=6)),
        (19, timedelta(hours=6)),
    ],
)
def test_retry_waits_double_up_to_six_hours(attempts, wait):
    assert outbox.retry_delay(attempts) == wait


def test_the_same_reminder_is_queued_once(app, clock):
    assert outbox.enqueue("a@test.example", "Due soon", "x", clock.now, dedupe_key="appeal:1:ack")
    assert (
        outbox.enqueue("a@test.example", "Due soon", "x", clock.now, dedupe_key="appeal:1:ack")
        is None
    )
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 1


def test_send_email_command_reports_and_exits_non_zero_while_mail_waits(
    app, clock, runner, smtp_port
):
    outbox.enqueue("a@test.example", "One", "First", clock.now)
    db.session.commit()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port)
    down = runner.invoke(args=["send-email"])
    assert down.exit_code == 1
    assert "Sent 0; 1 to try again later" in down.output
    clock.now += timedelta(minutes=2)
    server = _server(Collector(), smtp_port)
    try:
        up = runner.invoke(args=["send-email"])
    finally:
        server.stop()
    assert up.exit_code == 0, up.output
    assert "Sent 1;" in up.output


def test_send_email_help_says_what_it_does(runner):
    result = runner.invoke(args=["send-email", "--help"])
    assert result.exit_code == 0
    assert "outbox" in result.output and "--every" in result.output
