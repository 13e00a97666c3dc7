"""Command-line tools: `flask --app wsgi <command> --help` describes each."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal import db, orphan_uploads
from portal.config import BASE_DIR

TRANSLATIONS = BASE_DIR / "translations"
BABEL_CFG = BASE_DIR / "babel.cfg"
POT = TRANSLATIONS / "messages.pot"


def _alembic_config():
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(str(BASE_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BASE_DIR / "migrations"))
    cfg.attributes["engine"] = current_app.extensions["engine"]
    return cfg


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


# -- The database --------------------------------------------------------------------------------


@click.command("db-upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema with the migrations."""
    from alembic import command

    command.upgrade(_alembic_config(), revision)
    click.echo(f"Database is at migration {revision}.")


@click.command("db-downgrade")
@click.option("--revision", default="-1", show_default=True, help="Target revision.")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Step the database schema back (default: one migration)."""
    from alembic import command

    command.downgrade(_alembic_config(), revision)
    click.echo(f"Database downgraded to {revision}.")


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check every audit event, link and seal; list every break and exit 1 if any."""
    from portal.audit.verify import check_trail

    report = check_trail()
    if report.intact:
        click.echo(f"Audit trail intact: {report.checked} events and their seals checked.")
        return
    click.echo(f"Audit trail broken: {len(report.breaks)} problems found.", err=True)
    for found in report.breaks:
        click.echo(f"  {found}", err=True)
    raise SystemExit(1)


# -- Demo data ----------------------------------------------------------------------------------


@click.command("demo-data")
@click.option("--reset", is_flag=True, help="Delete everything first, then load the demo.")
@with_appcontext
def demo_data(reset: bool) -> None:
    """Load fictional staff (one per role) and a dozen customers, then print the sign-ins."""
    from portal.demo import load_demo, print_sign_ins

    created = load_demo(reset=reset)
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data was already there.")
    # Letters are frozen when issued: the links in the demo's letters keep the address in
    # force when it was loaded, whatever the portal is served on later.
    address = current_app.config["PUBLIC_URL"]
    if created:
        click.echo(f"Its letters link to {address} (PORTAL_PUBLIC_URL).")
    else:
        click.echo(
            "Its letters keep the address they were issued with; to link them to "
            f"{address}, load it again with --reset."
        )
    print_sign_ins(click.echo)


@click.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code(email: str) -> None:
    """Print the authenticator code a demo account signs in with now (demo accounts only)."""
    from portal.demo import demo_code as code_for
    from portal.timeutil import utcnow

    code = code_for(email, utcnow())
    if code is None:
        click.echo(f"{email} is not a demo account with the demo authenticator key.", err=True)
        raise SystemExit(1)
    click.echo(code)


# -- Email ----------------------------------------------------------------------------------------


@click.command("send-email")
@click.option(
    "--every",
    type=click.IntRange(min=5),
    default=None,
    metavar="SECONDS",
    help="Keep running, sending what is due every SECONDS seconds (default: send once).",
)
@click.option("--limit", type=click.IntRange(1, 10000), default=100, show_default=True)
@with_appcontext
def send_email(every: int | None, limit: int) -> None:
    """Send the email waiting in the outbox over SMTP (SMTP_HOST, SMTP_PORT, MAIL_FROM).

    Email the server does not take is kept and tried again later, waiting longer after
    each failure, up to 6 hours apart. A mail server that is down or says "try later" never
    makes the portal give up; an email the server refuses for good is given up after 20
    refusals. Exits 1 if anything is still waiting because of a failure. With --every, a
    failure of the database or the mail server is reported and tried again next time.
    """
    from portal.outbox.services import SmtpSettings, send_due
    from portal.timeutil import utcnow

    config = current_app.config
    settings = SmtpSettings(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        sender=config["MAIL_FROM"],
        username=config["SMTP_USERNAME"],
        password=config["SMTP_PASSWORD"],
        starttls=config["SMTP_STARTTLS"],
    )
    while True:
        try:
            report = send_due(settings, utcnow(), limit=limit, clock=utcnow)
        except Exception as exc:  # a long-running sender outlives any one failure
            with contextlib.suppress(Exception):
                db.session.rollback()
            if every is None:
                raise
            current_app.logger.exception("send-email failed; trying again in %s seconds", every)
            click.echo(f"Could not send email: {exc}", err=True)
        else:
            click.echo(
                f"Sent {report.sent}; {report.waiting} to try again later; "
                f"{report.failed} given up."
            )
            if every is None:
                raise SystemExit(1 if report.waiting or report.failed else 0)
        time.sleep(every)


@click.command("appeal-reminders")
@click.option(
    "--base-url",
    default="",
    metavar="URL",
    help="The portal's address, for links in the emails (e.g. https://conduct.example.org).",
)
@with_appcontext
def appeal_reminders(base_url: str) -> None:
    """Queue email reminders for appeal steps due soon or overdue (run once a day).

    Due-soon steps are reminded once; overdue steps once each working day until done.
    GLT's steps go only to GLT members who may decide the appeal, or to the Customer
    Experience Manager when none may. `send-email` sends them.
    """
    from portal.appeals.reminders import queue_reminders
    from portal.timeutil import utcnow

    queued = queue_reminders(utcnow(), base_url.rstrip("/"))
    db.session.commit()
    click.echo(f"Queued {queued} reminder email{'s' if queued != 1 else ''}.")


# -- Translations -------------------------------------------------------------------------------

translate = AppGroup("translate", help="Extract, initialise, update and compile translations.")


@translate.command("extract")
def extract() -> None:
    """Write translations/messages.pot from the code and templates."""
    TRANSLATIONS.mkdir(exist_ok=True)
    _pybabel(
        "extract",
        "-F",
        str(BABEL_CFG),
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "-o",
        str(POT),
        str(BASE_DIR / "portal"),
        str(BASE_DIR / "templates"),
    )


@translate.command("init")
@click.argument("language")
def init(language: str) -> None:
    """Start a catalogue for LANGUAGE (e.g. ur, pl, ar)."""
    _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", language)


@translate.command("update")
def update() -> None:
    """Merge new strings from messages.pot into every catalogue; drop ones gone from it."""
    _pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(TRANSLATIONS),
        "--ignore-obsolete",
        "--no-fuzzy-matching",
    )


@translate.command("check")
def check() -> None:
    """List customer-facing messages a catalogue lacks; exit 1 if there are any."""
    from portal.translation_check import check_all

    problems = check_all(current_app.config["LANGUAGES"])
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} customer-facing messages need translating.", err=True)
        raise SystemExit(1)
    click.echo("Every customer-facing message is translated in every language.")


@translate.command("compile")
def compile_() -> None:
    """Compile every catalogue to .mo files (nothing to do when there are none)."""
    if any(Path(TRANSLATIONS).glob("*/LC_MESSAGES/messages.po")):
        _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
    else:
        click.echo("No catalogues to compile.")


COMMANDS = (
    db_upgrade,
    db_downgrade,
    verify_audit,
    demo_data,
    demo_code,
    send_email,
    appeal_reminders,
    translate,
)


def register_cli(app: Flask) -> None:
    """Add the portal's commands to ``flask``."""
    from portal import retention
    from portal.customers import importing
    from portal.worker import worker_command

    orphan_uploads.register_cli(app)  # remove-orphan-uploads
    importing.register_cli(app)  # import-customers
    retention.register_cli(app)  # retention
    for command in (*COMMANDS, worker_command):
        app.cli.add_command(command)
