"""Import customers from the housing management system: create or update portal
customers by their housing system reference, from a CSV file.

Rows are read and checked on their own (:mod:`portal.customers.import_rows`), matched with the
portal's customers in a few queries, and saved in batches in one transaction. All or nothing
unless asked otherwise: one rejected row and nothing is saved. A row that says what the record
already says is left alone (no write, no audit), so an import run twice changes nothing the
second time. Two imports never run at once: the second is told.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import OperationalError

from portal import db
from portal.audit import services as audit
from portal.auth import permissions
from portal.customers.import_rows import ReadFile, Rejection, Row, read_rows
from portal.customers.models import Customer, CustomerType
from portal.errors import NotAllowed, Problem, ServiceError
from portal.references import KINDS, ReferenceCounter, next_reference

# Ids and references looked up per statement, rows saved per statement.
BATCH = 1000
# The PostgreSQL advisory lock an import holds for its transaction (the audit chain's is 7301).
IMPORT_LOCK = 7302
TEXTS = ("forename", "surname", "address", "email", "phone", "preferred_language")
COMPARED = (*TEXTS, "customer_type", "tenant_id")


class ImportRunning(ServiceError):
    """Another import is being saved; this one did nothing."""

    def __init__(self):
        super().__init__(
            {
                "file": Problem(
                    "import.running",
                    _l(
                        "Another import of customers is running. Wait for it to finish, "
                        "then import this file again: rows it saved will show as unchanged."
                    ),
                )
            }
        )


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a file with rejected rows, would do)."""

    sha256: str
    dry_run: bool
    skip_rejected: bool
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    saved: bool = False
    event_id: int | None = None  # the import's summary audit event, once saved

    @property
    def rejected_lines(self) -> int:
        return len({r.line for r in self.rejected})

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected_lines,
        }


@dataclass
class _Existing:
    id: int
    housing_ref: str
    customer_type: CustomerType
    tenant_id: int | None


@dataclass
class _Plan:
    new: list[Row] = field(default_factory=list)
    changes: list[tuple[Row, dict, dict]] = field(default_factory=list)  # row, before, after
    tenant_of: dict[int, int | str] = field(default_factory=dict)  # line: id, or a new's key
    unchanged: int = 0


def _reject(row: Row, name: str, problem: Problem) -> Rejection:
    return Rejection(row.line, row.values["housing_ref"], name, problem.code, str(problem))


def _lock() -> None:
    """Take this transaction's turn to import, or say another import has it."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        if not session.scalar(text(f"SELECT pg_try_advisory_xact_lock({IMPORT_LOCK})")):
            raise ImportRunning
        return
    try:
        db.take_write_lock(session)  # SQLite: waits its turn up to the busy timeout
    except OperationalError as exc:
        if "locked" in str(exc.orig):
            raise ImportRunning from exc
        raise


def _existing() -> dict[str, _Existing]:
    found = db.session.execute(
        select(Customer.id, Customer.housing_ref, Customer.customer_type, Customer.tenant_id).where(
            Customer.housing_ref.is_not(None)
        )
    )
    return {row.housing_ref.lower(): _Existing(*row) for row in found}


def _current(ids: list[int]) -> dict[int, dict]:
    """The compared fields and version of the customers ``ids``, locked until the end of the
    transaction on PostgreSQL (SQLite's import holds the write lock already)."""
    current = {}
    for start in range(0, len(ids), BATCH):
        query = (
            select(Customer.id, Customer.version, *(getattr(Customer, n) for n in COMPARED))
            .where(Customer.id.in_(ids[start : start + BATCH]))
            .with_for_update()
        )
        for row in db.session.execute(query):
            current[row.id] = row._asdict()
    return current


def _linked_tenants(skip: set[int]) -> set[int]:
    """Tenants that customers outside ``skip`` (the ones the file re-links) are linked to."""
    found = db.session.execute(
        select(Customer.id, Customer.tenant_id).where(Customer.tenant_id.is_not(None))
    )
    return {row.tenant_id for row in found if row.id not in skip}


_TENANT_MISSING = Problem(
    "import.tenant_missing",
    _l("Enter the housing reference of the tenant they relate to (tenant_housing_ref)"),
)
_TENANT_UNKNOWN = Problem(
    "import.tenant_unknown",
    _l("No customer in the file or the portal has this housing reference"),
)
_TENANT_SELF = Problem(
    "customer.tenant_self", _l("A customer cannot be linked to themselves as the tenant")
)
_TENANT_NOT_TENANT = Problem(
    "customer.tenant_not_tenant", _l("That customer is not a tenant: give a tenant's reference")
)
_HAS_LINKS = Problem(
    "customer.tenant_has_links",
    _l(
        "Other customers are linked to this customer as their tenant: "
        "link them to their new tenant first"
    ),
)


def _tenant(row, rows_by_key, existing, has_column) -> int | str | None | Problem:
    """The tenant ``row`` links to: an id, the key of a new tenant in the file, or a problem."""
    ref = row.tenant_ref.lower()
    if not ref:
        known = existing.get(row.key)
        if not has_column and known is not None and known.tenant_id is not None:
            return known.tenant_id  # the file does not say: the link stays
        return _TENANT_MISSING
    if ref == row.key:
        return _TENANT_SELF
    in_file = rows_by_key.get(ref)
    known = existing.get(ref)
    kind = in_file.values["customer_type"] if in_file else known.customer_type if known else None
    if kind is None:
        return _TENANT_UNKNOWN
    if kind != CustomerType.TENANT:
        return _TENANT_NOT_TENANT
    return known.id if known is not None else ref


def _plan(read: ReadFile, existing: dict[str, _Existing]) -> _Plan:
    plan = _Plan()
    rows_by_key = {row.key: row for row in read.rows}
    has_tenant_column = "tenant_housing_ref" in read.columns
    kept: list[Row] = []
    for row in read.rows:
        if row.values["customer_type"].links_to_tenant:
            tenant = _tenant(row, rows_by_key, existing, has_tenant_column)
            if isinstance(tenant, Problem):
                read.rejected.append(_reject(row, "tenant_housing_ref", tenant))
                continue
            plan.tenant_of[row.line] = tenant
        kept.append(row)
    in_file = {existing[row.key].id for row in kept if row.key in existing}
    linked = _linked_tenants(in_file)
    linked |= {t for t in plan.tenant_of.values() if isinstance(t, int)}
    current = _current(sorted(in_file))
    for row in kept:
        known = existing.get(row.key)
        if known is None:
            plan.new.append(row)
            continue
        before = current[known.id]
        after = {name: row.values[name] for name in COMPARED if name in row.values}
        after["tenant_id"] = plan.tenant_of.get(row.line)
        if (
            before["customer_type"] == CustomerType.TENANT
            and after["customer_type"] != CustomerType.TENANT
            and known.id in linked
        ):
            read.rejected.append(_reject(row, "customer_type", _HAS_LINKS))
            continue
        changed = {name: value for name, value in after.items() if before[name] != value}
        if changed:
            plan.changes.append((row, before, changed))
        else:
            plan.unchanged += 1
    read.rejected.sort(key=lambda r: r.line)
    return plan


def _references(count: int, now: datetime) -> list[str]:
    """``count`` new customer references, taken from the counter in two statements (and one
    look-up per ``BATCH`` for numbers somebody took by other means, which are skipped)."""
    if count == 0:
        return []
    first = next_reference("customer", now)
    kind = KINDS["customer"]
    start = kind.number(first, 0)
    last = db.session.scalar(
        update(ReferenceCounter)
        .where(ReferenceCounter.kind == "customer", ReferenceCounter.year == 0)
        .values(value=ReferenceCounter.value + count - 1)
        .returning(ReferenceCounter.value)
        .execution_options(synchronize_session=False)
    )
    wanted = [kind.format(0, number) for number in range(start, last + 1)]
    taken: set[str] = set()
    for at in range(0, len(wanted), BATCH):
        chunk = wanted[at : at + BATCH]
        taken |= set(
            db.session.scalars(select(Customer.reference).where(Customer.reference.in_(chunk)))
        )
    free = [ref for ref in wanted if ref not in taken]
    while len(free) < count:
        free.append(next_reference("customer", now))
    return free


def _insert(rows: list[Row], ids_of: dict[str, int], tenant_of, now: datetime) -> list:
    """Add the customers ``rows``; return (id, reference, values) for each. Tenants first: a
    visitor new in the file may name a tenant new in the file."""
    references = iter(_references(len(rows), now))
    table = Customer.__table__
    made = []
    for links in (False, True):
        phase = [row for row in rows if row.values["customer_type"].links_to_tenant == links]
        for at in range(0, len(phase), BATCH):
            chunk = [
                (next(references), _new_values(row, ids_of, tenant_of))
                for row in phase[at : at + BATCH]
            ]
            params = [
                {**values, "reference": ref, "created_at": now, "version": 1}
                | {"vulnerability_notes": "", "support_needs": ""}
                for ref, values in chunk
            ]
            # No RETURNING: SQLite would insert one row per statement to keep their order.
            db.session.execute(table.insert(), params)
            refs = [values["housing_ref"] for _ref, values in chunk]
            new_ids = dict(
                db.session.execute(
                    select(Customer.housing_ref, Customer.id).where(Customer.housing_ref.in_(refs))
                ).all()
            )
            for ref, values in chunk:
                new_id = new_ids[values["housing_ref"]]
                ids_of[values["housing_ref"].lower()] = new_id
                made.append((new_id, ref, values))
    return made


def _new_values(row: Row, ids_of: dict[str, int], tenant_of) -> dict:
    tenant = tenant_of.get(row.line)
    return {
        "forename": row.values["forename"],
        "surname": row.values["surname"],
        "customer_type": row.values["customer_type"],
        "tenant_id": ids_of[tenant] if isinstance(tenant, str) else tenant,
        "address": row.values.get("address", ""),
        "email": row.values.get("email", ""),
        "phone": row.values.get("phone", ""),
        "preferred_language": row.values.get("preferred_language", "en"),
        "housing_ref": row.values["housing_ref"],
    }


def _update(changes: list, ids_of: dict[str, int], tenant_of) -> list:
    """Save the changed rows (each from the version read under the lock); return (id,
    before, after) of each, with the tenant as an id."""
    saved = []
    by_columns: dict[tuple, list] = {}
    for _row, before, changed in changes:
        if "tenant_id" in changed and isinstance(changed["tenant_id"], str):
            changed["tenant_id"] = ids_of[changed["tenant_id"]]
        names = tuple(sorted(changed))
        params = {f"v_{n}": v for n, v in changed.items()}
        params |= {"b_id": before["id"], "b_version": before["version"]}
        by_columns.setdefault(names, []).append(params)
        saved.append((before["id"], {n: before[n] for n in names}, changed))
    table = Customer.__table__
    for names, params in by_columns.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values({n: bindparam(f"v_{n}") for n in names} | {"version": table.c.version + 1})
        )
        for at in range(0, len(params), BATCH):
            db.session.execute(statement, params[at : at + BATCH])
    return saved


def _audit(actor, now, made, saved, report: ImportReport) -> None:
    entries = [
        audit.Entry(
            "customer.created",
            "customer",
            new_id,
            f"Customer {reference} added by the housing system import",
            after=audit.snapshot(_Values(values), sorted(values)),
        )
        for new_id, reference, values in made
    ]
    entries += [
        audit.Entry(
            "customer.changed",
            "customer",
            customer_id,
            f"Details changed by the housing system import: {', '.join(sorted(after))}",
            before=audit.snapshot(_Values(before), sorted(after)),
            after=audit.snapshot(_Values(after), sorted(after)),
        )
        for customer_id, before, after in saved
    ]
    entries.append(
        audit.Entry(
            "customers.imported",
            "customer_import",
            None,
            f"Housing system import: {report.created} added, {report.changed} changed, "
            f"{report.unchanged} unchanged, {report.rejected_lines} rows rejected",
            after=report.counts()
            | {"sha256": report.sha256, "skip_rejected": report.skip_rejected},
        )
    )
    report.event_id = audit.record_many(actor, now, entries)[-1]


class _Values:
    """A dict read as attributes, for :func:`audit.snapshot`."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


def import_customers(
    actor,
    now: datetime,
    content: bytes,
    *,
    languages,
    skip_rejected: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Create or update customers from a housing system CSV file, matched by housing
    reference; audit each customer added or changed, and the import as a whole.

    Saves nothing if any row is rejected, unless ``skip_rejected``. A ``dry_run`` does the
    same work; the caller rolls it back. Only flushes: the caller commits.

    :raises NotAllowed: if ``actor`` (None for the system) may not import customers.
    :raises FileRefused: for a file that cannot be imported at all.
    :raises ImportRunning: if another import is being saved.
    """
    if actor is not None and not permissions.can_import_customers(actor):
        raise NotAllowed
    tell = progress or (lambda _message: None)
    report = ImportReport(hashlib.sha256(content).hexdigest(), dry_run, skip_rejected)
    read = read_rows(content, languages)
    report.rows, report.ignored_columns = read.count, read.ignored
    tell(f"Read {read.count} rows; {len(read.rejected)} problems found in them.")
    _lock()
    existing = _existing()
    plan = _plan(read, existing)
    report.rejected = read.rejected
    report.created, report.changed = len(plan.new), len(plan.changes)
    report.unchanged = plan.unchanged
    tell(
        f"Checked: {report.created} to add, {report.changed} to change, "
        f"{report.unchanged} unchanged, {report.rejected_lines} rows rejected."
    )
    if report.rejected and not skip_rejected:
        return report
    ids_of = {key: known.id for key, known in existing.items()}
    made = _insert(plan.new, ids_of, plan.tenant_of, now)
    tell(f"Added {len(made)} customers.")
    saved = _update(plan.changes, ids_of, plan.tenant_of)
    tell(f"Changed {len(saved)} customers.")
    _audit(actor, now, made, saved, report)
    db.session.expire_all()
    report.saved = True
    tell("Audited.")
    return report


def register_cli(app) -> None:
    """Add ``import-customers`` to ``flask``."""
    from portal.customers.import_command import add_command

    add_command(app)
