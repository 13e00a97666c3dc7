"""`flask worker`: send the outbox's email and run the daily jobs, on one machine or several.

Each pass sends the email that is due, makes and keeps the PDFs of letters issued since the last
pass (portal/letters/files.py), then runs each daily job whose London time has come and
that no worker has run today. Any number of workers may run beside the app servers against one
database: each email is claimed before it is sent (see portal/outbox/services.py), and each
daily job's run is recorded once a day, in the same transaction as its work
(portal/scheduling/services.py).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal import db
from portal.letters.files import keep_pending
from portal.outbox import services as outbox
from portal.scheduling.services import DailyJob, Outcome, run_daily
from portal.timeutil import utcnow


def _base_url() -> str:
    return current_app.config.get("PUBLIC_URL", "").rstrip("/")


def _appeal_reminders(now: datetime) -> str:
    from portal.appeals.reminders import queue_reminders

    queued = queue_reminders(now, _base_url())
    return f"queued {queued} reminder email{'s' if queued != 1 else ''}"


def _review_notices(now: datetime) -> str:
    from portal.reviews.notices import queue_review_notices

    queued = queue_review_notices(now, _base_url())
    return f"queued {queued} review notice{'s' if queued != 1 else ''}"


def _forget_submission_keys(now: datetime) -> str:
    from portal.idempotency import forget_before

    forgotten = forget_before(now)
    return f"forgot {forgotten} used form key{'s' if forgotten != 1 else ''}"


DAILY_JOBS = (
    DailyJob("appeal-reminders", _appeal_reminders),
    DailyJob("review-notices", _review_notices),
    DailyJob("forget-form-keys", _forget_submission_keys),
)


@dataclass
class Pass:
    """What one pass did, one phrase per step, and whether any step failed."""

    steps: list[str] = field(default_factory=list)
    failed: bool = False

    def __str__(self) -> str:
        return "; ".join(self.steps)


def smtp_settings(app: Flask) -> outbox.SmtpSettings:
    return outbox.SmtpSettings(
        host=app.config["SMTP_HOST"],
        port=app.config["SMTP_PORT"],
        sender=app.config["MAIL_FROM"],
        username=app.config["SMTP_USERNAME"],
        password=app.config["SMTP_PASSWORD"],
        starttls=app.config["SMTP_STARTTLS"],
    )


def run_pass(
    name: str,
    daily_at: time,
    clock: Callable[[], datetime] = utcnow,
    limit: int = 100,
    stopping: Callable[[], bool] = lambda: False,
    jobs: tuple[DailyJob, ...] | None = None,
) -> Pass:
    """Send what is due, then run each daily job that is due; a failing step is logged and
    the next one still runs. Stops between steps once ``stopping()`` says so."""
    app = current_app._get_current_object()
    done = Pass()
    try:
        now = clock()
        report = outbox.send_due(smtp_settings(app), now, limit, sender=name, clock=clock)
    except Exception as exc:  # a long-running worker outlives any one failure
        _failed(done, "email", exc)
    else:
        done.steps.append(
            f"email: sent {report.sent}, {report.waiting} to try again later, "
            f"{report.failed} given up"
        )
    if not stopping():
        try:
            made = keep_pending(clock())
        except Exception as exc:
            _failed(done, "letters", exc)
        else:
            done.steps.append(f"letters: kept {made} PDF{'s' if made != 1 else ''}")
    for job in DAILY_JOBS if jobs is None else jobs:
        if stopping():
            done.steps.append("stopping")
            break
        try:
            outcome, summary = run_daily(job, clock(), daily_at, name)
        except Exception as exc:
            _failed(done, job.name, exc)
            continue
        done.steps.append(f"{job.name}: {_said(outcome, summary)}")
    return done


def _said(outcome: Outcome, summary: str) -> str:
    if outcome == Outcome.RAN:
        return summary
    if outcome == Outcome.DONE_TODAY:
        return "already run today"
    if outcome == Outcome.BUSY:
        return "running on another worker"
    return "not yet time"


def _failed(done: Pass, step: str, exc: Exception) -> None:
    with suppress(Exception):
        db.session.rollback()
    current_app.logger.exception("worker: %s failed", step)
    done.steps.append(f"{step}: FAILED ({exc})")
    done.failed = True


class Stop:
    """Set by SIGTERM or SIGINT: the worker finishes the step it is on, then exits. A second
    signal acts as it normally would (Ctrl-C twice stops at once)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, object] = {}

    def is_set(self) -> bool:
        return self.event.is_set()

    def _handle(self, signum, _frame) -> None:
        click.echo(f"{signal.Signals(signum).name} received: stopping after this step.", err=True)
        self.event.set()
        self._restore()

    def _restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextmanager
    def on_signals(self):
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous[signum] = signal.signal(signum, self._handle)
        try:
            yield self
        finally:
            self._restore()


def _daily_time(_ctx, _param, value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise click.BadParameter("Give a 24-hour London time as HH:MM, e.g. 07:00.") from None


@click.command("worker")
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between passes.",
)
@click.option("--once", is_flag=True, help="Run one pass and exit (for tests, or from cron).")
@click.option(
    "--daily-at",
    default="07:00",
    show_default=True,
    envvar="WORKER_DAILY_AT",
    callback=_daily_time,
    metavar="HH:MM",
    help="London time from which each day's reminders and review notices go out "
    "(or set WORKER_DAILY_AT).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 10000),
    default=100,
    show_default=True,
    metavar="N",
    help="Most emails one pass sends.",
)
@with_appcontext
def worker_command(every: int, once: bool, daily_at: time, limit: int) -> None:
    """Send email and run the daily jobs, every SECONDS, until stopped.

    Each pass sends the email waiting in the outbox (SMTP_HOST, SMTP_PORT, MAIL_FROM), then,
    from --daily-at London time, queues the day's appeal reminders and restriction review
    notices. Run one worker or several, on any machines that share the database: each email
    is claimed before it is sent, so it goes once while senders run (at least once should a
    worker die mid-send), and each daily job runs once a day whichever worker gets there
    first. SIGTERM or Ctrl-C stops the worker after the step it is on. With --once, exits 1
    if a step failed.
    """
    name = outbox.sender_name()
    stop = Stop()
    click.echo(f"Worker {name} started: a pass every {every} s, daily jobs from {daily_at:%H:%M}.")
    with stop.on_signals():
        while True:
            done = run_pass(name, daily_at, utcnow, limit, stopping=stop.is_set)
            click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S}Z {done}")
            if once:
                raise SystemExit(1 if done.failed else 0)
            if stop.event.wait(every):
                break
    click.echo(f"Worker {name} stopped.")
