"""Several senders at once: each email is claimed before it is sent, so it goes once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.outbox import services as outbox
from portal.outbox.models import EmailStatus, OutboxEmail
from tests.services.test_outbox import Collector, _free_port, _serving, _settings


@pytest.fixture
def smtp_port():
    return _free_port()


class SlowCollector(Collector):
    """Takes a moment over each email, as a real server does, so senders overlap."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.005)
        return await super().handle_DATA(server, session, envelope)


def _queue(count: int, now) -> None:
    for n in range(count):
        outbox.enqueue(f"tenant{n}@test.example", f"Letter {n}", "Read it in the portal.", now)
    db.session.commit()


def _in_threads(app, count: int, work) -> list:
    """Run ``work(n)`` in ``count`` threads started together; return their results (or raise
    the first error)."""
    start = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(n):
        with app.app_context():
            try:
                start.wait()
                results[n] = work(n)
            except BaseException as exc:  # reported in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def _sent_ids(handler) -> Counter:
    return Counter(message["Message-ID"] for message in handler.messages)


@pytest.mark.parametrize("senders", [2, 4])
def test_senders_at_once_deliver_every_email_exactly_once(app, clock, smtp_port, senders):
    _queue(30, clock.now)
    handler = SlowCollector()

    def send_until_none_left(n):
        sent = 0
        while True:
            report = outbox.send_due(_settings(smtp_port), clock.now, limit=4)
            if report.sent == 0:
                return sent
            sent += report.sent

    with _serving(handler, smtp_port):
        shares = _in_threads(app, senders, send_until_none_left)

    received = _sent_ids(handler)
    assert len(received) == 30 and set(received.values()) == {1}, received.most_common(3)
    assert sum(shares) == 30
    assert (
        db.session.scalar(select(func.count()).where(OutboxEmail.status == EmailStatus.SENT)) == 30
    )
    assert db.session.scalar(select(func.count()).where(OutboxEmail.claimed_by.is_not(None))) == 0


def test_a_dead_senders_claim_is_taken_up_once_its_lease_runs_out(app, clock, smtp_port):
    _queue(30, clock.now)
    # A sender claims ten emails and dies before sending any of them.
    dead = outbox.claim_due("dead-sender", clock.now, limit=10)
    assert len(dead) == 10
    handler = Collector()
    with _serving(handler, smtp_port):
        meanwhile = outbox.send_due(_settings(smtp_port), clock.now + timedelta(minutes=1))
        assert meanwhile.sent == 20  # the other twenty; the dead sender's wait
        before = outbox.send_due(
            _settings(smtp_port), clock.now + outbox.CLAIM_LEASE - timedelta(seconds=1)
        )
        assert before.sent == 0
        after = outbox.send_due(_settings(smtp_port), clock.now + outbox.CLAIM_LEASE)
        assert after.sent == 0, "the lease holds up to and including its last moment"
        later = outbox.send_due(
            _settings(smtp_port), clock.now + outbox.CLAIM_LEASE + timedelta(seconds=1)
        )
    assert later.sent == 10
    received = _sent_ids(handler)
    assert len(received) == 30 and set(received.values()) == {1}


def test_a_sender_whose_claim_lapsed_and_was_taken_sends_nothing_of_it(app, clock, smtp_port):
    """A sender slowed down past its lease renews each claim before sending: one another
    sender has taken in the meantime is left to that sender."""
    _queue(3, clock.now)
    later = clock.now + outbox.CLAIM_LEASE + timedelta(minutes=1)
    taken: list = []

    def slow_clock():
        if not taken:  # while the first sender stalls, another claims the lapsed emails
            taken.extend(_in_threads(app, 1, lambda _n: len(outbox.claim_due("other", later))))
        return later

    handler = Collector()
    with _serving(handler, smtp_port):
        first = outbox.send_due(_settings(smtp_port), clock.now, clock=slow_clock)
        assert (first.sent, taken) == (0, [3])
        second = outbox.send_due(_settings(smtp_port), later, sender="other")
    assert second.sent == 3
    assert len(_sent_ids(handler)) == 3 and set(_sent_ids(handler).values()) == {1}


def test_a_sender_that_fails_mid_batch_gives_back_what_it_had_not_sent(app, clock, smtp_port):
    _queue(3, clock.now)
    calls: list = []

    def failing_clock():
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("something broke between two emails")
        return clock.now

    handler = Collector()
    with _serving(handler, smtp_port):
        with pytest.raises(RuntimeError):
            outbox.send_due(_settings(smtp_port), clock.now, clock=failing_clock)
        assert len(handler.messages) == 1
        emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
        assert [e.status for e in emails] == [EmailStatus.SENT] + [EmailStatus.PENDING] * 2
        assert all(e.claimed_by is None and e.claimed_until is None for e in emails)
        # Nothing waits for a lease: the next run sends the other two at once.
        assert outbox.send_due(_settings(smtp_port), clock.now).sent == 2
    assert len(_sent_ids(handler)) == 3 and set(_sent_ids(handler).values()) == {1}
