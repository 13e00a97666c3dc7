"""The housing system import (issue 15): customers created or updated by housing reference,
every rejected row named with its line, field and reason, nothing half-saved, a dry run that
reports what the real run does, and a second run of the same file that changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditCheckpoint, AuditEvent
from portal.audit.services import verify_chain
from portal.auth.models import Role
from portal.customers import import_rows
from portal.customers.import_rows import FileRefused
from portal.customers.importing import import_customers
from portal.customers.models import Customer, CustomerType
from portal.errors import NotAllowed

HEADER = "housing_ref,forename,surname,customer_type,tenant_housing_ref,email,phone\n"


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def run(app, admin, clock):
    """``run(text_or_bytes, **options)``: import as the admin, commit (or roll back a dry run
    or an import that saved nothing), and return the report."""

    def _run(content, actor=admin, **options):
        data = content.encode() if isinstance(content, str) else content
        try:
            report = import_customers(
                actor, clock.now, data, languages=app.config["LANGUAGES"], **options
            )
        except Exception:
            db.session.rollback()
            raise
        if report.saved and not options.get("dry_run"):
            db.session.commit()
        else:
            db.session.rollback()
        return report

    return _run


def by_ref(ref: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.housing_ref == ref))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def rows(n: int, start: int = 0, surname: str = "Smith") -> str:
    return HEADER + "".join(
        f"H{i:05d},Pat,{surname},tenant,,p{i}@test.example,0161 496 {i % 10000:04d}\n"
        for i in range(start, start + n)
    )


def reasons(report) -> set[tuple[int, str, str]]:
    return {(r.line, r.field, r.code) for r in report.rejected}


def test_new_customers_are_added_with_references_and_audited(run, admin, audit_events):
    report = run(rows(3) + "V1,Vic,Visitor,visitor,H00001,,\n")
    assert (report.created, report.changed, report.unchanged, report.saved) == (4, 0, 0, True)
    visitor, tenant = by_ref("V1"), by_ref("H00001")
    assert visitor.tenant_id == tenant.id and visitor.reference.startswith("C-")
    assert len({c.reference for c in db.session.scalars(select(Customer))}) == 4
    created = audit_events("customer.created")
    assert len(created) == 4 and all(e.actor_id == admin.id for e in created)
    assert {e.entity_id for e in created} == {c.id for c in db.session.scalars(select(Customer))}
    assert created[0].after["forename"] == "Pat" and "vulnerability_notes" not in created[0].after
    summary = audit_events("customers.imported")
    assert len(summary) == 1 and summary[0].after["created"] == 4
    assert verify_chain() == (True, None)


def test_a_second_run_of_the_same_file_changes_nothing(run, audit_events):
    run(rows(5))
    versions = {c.id: c.version for c in db.session.scalars(select(Customer))}
    again = run(rows(5))
    assert (again.created, again.changed, again.unchanged) == (0, 0, 5)
    assert {c.id: c.version for c in db.session.scalars(select(Customer))} == versions
    assert len(audit_events("customer.changed")) == 0
    assert len(audit_events("customers.imported")) == 2


def test_a_changed_row_moves_the_version_on_and_is_audited_before_and_after(run, audit_events):
    run(rows(3))
    before = by_ref("H00001").version
    report = run(rows(3).replace("H00001,Pat,Smith", "H00001,Pat,Jones"))
    assert (report.created, report.changed, report.unchanged) == (0, 1, 2)
    customer = by_ref("H00001")
    assert customer.surname == "Jones" and customer.version == before + 1
    [changed] = audit_events("customer.changed")
    assert changed.before == {"surname": "Smith"} and changed.after == {"surname": "Jones"}
    assert changed.entity_id == customer.id


def test_housing_refs_match_whatever_their_case(run):
    run(rows(1))
    report = run(rows(1).replace("H00000", "h00000"))
    assert (report.created, report.unchanged) == (0, 1)


def test_a_dry_run_reports_what_the_real_run_does_and_saves_nothing(run, make_customer):
    make_customer(housing_ref="H00001", forename="Old", surname="Name")
    db.session.commit()
    file = rows(4) + "BAD,,Nobody,tenant,,,\n"
    audit_before = count(AuditEvent)
    dry = run(file, dry_run=True, skip_rejected=True)
    assert count(Customer) == 1 and count(AuditEvent) == audit_before
    real = run(file, skip_rejected=True)
    assert (
        dry.counts()
        == real.counts()
        == {
            "rows": 5,
            "created": 3,
            "changed": 1,
            "unchanged": 0,
            "rejected": 1,
        }
    )
    assert reasons(dry) == reasons(real)
    assert count(Customer) == 4


def test_one_rejected_row_and_nothing_is_saved_unless_asked(run, audit_events):
    file = rows(3) + "H9,Pat,Smith,tenant,,not-an-email,\n"
    report = run(file)
    assert not report.saved and count(Customer) == 0 and not audit_events()
    assert reasons(report) == {(5, "email", "customer.email_invalid")}
    assert report.created == 3  # what would be added once the row is corrected
    skipped = run(file, skip_rejected=True)
    assert skipped.saved and count(Customer) == 3 and skipped.rejected_lines == 1


def test_each_rejected_row_names_its_line_field_and_reason(run, make_customer):
    make_customer(housing_ref="LEASE1", customer_type=CustomerType.LEASEHOLDER)
    db.session.commit()
    file = HEADER + (
        "A1,Pat,Smith,tenant,,,\n"  # 2: fine
        "A2,,Smith,tenant,,,\n"  # 3: no forename
        "A3,Pat,Smith,landlord,,,\n"  # 4: not a type
        "A4,Pat,Smith,tenant,,,12ab\n"  # 5: not a phone
        f"A5,{'x' * 101},Smith,tenant,,,\n"  # 6: too long
        "A6,Pat\x00,Smith,tenant,,,\n"  # 7: NUL
        "A7,Pat\u202e,Smith,tenant,,,\n"  # 8: right-to-left override
        "A1,Pat,Smith,tenant,,,\n"  # 9: A1 twice
        "V1,Vic,Visitor,visitor,,,\n"  # 10: no tenant
        "V2,Vic,Visitor,visitor,NOBODY,,\n"  # 11: unknown tenant
        "V3,Vic,Visitor,visitor,LEASE1,,\n"  # 12: not a tenant
        "V4,Vic,Visitor,visitor,V4,,\n"  # 13: themselves
        ",Pat,Smith,tenant,,,\n"  # 14: no housing ref
        "A8,Pat,Smith\n"  # 15: too few cells
        "V5,Vic,Visitor,friend_or_relative,a1,,\n"  # 16: A1's rows are rejected, so unknown
    )
    report = run(file, skip_rejected=True)
    assert reasons(report) == {
        (2, "housing_ref", "import.housing_ref_twice"),
        (9, "housing_ref", "import.housing_ref_twice"),
        (3, "forename", "customer.forename_missing"),
        (4, "customer_type", "customer.type_unknown"),
        (5, "phone", "customer.phone_invalid"),
        (6, "forename", "customer.too_long"),
        (7, "forename", "import.nul"),
        (8, "forename", "import.odd_character"),
        (10, "tenant_housing_ref", "import.tenant_missing"),
        (11, "tenant_housing_ref", "import.tenant_unknown"),
        (12, "tenant_housing_ref", "customer.tenant_not_tenant"),
        (13, "tenant_housing_ref", "customer.tenant_self"),
        (14, "housing_ref", "import.housing_ref_missing"),
        (15, "", "import.cells"),
        (16, "tenant_housing_ref", "import.tenant_unknown"),
    }
    twice = [r for r in report.rejected if r.code == "import.housing_ref_twice"]
    assert all("2, 9" in r.reason for r in twice)
    assert report.created == 0 and count(Customer) == 1


def test_a_tenant_others_are_linked_to_keeps_being_a_tenant(run, make_customer):
    tenant = make_customer(housing_ref="T1", forename="Pat", surname="Smith")
    make_customer(customer_type=CustomerType.VISITOR, tenant_id=tenant.id)
    db.session.commit()
    report = run(HEADER + "T1,Pat,Smith,former_tenant,,,\n")
    assert reasons(report) == {(2, "customer_type", "customer.tenant_has_links")}


def test_columns_left_out_leave_details_as_they_are(run, make_customer):
    make_customer(housing_ref="K1", forename="Kim", surname="Lee", email="kim@test.example")
    db.session.commit()
    report = run("Housing_Ref,FORENAME,Surname,Customer_Type,Notes\nK1,Kim,Lee,tenant,x\n")
    assert report.unchanged == 1 and report.ignored_columns == ["notes"]
    assert by_ref("K1").email == "kim@test.example"


def test_a_byte_order_mark_and_windows_line_ends_are_read(run):
    report = run(b"\xef\xbb\xbf" + rows(2).replace("\n", "\r\n").encode())
    assert report.created == 2


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "import.empty"),
        (b"\xef\xbb\xbf  \n", "import.empty"),
        (HEADER.encode(), "import.no_rows"),
        (b"forename,surname\nPat,Smith\n", "import.columns_missing"),
        (b"housing_ref,housing_ref,forename,surname,customer_type\n", "import.column_twice"),
        (rows(2).encode() + b"H3,Z\xe9,Smith,tenant,,,\n", "import.not_utf8"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_whole(run, content, code):
    with pytest.raises(FileRefused) as refused:
        run(content)
    assert refused.value.codes == {"file": code}
    assert count(Customer) == 0


def test_not_utf8_names_the_line(run):
    with pytest.raises(FileRefused) as refused:
        run(rows(2).encode() + b"H3,Z\xe9,Smith,tenant,,,\n")
    assert "line 4" in str(refused.value)


def test_too_many_rows_or_bytes_are_refused(run, monkeypatch):
    monkeypatch.setattr(import_rows, "MAX_ROWS", 3)
    with pytest.raises(FileRefused) as refused:
        run(rows(4))
    assert refused.value.codes == {"file": "import.too_many_rows"}
    monkeypatch.setattr(import_rows, "MAX_BYTES", 100)
    with pytest.raises(FileRefused) as refused:
        run(rows(4))
    assert refused.value.codes == {"file": "import.too_big"}


def test_a_huge_cell_refuses_the_file_not_the_portal(run):
    with pytest.raises(FileRefused) as refused:
        run(HEADER + "H1," + "x" * 200_000 + ",Smith,tenant,,,\n")
    assert refused.value.codes == {"file": "import.not_csv"}


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_administrators_import(run, make_staff, role):
    with pytest.raises(NotAllowed):
        run(rows(1), actor=make_staff(role))


def test_many_events_keep_the_chain_and_its_checkpoints_whole(run):
    run(rows(250))
    assert count(AuditEvent) == 251
    assert count(AuditCheckpoint) == 2
    assert verify_chain() == (True, None)
    run(rows(250, surname="Jones"))
    assert verify_chain() == (True, None)


def test_the_command_imports_reports_and_refuses(runner, admin):
    path = runner.app.instance_path + "/import-test.csv"
    import os

    os.makedirs(runner.app.instance_path, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(rows(3) + "H9,Pat,Smith,tenant,,bad,\n")
    help_text = runner.invoke(args=["import-customers", "--help"]).output
    assert "--dry-run" in help_text and "Vulnerability notes" in help_text
    dry = runner.invoke(args=["import-customers", "--dry-run", path])
    assert dry.exit_code == 1 and "line 5 (H9), email" in dry.output
    assert "Dry run" in dry.output and count(Customer) == 0
    saved = runner.invoke(
        args=["import-customers", "--skip-rejected", "--actor", admin.email, path]
    )
    assert "added: 3" in saved.output and "Saved." in saved.output
    assert count(Customer) == 3
    assert (
        db.session.scalar(
            select(AuditEvent.actor_id).where(AuditEvent.action == "customers.imported")
        )
        == admin.id
    )
    nobody = runner.invoke(args=["import-customers", "--actor", "nobody@test.example", path])
    assert nobody.exit_code == 1 and "not an administrator" in nobody.output
    with open(path, "wb") as handle:
        handle.write(b"forename\nPat\n")
    refused = runner.invoke(args=["import-customers", path])
    assert refused.exit_code == 1 and "housing_ref" in refused.output


def test_an_edit_form_opened_before_an_import_changed_the_record_is_told(run, app, admin):
    from portal.customers.records import CustomerDetails, update_customer
    from portal.errors import Conflict

    run(rows(1))
    customer = by_ref("H00000")
    opened_at = customer.version
    run(rows(1, surname="Jones"))
    db.session.refresh(customer)
    details = CustomerDetails(
        forename="Pat",
        surname="Smyth",
        customer_type=CustomerType.TENANT,
        preferred_language="en",
        housing_ref="H00000",
    )
    with pytest.raises(Conflict) as told:
        update_customer(
            admin,
            customer.created_at,
            customer,
            opened_at,
            details,
            languages=app.config["LANGUAGES"],
        )
    assert told.value.by == "Ada Admin"
    db.session.rollback()
    assert by_ref("H00000").surname == "Jones"
