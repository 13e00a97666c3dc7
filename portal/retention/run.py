"""Carry out a retention plan: make each due item anonymous, in one transaction, then audit.

Anonymous means: the record points at the one placeholder customer (``ANONYMISED``) instead
of the person; every free-text field that said something is replaced by a marker; evidence
files, appeal evidence and letter PDFs are deleted; the dates reports count by are kept to
the first of their month. Staff ids, categories, stages, kinds, channels and outcomes stay, so
the counts still add up. Audit events already written are never touched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import JSON, Enum, String, Text, delete, or_, select

from portal import db
from portal.appeals.models import Appeal, AppealEvidence
from portal.audit.services import record
from portal.conduct_warnings.models import ConductWarning
from portal.correspondence.models import Correspondence
from portal.customers.models import Alert, Customer, CustomerType
from portal.impact.models import ImpactAssessment
from portal.incidents.models import Incident
from portal.letters.models import Letter, LetterFile
from portal.notifications.models import Notification
from portal.orphan_uploads import APPEALS_FOLDER
from portal.outbox.models import OutboxEmail
from portal.panel.models import PanelReview
from portal.restrictions.models import Restriction, RestrictionRequest
from portal.retention.schedule import ANON_REFERENCE, Item, Plan
from portal.reviews.models import RestrictionReview
from portal.timeutil import london_date

MARK = "[anonymised]"
# Text columns that carry no personal information (or must stay unique): left as they are.
_KEEP = {
    "reference",
    "stored_name",
    "sha256",
    "content_type",
    "content_sha256",
    "language",
    "channel",
    "service_area",
    "preferred_format",
    "variant",
    "submission_key",
    "decision_key",
}


def placeholder(now: datetime) -> Customer:
    """The one customer every anonymised record belongs to, made the first time it is needed."""
    found = db.session.scalar(select(Customer).where(Customer.reference == ANON_REFERENCE))
    if found is None:
        found = Customer(
            reference=ANON_REFERENCE,
            forename="Anonymised",
            surname="records",
            customer_type=CustomerType.THIRD_PARTY,
            created_at=now,
        )
        db.session.add(found)
        db.session.flush()
    return found


def scrub(row, anon_id: int) -> None:
    """Erase ``row``'s free text and cut its link to the customer."""
    for column in row.__table__.columns:
        name = column.key
        attr = next((p.key for p in row.__mapper__.column_attrs if p.columns[0] is column), name)
        value = getattr(row, attr)
        if name == "customer_id":
            setattr(row, attr, anon_id)
        elif name in _KEEP or isinstance(column.type, Enum) or not value:
            continue
        elif isinstance(column.type, String | Text):
            length = getattr(column.type, "length", None)
            setattr(row, attr, MARK[:length] if length else MARK)
        elif isinstance(column.type, JSON) and isinstance(value, dict):
            setattr(row, attr, dict.fromkeys(value, MARK))


def _month(value):
    if isinstance(value, datetime):
        day = london_date(value).replace(day=1)
        return datetime(day.year, day.month, 1, 12, tzinfo=UTC)
    return value.replace(day=1)


class _Work:
    def __init__(self, now: datetime, upload_dir: Path):
        self.now = now
        self.upload_dir = upload_dir
        self.anon = placeholder(now).id
        self.files: list[Path] = []
        self.letters: set[int] = set()
        self.links: set[str] = set()  # staff notifications that name the customer
        self.keys: set[str] = set()  # emails in the outbox, by their dedupe key's start

    def incident(self, incident_id: int) -> None:
        incident = db.session.get(Incident, incident_id)
        if incident is None:
            return
        scrub(incident, self.anon)
        self.links.add(f"/staff/incidents/{incident_id}")
        incident.occurred_at = _month(incident.occurred_at)
        incident.reported_at = _month(incident.reported_at)
        for attachment in list(incident.attachments):
            self.files.append(self.upload_dir / attachment.stored_name)
            incident.attachments.remove(attachment)
        for review in db.session.scalars(
            select(PanelReview).where(PanelReview.incident_id == incident_id)
        ):
            scrub(review, self.anon)
        for assessment in db.session.scalars(
            select(ImpactAssessment).where(ImpactAssessment.incident_id == incident_id)
        ):
            scrub(assessment, self.anon)  # §4.7: what was considered is about the customer
        for alert in db.session.scalars(select(Alert).where(Alert.incident_id == incident_id)):
            if alert.active:  # still needed to keep colleagues safe: stays, unlinked
                alert.incident_id = None
            else:
                scrub(alert, self.anon)

    def warning(self, warning_id: int) -> None:
        warning = db.session.get(ConductWarning, warning_id)
        if warning is None:
            return
        scrub(warning, self.anon)
        warning.issued_on = _month(warning.issued_on)
        warning.lapses_on = _month(warning.lapses_on)
        self.letters.add(warning.letter_id)
        self.incident(warning.incident_id)

    def request(self, request_id: int) -> None:
        request = db.session.get(RestrictionRequest, request_id)
        if request is not None:
            scrub(request, self.anon)
            self.links.add(f"/staff/restriction-requests/{request_id}")

    def restriction(self, restriction_id: int) -> None:
        restriction = db.session.get(Restriction, restriction_id)
        if restriction is None:
            return
        scrub(restriction, self.anon)
        self.links.add(f"/staff/restrictions/{restriction_id}")
        self.keys.add(f"review:{restriction_id}:")
        starts = _month(restriction.starts_on)
        restriction.review_on = max(_month(restriction.review_on), starts + timedelta(days=1))
        restriction.starts_on = starts
        if restriction.ends_on is not None:
            restriction.ends_on = _month(restriction.ends_on)
        self.letters.add(restriction.letter_id)
        for review in db.session.scalars(
            select(RestrictionReview).where(RestrictionReview.restriction_id == restriction_id)
        ):
            scrub(review, self.anon)
            self.letters.add(review.letter_id)
        for item in db.session.scalars(
            select(Correspondence).where(Correspondence.restriction_id == restriction_id)
        ):
            scrub(item, self.anon)
            self.letters.add(item.letter_id)
        for appeal in db.session.scalars(
            select(Appeal).where(Appeal.restriction_id == restriction_id)
        ):
            scrub(appeal, self.anon)
            self.links.add(f"/staff/appeals/{appeal.id}")
            self.keys.add(f"appeal:{appeal.id}:")
            for letter_id in (
                appeal.acknowledgement_letter_id,
                appeal.late_letter_id,
                appeal.outcome_letter_id,
            ):
                self.letters.add(letter_id)
            for evidence in db.session.scalars(
                select(AppealEvidence).where(AppealEvidence.appeal_id == appeal.id)
            ):
                self.files.append(self.upload_dir / APPEALS_FOLDER / evidence.stored_name)
                db.session.delete(evidence)

    def item(self, item: Item) -> None:
        for restriction_id in item.restrictions:
            self.restriction(restriction_id)
        for request_id in item.requests:
            self.request(request_id)
        for warning_id in item.warnings:
            self.warning(warning_id)
        for incident_id in item.incidents:
            self.incident(incident_id)
        self.finish_letters()
        self.finish_messages()

    def finish_messages(self) -> None:
        """Delete the staff notifications and emails about what was just anonymised (they
        name the customer beside the reference)."""
        if self.links:
            db.session.execute(
                delete(Notification).where(
                    or_(
                        *(
                            or_(Notification.link == link, Notification.link.like(f"{link}/%"))
                            for link in sorted(self.links)
                        )
                    )
                )
            )
        if self.keys:
            db.session.execute(
                delete(OutboxEmail).where(
                    or_(*(OutboxEmail.dedupe_key.like(f"{key}%") for key in sorted(self.keys)))
                )
            )
        self.links.clear()
        self.keys.clear()

    def finish_letters(self) -> None:
        ids = sorted(i for i in self.letters if i is not None)
        self.letters.clear()
        if not ids:
            return
        self.keys.update(f"letter:{i}:" for i in ids)
        db.session.execute(delete(LetterFile).where(LetterFile.letter_id.in_(ids)))
        for letter in db.session.scalars(select(Letter).where(Letter.id.in_(ids))):
            scrub(letter, self.anon)
            letter.content_sha256 = hashlib.sha256(letter.body_html.encode()).hexdigest()


def carry_out(
    work_plan: Plan,
    now: datetime,
    upload_dir: Path,
    progress: Callable[[str], None] = lambda _said: None,
) -> dict[str, int]:
    """Anonymise every item of ``work_plan`` and append one ``retention.run`` audit event with
    the counts per rule, all in one transaction; then delete the files the items had.

    Returns the counts. A file that cannot be deleted is left for ``flask
    remove-orphan-uploads`` (no record points at it any more)."""
    counts = work_plan.counts()
    work = _Work(now, upload_dir)
    total = len(work_plan.items)
    for number, item in enumerate(work_plan.items, start=1):
        work.item(item)
        if number % 50 == 0 or number == total:
            progress(f"{number} of {total} done")
    record(
        None,
        now,
        "retention.run",
        "retention",
        None,
        summary="Retention run: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
        after={"as_of": work_plan.as_of, "counts": counts},
    )
    db.session.commit()
    for path in work.files:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            progress(f"could not delete {path.name}: left for remove-orphan-uploads")
    return counts


def last_run() -> tuple[datetime, date | None, dict[str, int]] | None:
    """When the last run was, as of which day, and its counts (from its audit event)."""
    from portal.audit.models import AuditEvent

    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "retention.run")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return None
    after = event.after or {}
    as_of = date.fromisoformat(after["as_of"]) if after.get("as_of") else None
    return event.at, as_of, dict(after.get("counts") or {})
