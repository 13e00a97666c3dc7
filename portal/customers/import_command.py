"""``flask import-customers``: the housing system import from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal import db
from portal.auth import permissions
from portal.customers.importing import ImportReport, import_customers

# -- The command ---------------------------------------------------------------------------------

# Files with more rows than this show their progress on stderr.
PROGRESS_FROM = 5000
REPORT_LINES = 200


def _echo_report(report: ImportReport, echo) -> None:
    verb = "would be" if report.dry_run or not report.saved else "were"
    echo(f"Rows read: {report.rows}")
    echo(f"  new customers {verb} added: {report.created}")
    echo(f"  customers {verb} changed: {report.changed}")
    echo(f"  unchanged: {report.unchanged}")
    echo(f"  rows rejected: {report.rejected_lines}")
    if report.ignored_columns:
        echo(f"Columns ignored: {', '.join(report.ignored_columns)}")
    for found in report.rejected[:REPORT_LINES]:
        ref = f" ({found.housing_ref})" if found.housing_ref else ""
        echo(f"  line {found.line}{ref}, {found.field or 'row'}: {found.reason}")
    if len(report.rejected) > REPORT_LINES:
        echo(f"  … and {len(report.rejected) - REPORT_LINES} more problems.")


def add_command(app) -> None:
    """Add ``import-customers`` to ``flask``."""

    @app.cli.command("import-customers")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    @click.option(
        "--dry-run", is_flag=True, help="Check and report what would change; save nothing."
    )
    @click.option(
        "--skip-rejected",
        is_flag=True,
        help="Save the rows that are fine and list the rejected ones (default: save nothing "
        "if any row is rejected).",
    )
    @click.option(
        "--actor",
        "actor_email",
        metavar="EMAIL",
        help="The administrator the changes are audited as (default: the system).",
    )
    @with_appcontext
    def import_customers_command(
        file: str, dry_run: bool, skip_rejected: bool, actor_email: str | None
    ) -> None:
        """Create or update customers from the housing system's CSV FILE.

        \b
        The first line names the columns (any case, in any order; UTF-8, with or without a
        byte order mark):
          housing_ref (required)  the housing system's reference: what customers are matched on
          forename, surname       (required)
          customer_type           (required) tenant, leaseholder, applicant, resident,
                                  former_tenant, visitor, friend_or_relative or
                                  third_party_representative
          tenant_housing_ref      for a visitor, friend_or_relative or third_party_representative:
                                  their tenant's housing_ref, in the file or already in the portal
          address, email, phone   (optional)
          preferred_language      en, ur, pl or ar (blank: en)
        A column left out leaves that detail as it is. Vulnerability notes and support needs are
        never imported: they are recorded in the portal by those who may read them.

        Each row is checked as the customer form checks it. If any row is rejected, nothing is
        saved and every rejected row is listed with its line, column and reason (unless
        --skip-rejected). A row that matches the record changes nothing, so running the same file
        twice is safe. Exits 1 if the file is refused or anything was rejected. A file may hold
        up to 200 000 rows and 50 MB; over 5 000 rows, progress is shown on stderr.
        """
        from portal.auth.models import User
        from portal.errors import ServiceError
        from portal.timeutil import utcnow

        actor = None
        if actor_email:
            actor = db.session.scalar(select(User).where(User.email == actor_email.strip().lower()))
            if actor is None or not permissions.can_import_customers(actor):
                raise click.ClickException(f"{actor_email} is not an administrator of the portal.")
        with open(file, "rb") as handle:
            content = handle.read(2**20 * 51)
        echo_err = lambda message: click.echo(message, err=True)  # noqa: E731
        try:
            report = import_customers(
                actor,
                utcnow(),
                content,
                languages=app.config["LANGUAGES"],
                skip_rejected=skip_rejected,
                dry_run=dry_run,
                progress=echo_err if content.count(b"\n") > PROGRESS_FROM else None,
            )
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        if dry_run or not report.saved:
            db.session.rollback()
        else:
            db.session.commit()
        _echo_report(report, click.echo)
        if dry_run:
            click.echo("Dry run: nothing was saved.")
        elif not report.saved:
            click.echo("Nothing was saved: correct the rejected rows, or use --skip-rejected.")
        else:
            click.echo("Saved.")
        if report.rejected:
            raise SystemExit(1)
