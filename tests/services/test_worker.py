"""`flask worker`: email sent each pass, each daily job once a day however many workers run."""

from __future__ import annotations

import os
import signal
import threading
import time as clock_time
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import db, worker
from portal.outbox import services as outbox
from portal.outbox.models import EmailStatus, OutboxEmail
from portal.scheduling.models import ScheduledRun
from portal.scheduling.services import DailyJob, Outcome, run_daily
from tests.services.test_outbox import Collector, _free_port, _serving
from tests.services.test_outbox_claims import _in_threads

SEVEN = time(7, 0)
# Monday 23 November 2026 (GMT: London time is UTC).
MONDAY_0659 = datetime(2026, 11, 23, 6, 59, tzinfo=UTC)
MONDAY_0700 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture
def smtp_port(app):
    port = _free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="portal@test.example")
    return port


class CountingJob:
    """A daily job that queues one email and counts its runs (slowly, so workers overlap)."""

    def __init__(self, pause: float = 0.0):
        self.runs: list[datetime] = []
        self.pause = pause
        self._lock = threading.Lock()

    def __call__(self, now: datetime) -> str:
        with self._lock:
            self.runs.append(now)
        outbox.enqueue("cem@test.example", "Daily", "x", now, dedupe_key=f"daily:{now:%F}")
        clock_time.sleep(self.pause)
        return "queued 1 email"


def _runs() -> list[tuple[str, str]]:
    rows = db.session.execute(select(ScheduledRun.job, ScheduledRun.day).order_by(ScheduledRun.id))
    return [(job, day.isoformat()) for job, day in rows]


def test_a_daily_job_waits_for_its_london_time(app):
    job = CountingJob()
    daily = DailyJob("daily", job)
    assert run_daily(daily, MONDAY_0659, SEVEN, "w1")[0] == Outcome.NOT_YET
    assert job.runs == [] and _runs() == []
    assert run_daily(daily, MONDAY_0700, SEVEN, "w1") == (Outcome.RAN, "queued 1 email")
    assert _runs() == [("daily", "2026-11-23")]


def test_the_time_is_london_time_in_summer_too(app):
    job = CountingJob()
    daily = DailyJob("daily", job)
    # 06:30 UTC on 1 June is 07:30 in London (BST).
    assert run_daily(daily, datetime(2027, 6, 1, 5, 59, tzinfo=UTC), SEVEN, "w")[0] == (
        Outcome.NOT_YET
    )
    assert run_daily(daily, datetime(2027, 6, 1, 6, 30, tzinfo=UTC), SEVEN, "w")[0] == Outcome.RAN


def test_a_daily_job_runs_once_a_day_and_again_the_next_day(app):
    job = CountingJob()
    daily = DailyJob("daily", job)
    assert run_daily(daily, MONDAY_0700, SEVEN, "w1")[0] == Outcome.RAN
    assert run_daily(daily, MONDAY_0700 + timedelta(hours=9), SEVEN, "w2") == (
        Outcome.DONE_TODAY,
        "queued 1 email",
    )
    # Just after midnight in London it is a new day, but not yet seven o'clock.
    tuesday = MONDAY_0700 + timedelta(days=1)
    assert run_daily(daily, tuesday - timedelta(hours=6), SEVEN, "w1")[0] == Outcome.NOT_YET
    assert run_daily(daily, tuesday, SEVEN, "w2")[0] == Outcome.RAN
    assert len(job.runs) == 2
    assert _runs() == [("daily", "2026-11-23"), ("daily", "2026-11-24")]


def test_a_failed_daily_job_leaves_nothing_and_is_tried_again(app):
    def broken(now):
        outbox.enqueue("cem@test.example", "Half done", "x", now)
        raise RuntimeError("the calendar could not be read")

    with pytest.raises(RuntimeError):
        run_daily(DailyJob("daily", broken), MONDAY_0700, SEVEN, "w1")
    assert _runs() == []
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0
    assert run_daily(DailyJob("daily", CountingJob()), MONDAY_0700, SEVEN, "w1")[0] == Outcome.RAN


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_at_once_send_mail_and_run_a_due_job_exactly_once(app, clock, smtp_port, workers):
    clock.now = MONDAY_0700 + timedelta(minutes=5)
    for n in range(30):
        outbox.enqueue(f"tenant{n}@test.example", f"Letter {n}", "x", clock.now)
    db.session.commit()
    job = CountingJob(pause=0.3)
    jobs = (DailyJob("daily", job),)
    handler = Collector()
    with _serving(handler, smtp_port):
        passes = _in_threads(
            app, workers, lambda n: worker.run_pass(f"worker-{n}", SEVEN, clock, 10, jobs=jobs)
        )
        # What is left after each worker's first pass of ten goes in the next passes.
        while db.session.scalar(
            select(func.count()).where(OutboxEmail.status == EmailStatus.PENDING)
        ):
            worker.run_pass("worker-0", SEVEN, clock, 10, jobs=jobs)

    assert not any(p.failed for p in passes), [str(p) for p in passes]
    said = [str(p) for p in passes]
    assert sum("daily: queued 1 email" in line for line in said) == 1, said
    assert all(
        "daily: queued 1 email" in line
        or "daily: already run today" in line
        or "daily: running on another worker" in line
        for line in said
    ), said
    assert len(job.runs) == 1 and _runs() == [("daily", "2026-11-23")]
    # 30 letters and the daily job's one email, each delivered once.
    ids = [message["Message-ID"] for message in handler.messages]
    assert len(ids) == 31 and len(set(ids)) == 31


def test_worker_once_sends_mail_and_runs_the_daily_jobs_once_a_day(app, clock, runner, smtp_port):
    clock.now = MONDAY_0700 + timedelta(hours=1)
    outbox.enqueue("tenant@test.example", "Your letter", "Read it in the portal.", clock.now)
    db.session.commit()
    handler = Collector()
    with _serving(handler, smtp_port):
        first = runner.invoke(args=["worker", "--once"])
        again = runner.invoke(args=["worker", "--once"])
    assert first.exit_code == 0, first.output
    assert "email: sent 1, 0 to try again later, 0 given up" in first.output
    assert "appeal-reminders: queued 0 reminder emails" in first.output
    assert "review-notices: queued 0 review notices" in first.output
    assert "forget-form-keys: forgot 0 used form keys" in first.output
    assert again.exit_code == 0, again.output
    assert "email: sent 0" in again.output
    assert "appeal-reminders: already run today" in again.output
    assert "review-notices: already run today" in again.output
    assert [m["To"] for m in handler.messages] == ["tenant@test.example"]
    assert sorted(job for job, _day in _runs()) == [
        "appeal-reminders",
        "forget-form-keys",
        "review-notices",
    ]

    clock.now += timedelta(days=1)
    with _serving(Collector(), smtp_port):
        next_day = runner.invoke(args=["worker", "--once", "--daily-at", "10:00"])
    assert "appeal-reminders: not yet time" in next_day.output
    assert len(_runs()) == 3


def test_worker_once_exits_non_zero_when_a_step_fails_and_still_runs_the_others(
    app, clock, runner, smtp_port, monkeypatch
):
    clock.now = MONDAY_0700

    def broken(now):
        raise RuntimeError("the calendar could not be read")

    job = CountingJob()
    monkeypatch.setattr(worker, "DAILY_JOBS", (DailyJob("broken", broken), DailyJob("daily", job)))
    with _serving(Collector(), smtp_port):
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "broken: FAILED (the calendar could not be read)" in result.output
    assert "daily: queued 1 email" in result.output
    assert _runs() == [("daily", "2026-11-23")]


def test_sigterm_lets_the_current_step_finish_then_stops(
    app, clock, runner, smtp_port, monkeypatch
):
    clock.now = MONDAY_0700
    finished: list[str] = []

    def stopped_midway(now):
        os.kill(os.getpid(), signal.SIGTERM)  # as systemd or Kubernetes does
        finished.append("first")
        return "did the first job"

    def second(now):
        finished.append("second")
        return "did the second job"

    monkeypatch.setattr(
        worker, "DAILY_JOBS", (DailyJob("first", stopped_midway), DailyJob("second", second))
    )
    before = signal.getsignal(signal.SIGTERM)
    with _serving(Collector(), smtp_port):
        result = runner.invoke(args=["worker", "--every", "3600"])
    assert result.exit_code == 0, result.output
    assert finished == ["first"]
    assert "SIGTERM received: stopping after this step." in result.output
    assert "first: did the first job; stopping" in result.output
    assert "stopped." in result.output
    assert _runs() == [("first", "2026-11-23")]
    assert signal.getsignal(signal.SIGTERM) is before


def test_worker_help_says_what_it_does(runner):
    result = runner.invoke(args=["worker", "--help"])
    assert result.exit_code == 0
    for words in ("--every", "--once", "--daily-at", "SIGTERM", "claimed", "once a day"):
        assert words in result.output


def test_a_bad_daily_time_is_refused(runner):
    result = runner.invoke(args=["worker", "--once", "--daily-at", "25:00"])
    assert result.exit_code == 2
    assert "HH:MM" in result.output


@pytest.mark.parametrize(
    ("age", "kept"), [(timedelta(days=30), True), (timedelta(days=30, seconds=1), False)]
)
def test_used_form_keys_are_forgotten_after_30_days(app, clock, make_staff, age, kept):
    from portal.idempotency import SubmissionKey

    colleague = make_staff()
    db.session.add(
        SubmissionKey(key="k" * 43, form="incident", user_id=colleague.id, used_at=clock.now - age)
    )
    db.session.commit()

    outcome, summary = run_daily(worker.DAILY_JOBS[-1], clock.now, time(0), "worker-0")

    assert outcome == Outcome.RAN
    assert summary == f"forgot {0 if kept else 1} used form key{'s' if kept else ''}"
    assert (db.session.get(SubmissionKey, "k" * 43) is not None) is kept
