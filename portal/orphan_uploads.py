"""Find and remove uploaded files that no record points at.

A file is stored before its row is committed, so a request that fails after storing (the
database went away, the form was refused) leaves the file behind; a write cut short leaves a
``.part`` file. Incident evidence lives in ``UPLOAD_DIR``, appeal evidence in
``UPLOAD_DIR/appeals``. Files younger than the grace period are never touched: their row may be
about to be committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from portal import db

# Where each kind of upload is kept, relative to UPLOAD_DIR, and the column naming its files.
APPEALS_FOLDER = "appeals"


@dataclass(frozen=True)
class Orphan:
    path: Path
    size: int
    modified: datetime


def _referenced() -> dict[str, set[str]]:
    """Stored names each folder's rows point at ("" is UPLOAD_DIR itself)."""
    from portal.appeals.models import AppealEvidence
    from portal.incidents.models import Attachment

    return {
        "": set(db.session.scalars(select(Attachment.stored_name))),
        APPEALS_FOLDER: set(db.session.scalars(select(AppealEvidence.stored_name))),
    }


def find_orphans(upload_dir: Path, now: datetime, grace: timedelta) -> Iterator[Orphan]:
    """Files in the upload folders no row points at, older than ``grace`` by the file
    system's clock (``now`` is the real time, not the app's); other folders and anything that
    is not a plain file are left alone."""
    referenced = _referenced()
    for folder, names in referenced.items():
        directory = upload_dir / folder if folder else upload_dir
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if not path.is_file() or path.is_symlink() or path.name in names:
                continue
            stat = path.stat()
            modified = datetime.fromtimestamp(stat.st_mtime, now.tzinfo)
            if now - modified < grace:
                continue
            yield Orphan(path, stat.st_size, modified)


def register_cli(app: Flask) -> None:
    @app.cli.command("remove-orphan-uploads")
    @click.option("--dry-run", is_flag=True, help="List the orphan files; remove nothing.")
    @click.option(
        "--older-than",
        type=click.IntRange(min=0),
        default=60,
        show_default=True,
        metavar="MINUTES",
        help="Only files last changed at least this long ago (a newer one may be mid-upload).",
    )
    def remove_orphan_uploads(dry_run: bool, older_than: int) -> None:
        """Remove uploaded files (in UPLOAD_DIR and UPLOAD_DIR/appeals) that no incident
        evidence or appeal evidence record points at, such as files left when saving a
        report failed. Lists each file as it goes, then a summary; with --dry-run removes
        nothing. Exits 1 if any file could not be removed."""
        upload_dir = Path(app.config["UPLOAD_DIR"])
        click.echo(f"Looking for orphan files in {upload_dir} …")
        found = removed = failed = size = 0
        for orphan in find_orphans(upload_dir, datetime.now(UTC), timedelta(minutes=older_than)):
            found += 1
            size += orphan.size
            shown = orphan.path.relative_to(upload_dir)
            if dry_run:
                click.echo(f"would remove {shown} ({orphan.size} bytes)")
                continue
            try:
                orphan.path.unlink()
            except FileNotFoundError:
                click.echo(f"already gone {shown}")
            except OSError as error:
                failed += 1
                click.echo(f"could not remove {shown}: {error.strerror or error}", err=True)
            else:
                removed += 1
                click.echo(f"removed {shown} ({orphan.size} bytes)")
        db.session.rollback()
        if dry_run:
            click.echo(f"{found} orphan file(s), {size} bytes. Dry run: nothing removed.")
        else:
            click.echo(f"{found} orphan file(s), {size} bytes: removed {removed}, failed {failed}.")
        if failed:
            raise SystemExit(1)
