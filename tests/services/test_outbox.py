"""The email outbox: queued with the change, sent over real SMTP, kept through an outage."""

from __future__ import annotations

import smtplib
import socket
from contextlib import contextmanager
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

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


@contextmanager
def _serving(handler, port):
    """A real SMTP server on ``port`` with ``handler`` until the block ends."""
    server = _server(handler, port)
    try:
        yield handler
    finally:
        server.stop()


def test_queued_email_is_sent_over_smtp(app, clock, smtp_port):
    outbox.enqueue("customer@test.example", "Your appeal", "We have your appeal.", clock.now)
    db.session.commit()
    handler = Collector()
    with _serving(handler, smtp_port):
        report = outbox.send_due(_settings(smtp_port), clock.now)
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
    assert (report.sent, report.retrying, report.waiting) == (0, 2, 2)
    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert all(e.status == EmailStatus.PENDING and e.rejections == 0 for e in emails)
    assert all("unavailable" in e.last_error for e in emails)
    assert all(e.next_attempt_at == clock.now + timedelta(minutes=1) for e in emails)

    handler = Collector()
    with _serving(handler, smtp_port):
        # Before the retry time nothing is attempted, even with the server back.
        early = outbox.send_due(_settings(smtp_port), clock.now + timedelta(seconds=59))
        assert (early.sent, early.retrying, early.waiting) == (0, 0, 2)
        later = outbox.send_due(_settings(smtp_port), clock.now + timedelta(minutes=1))
    assert (later.sent, later.waiting) == (2, 0)
    assert sorted(m["To"] for m in handler.messages) == ["a@test.example", "b@test.example"]
    assert (
        db.session.scalar(select(func.count()).where(OutboxEmail.status == EmailStatus.SENT)) == 2
    )


class TryLater:
    """A server that is up but answers every recipient "451 try again later" (temporary)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "451 4.3.0 Mailbox busy, try again later"


@contextmanager
def _hanging(port: int):
    """A port that takes the connection but never greets: the client times out."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(16)
    try:
        yield
    finally:
        sock.close()


def test_a_five_day_outage_never_gives_up_and_the_email_goes_when_the_server_is_back(
    app, clock, smtp_port
):
    """Refused connections, timeouts and 4xx answers for five days: far more tries than
    MAX_REJECTIONS, none of them counted, never more than 6 hours apart."""
    start = clock.now
    outbox.enqueue("tenant@test.example", "Your letter", "Read it in the portal.", start)
    db.session.commit()
    email = db.session.scalar(select(OutboxEmail))
    settings = outbox.SmtpSettings(
        host="127.0.0.1", port=smtp_port, sender="portal@test.example", timeout=0.3
    )
    tries: list = []
    kinds: set[str] = set()

    def cron_until(end, kind):
        # `send-email` from cron every 10 minutes: it tries only what is due.
        now = start + timedelta(minutes=10) * len(runs)
        while now < end:
            runs.append(now)
            due = email.next_attempt_at <= now
            report = outbox.send_due(settings, now)
            if due:
                tries.append(now)
                kinds.add(kind)
                assert (report.sent, report.retrying, report.failed) == (0, 1, 0), kind
            assert report.waiting == 1
            now = start + timedelta(minutes=10) * len(runs)

    runs: list = []
    cron_until(start + timedelta(days=2), "down")  # nothing listening: connection refused
    assert "unavailable" in email.last_error
    with _hanging(smtp_port):
        cron_until(start + timedelta(days=3), "timeout")
    assert "unavailable" in email.last_error and "timed out" in email.last_error
    busy = _server(TryLater(), smtp_port)
    try:
        cron_until(start + timedelta(days=5), "451")
    finally:
        busy.stop()
    assert "451" in email.last_error

    assert kinds == {"down", "timeout", "451"}
    assert len(tries) > outbox.MAX_REJECTIONS
    assert email.status == EmailStatus.PENDING and email.rejections == 0
    gaps = [later - earlier for earlier, later in zip(tries, tries[1:], strict=False)]
    assert max(gaps) <= outbox.LONGEST_RETRY + timedelta(minutes=10)
    assert gaps[0] <= timedelta(minutes=10), "the first retry is soon, not hours later"

    handler = Collector()
    with _serving(handler, smtp_port):
        back = outbox.send_due(settings, email.next_attempt_at)
    assert (back.sent, back.waiting) == (1, 0)
    assert [m["To"] for m in handler.messages] == ["tenant@test.example"]
    assert email.status == EmailStatus.SENT and email.last_error == ""


def test_a_refused_address_is_retried_then_given_up_without_blocking_others(app, clock, smtp_port):
    outbox.enqueue("refused@test.example", "Bad", "x", clock.now)
    outbox.enqueue("fine@test.example", "Good", "y", clock.now)
    db.session.commit()
    handler = RefuseOne()
    with _serving(handler, smtp_port):
        first = outbox.send_due(_settings(smtp_port), clock.now)
        assert (first.sent, first.retrying) == (1, 1)
        assert handler.delivered == ["fine@test.example"]
        bad = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.to_address == "refused@test.example")
        )
        assert (bad.status, bad.rejections) == (EmailStatus.PENDING, 1)
        now, tries = clock.now, 1
        while bad.status == EmailStatus.PENDING:
            now = bad.next_attempt_at
            outbox.send_due(_settings(smtp_port), now)
            tries += 1
    assert bad.status == EmailStatus.FAILED
    assert bad.rejections == tries == outbox.MAX_REJECTIONS
    assert "550 No such user" in bad.last_error


def test_an_outage_does_not_use_up_the_refusals_of_an_address_refused_afterwards(
    app, clock, smtp_port
):
    outbox.enqueue("refused@test.example", "Bad", "x", clock.now)
    db.session.commit()
    email = db.session.scalar(select(OutboxEmail))
    now = clock.now
    for _ in range(outbox.MAX_REJECTIONS + 5):  # down for days
        outbox.send_due(_settings(smtp_port), now)
        now = email.next_attempt_at
    assert now - clock.now > timedelta(days=3)
    with _serving(RefuseOne(), smtp_port):
        report = outbox.send_due(_settings(smtp_port), now)
    assert (report.retrying, report.failed) == (1, 0)
    assert (email.status, email.rejections) == (EmailStatus.PENDING, 1)
    assert email.next_attempt_at - now == outbox.LONGEST_RETRY


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"No such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x": (451, b"Try later")}), False),
        (smtplib.SMTPRecipientsRefused({}), True),
        (smtplib.SMTPDataError(554, b"Message rejected"), True),
        (smtplib.SMTPDataError(452, b"Insufficient storage"), False),
        (smtplib.SMTPSenderRefused(552, b"Message too big", "portal@x"), True),
        (smtplib.SMTPSenderRefused(530, b"Authentication required", "portal@x"), False),
        (smtplib.SMTPSenderRefused(421, b"Closing", "portal@x"), False),
        (smtplib.SMTPAuthenticationError(535, b"Bad password"), False),
        (smtplib.SMTPConnectError(554, b"No service"), False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (TimeoutError("timed out"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
    ],
)
def test_only_a_refusal_of_the_email_itself_is_permanent(error, permanent):
    assert outbox.is_permanent(error) is permanent


def test_an_email_no_server_could_take_is_given_up_at_once_and_others_still_go(
    app, clock, smtp_port
):
    outbox.enqueue("bad@test.example", "Line\nbreak", "x", clock.now)
    outbox.enqueue("fine@test.example", "Good", "y", clock.now)
    db.session.commit()
    handler = Collector()
    with _serving(handler, smtp_port):
        report = outbox.send_due(_settings(smtp_port), clock.now)
    assert (report.sent, report.failed) == (1, 1)
    assert [m["To"] for m in handler.messages] == ["fine@test.example"]


@pytest.mark.parametrize(
    ("waited", "wait"),
    [
        (timedelta(0), timedelta(minutes=1)),
        (timedelta(minutes=1), timedelta(minutes=1)),
        (timedelta(minutes=2), timedelta(minutes=2)),
        (timedelta(minutes=16), timedelta(minutes=16)),
        (timedelta(minutes=256), timedelta(minutes=256)),
        (timedelta(hours=6, minutes=1), timedelta(hours=6)),
        (timedelta(days=5), timedelta(hours=6)),
    ],
)
def test_retry_waits_as_long_again_up_to_six_hours(waited, wait):
    assert outbox.retry_delay(waited) == wait


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
    assert "Sent 0; 1 to try again later; 0 given up." in down.output
    # A run before the retry is due tries nothing, but the email still waits after a failure.
    clock.now += timedelta(seconds=30)
    between = runner.invoke(args=["send-email"])
    assert between.exit_code == 1
    assert "Sent 0; 1 to try again later" in between.output
    clock.now += timedelta(minutes=2)
    with _serving(Collector(), smtp_port):
        up = runner.invoke(args=["send-email"])
    assert up.exit_code == 0, up.output
    assert "Sent 1; 0 to try again later; 0 given up." in up.output


def test_send_email_every_outlives_a_database_error_and_a_mail_server_outage(
    app, clock, runner, smtp_port, monkeypatch
):
    """`send-email --every 60` keeps going: a failed run is reported and the next one tries."""
    outbox.enqueue("a@test.example", "One", "First", clock.now)
    db.session.commit()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port)
    real_send_due = outbox.send_due
    runs = []

    def send_due(*args, **kwargs):
        runs.append(clock.now)
        if len(runs) == 1:
            raise OperationalError("SELECT", {}, Exception("the database went away"))
        return real_send_due(*args, **kwargs)

    handler = Collector()
    servers = []

    def sleep(seconds):
        assert seconds == 60
        if len(runs) == 2:  # the mail server comes back after the second run
            servers.append(_server(handler, smtp_port))
        if len(runs) == 3:
            raise SystemExit(99)  # stands for stopping the process
        clock.now += timedelta(seconds=seconds)

    monkeypatch.setattr(outbox, "send_due", send_due)
    monkeypatch.setattr("time.sleep", sleep)
    try:
        result = runner.invoke(args=["send-email", "--every", "60"])
    finally:
        for server in servers:
            server.stop()
    assert result.exit_code == 99, result.output
    assert len(runs) == 3
    assert "Could not send email" in result.output and "the database went away" in result.output
    assert "Sent 0; 1 to try again later; 0 given up." in result.output  # server down
    assert "Sent 1; 0 to try again later; 0 given up." in result.output  # server back
    assert [m["To"] for m in handler.messages] == ["a@test.example"]


def test_send_email_once_exits_non_zero_on_a_database_error(app, runner, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("the database went away"))

    monkeypatch.setattr(outbox, "send_due", broken)
    result = runner.invoke(args=["send-email"])
    assert result.exit_code == 1
    assert isinstance(result.exception, OperationalError)


def test_send_email_help_says_what_it_does(runner):
    result = runner.invoke(args=["send-email", "--help"])
    assert result.exit_code == 0
    assert "outbox" in result.output and "--every" in result.output
