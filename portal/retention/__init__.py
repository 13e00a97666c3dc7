"""The retention schedule: ``flask retention`` (see :mod:`portal.retention.schedule`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from portal import db
from portal.timeutil import from_london


def register_cli(app) -> None:
    """Add ``retention`` to ``flask``."""

    @app.cli.command("retention")
    @click.option(
        "--dry-run",
        is_flag=True,
        help="List what would be made anonymous, and why; change nothing.",
    )
    @click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        metavar="YYYY-MM-DD",
        help="With --dry-run only: preview the plan as it would be on that day.",
    )
    def retention(dry_run: bool, as_of: datetime | None) -> None:
        """Apply the retention schedule the privacy notice promises.

        Incidents where no action was taken: 2 years from the report. Warnings: 1 year after
        the warning stops counting. Restrictions: 6 years after the restriction ends (with
        their requests, letters, reviews, appeals, correspondence, and the warnings and
        incidents behind them). Each due record is made anonymous: its link to the customer
        is cut, free text erased, files deleted, dates kept to the month; counts by month,
        category, stage and kind remain for reports.

        Without --dry-run, the whole plan is carried out in one transaction and one
        `retention.run` audit event is added with the counts per rule. Existing audit events
        are never changed. Run it daily from the operator's scheduler; a second run the same
        day changes nothing.
        """
        from portal.retention.run import carry_out
        from portal.retention.schedule import plan

        if as_of is not None and not dry_run:
            raise click.UsageError("--as-of can only be used with --dry-run.")
        now = datetime.now(UTC)
        if as_of is not None:
            now = from_london(as_of.date(), 12)
        work_plan = plan(now)
        for item in work_plan.items:
            click.echo(
                f"{'would anonymise' if dry_run else 'anonymising'} {item.rule} {item.key}: "
                f"due since {item.due_on.isoformat()} ({_said(item)})"
            )
        counts = work_plan.counts()
        summary = ", ".join(f"{rule} {count}" for rule, count in counts.items())
        if dry_run:
            db.session.rollback()
            click.echo(f"As of {work_plan.as_of.isoformat()}: {summary}. Dry run: nothing changed.")
            return
        try:
            carry_out(
                work_plan,
                now,
                Path(app.config["UPLOAD_DIR"]),
                progress=lambda said: click.echo(said, err=True),
            )
        except SQLAlchemyError as error:
            db.session.rollback()
            click.echo(f"Retention run failed, nothing was changed: {error}", err=True)
            raise SystemExit(1) from error
        click.echo(f"As of {work_plan.as_of.isoformat()}: anonymised {summary}.")


def _said(item) -> str:
    parts = []
    for label, ids in (
        ("incidents", item.incidents),
        ("warnings", item.warnings),
        ("requests", item.requests),
        ("restrictions", item.restrictions),
    ):
        if ids:
            parts.append(f"{label} {', '.join(str(i) for i in ids)}")
    return "; ".join(parts)
