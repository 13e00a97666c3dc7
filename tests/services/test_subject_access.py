"""The subject access export (UK GDPR Art. 15) through the service: every section, nothing of
another customer's, third parties marked for review, letters as kept, no secrets, audited, and
a fixed number of queries however long the record."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from portal import db
from portal.appeals import evidence as appeal_evidence
from portal.appeals import services as appeals
from portal.arrangements import services as arrangements
from portal.arrangements.models import TermKind
from portal.auth.models import Role, SignInSession
from portal.correspondence.models import Correspondence
from portal.customers import subject_access
from portal.customers.adjustments import AdjustmentDetails, set_adjustments
from portal.customers.models import (
    ConsentMethod,
    ContactChannel,
    CustomerRepresentative,
    CustomerType,
    RepresentativeRelation,
    WorksType,
)
from portal.customers.services import (
    log_contact,
    raise_alert,
    record_access_refusal,
    vulnerability_viewed,
)
from portal.customers.subject_access_marks import safe_name
from portal.customers.subject_access_sections import without_secrets
from portal.incidents.services import attach_evidence
from portal.letters.files import frozen_pdf
from portal.letters.models import Letter
from portal.outbox.services import enqueue
from portal.panel.models import Outcome
from portal.timeutil import london_date
from tests.factories import PASSWORD, portal_account


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cem Experience")


@pytest.fixture
def fill(
    app,
    clock,
    cem,
    colleague,
    panel_member,
    make_customer,
    make_incident,
    review_incident,
    restriction_in_force,
    make_arrangement,
):
    """A customer named ``mark`` with data in every section; each value carries the mark, so
    another customer's data is easy to spot."""

    def _fill(mark: str):
        now = clock.now
        tenant = make_customer(forename="Tina", surname=f"{mark}tenant")
        customer = make_customer(
            forename="Vera",
            surname=f"{mark}visitor",
            customer_type=CustomerType.VISITOR,
            tenant_id=tenant.id,
            email=f"{mark.lower()}@test.example",
        )
        make_customer(
            forename="Fred",
            surname=f"{mark}friend",
            customer_type=CustomerType.FRIEND_OR_RELATIVE,
            tenant_id=customer.id,
        )
        restriction = restriction_in_force(customer=customer)
        incident = make_incident(
            customer,
            description=f"{mark} shouted at the officer.",
            witnesses=f"Wendy {mark}witness",
        )
        review_incident(incident, now + timedelta(minutes=5), outcome=Outcome.NO_ACTION)
        attach_evidence(
            colleague,
            now,
            incident,
            "call notes.txt",
            f"{mark} call notes".encode(),
            app.config["UPLOAD_DIR"],
            app.config["MAX_ATTACHMENT_BYTES"],
        )
        make_arrangement(
            customer,
            terms=[
                arrangements.TermInput(kind=TermKind.MEDIATOR, name=f"Mo {mark}mediator"),
                arrangements.TermInput(
                    kind=TermKind.CALL_TIME, weekday=1, starts_at=time(10), ends_at=time(11)
                ),
            ],
        )
        raise_alert(panel_member, now, customer, f"{mark} dog at the door", "Go in pairs")
        log_contact(
            colleague,
            now,
            customer,
            ContactChannel.EMAIL,
            True,
            now - timedelta(hours=1),
            None,
            f"{mark} asked about the repair",
        )
        record_access_refusal(
            colleague,
            now,
            customer,
            WorksType.NON_ESSENTIAL,
            london_date(now),
            f"{mark} kitchen units",
            "SR-1",
            False,
        )
        db.session.add(
            Correspondence(
                customer_id=customer.id,
                restriction_id=restriction.id,
                received_at=now,
                channel="letter",
                summary=f"{mark} letter about the bins",
                logged_by_id=colleague.id,
            )
        )
        draft = appeals.start_draft(now, restriction)
        appeals.save_answers(
            now,
            draft,
            appeals.Answers(grounds=f"{mark} grounds", representative=f"Rita {mark}rep"),
        )
        appeal_evidence.add_evidence(
            None,
            now,
            draft,
            "photo notes.txt",
            f"{mark} appeal evidence".encode(),
            app.config["UPLOAD_DIR"] / "appeals",
            app.config["MAX_ATTACHMENT_BYTES"],
        )
        from portal.accounts.services import issue_access_code

        issue_access_code(cem, now, customer)
        account = portal_account(customer, f"{mark.lower()}.portal@test.example", PASSWORD, now)
        db.session.add(account)
        db.session.flush()
        db.session.add(
            SignInSession(
                token_hash=f"{mark}".ljust(64, "0"),
                customer_account_id=account.id,
                created_at=now,
                last_seen_at=now,
                address="192.0.2.7",
            )
        )
        enqueue(
            account.email,
            "Reset your password",
            f"{mark}: https://portal.example/password-reset/SECRET{mark}TOKEN now",
            now,
        )
        db.session.add(
            CustomerRepresentative(
                customer_id=customer.id,
                name=f"Ray {mark}advocate",
                relation=RepresentativeRelation.ADVOCATE,
                consent_given_on=london_date(now),
                consent_method=ConsentMethod.IN_WRITING,
                added_by_id=cem.id,
                added_at=now,
            )
        )
        customer.vulnerability_notes = f"{mark} hearing loss"  # after the Panel's reviews
        vulnerability_viewed(cem, now, customer)
        set_adjustments(
            cem,
            now,
            customer,
            0,
            AdjustmentDetails(
                formats=["large_print"],
                interpreter=True,
                interpreter_language="Polish",
                other=f"{mark} needs extra time on calls",
            ),
        )
        db.session.commit()
        return SimpleNamespace(customer=customer, tenant=tenant, incident=incident)

    return _fill


def _export(app, cem, clock, customer):
    made = subject_access.export(cem, clock.now, customer, app.config["UPLOAD_DIR"])
    db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(made.content))
    document = json.loads(archive.read(subject_access.JSON_NAME).decode("utf-8"))
    return made, archive, document


def _marked_at(document, path: str):
    node = document
    for part in path.removeprefix("$.").replace("[", ".").replace("]", "").split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def test_every_section_is_there_for_a_customer_with_data_in_each(app, clock, cem, fill):
    made = fill("Alpha")
    result, archive, document = _export(app, cem, clock, made.customer)
    for section in subject_access.SECTIONS:
        assert document[section], section
    assert subject_access.README_NAME in archive.namelist()
    readme = archive.read(subject_access.README_NAME).decode()
    assert "for_review" in readme and "NOT ready to send" in readme
    assert document["export"]["customer_reference"] == made.customer.reference
    assert document["customer"]["surname"] == "Alphavisitor"
    assert document["portal_account"]["email"] == "alpha.portal@test.example"
    assert document["portal_sign_ins"][0]["address"] == "192.0.2.7"
    assert result.filename == (
        f"subject-access-{made.customer.reference}-{london_date(clock.now).isoformat()}.zip"
    )
    assert result.counts["incidents"] == len(document["incidents"])
    adjustments = document["reasonable_adjustments"]
    assert adjustments["formats"] == ["large_print"]
    assert adjustments["interpreter_language"] == "Polish"
    # A colleague's words may name others: marked for review like every note.
    assert adjustments["other"]["third_party"] == "free_text"
    assert "$.reasonable_adjustments.other" in {m["path"] for m in document["for_review"]}


def test_another_customers_data_is_never_included(app, clock, cem, fill):
    alpha = fill("Alpha")
    fill("Beta")
    _result, archive, document = _export(app, cem, clock, alpha.customer)
    text = archive.read(subject_access.JSON_NAME).decode()
    assert "Alpha" in text
    assert "Beta" not in text
    for name in archive.namelist():
        if not name.startswith("letters/"):
            assert b"Beta" not in archive.read(name), name
    ours = set(
        db.session.scalars(select(Letter.reference).where(Letter.customer_id == alpha.customer.id))
    )
    assert {entry["reference"] for entry in document["letters"]} == ours
    assert {n for n in archive.namelist() if n.startswith("letters/")} == {
        f"letters/{safe_name(ref)}.pdf" for ref in ours
    }


def test_third_parties_are_marked_and_listed_for_review(app, clock, cem, fill):
    made = fill("Alpha")
    _result, _archive, document = _export(app, cem, clock, made.customer)
    incident = next(i for i in document["incidents"] if i["reference"] == made.incident.reference)
    index = document["incidents"].index(incident)
    assert incident["witnesses"] == {
        "value": "Wendy Alphawitness",
        "third_party": "witness",
        "review": True,
    }
    assert incident["reported_by"] == {
        "value": "Colin Colleague",
        "third_party": "colleague",
        "review": True,
    }
    assert incident["description"]["third_party"] == "free_text"
    tenant = document["customer"]["tenant_they_relate_to"]
    assert tenant["third_party"] == "customer"
    assert tenant["value"]["reference"] == made.tenant.reference
    assert document["linked_customers"][0]["third_party"] == "customer"
    listed = {(row["path"], row["third_party"]) for row in document["for_review"]}
    assert (f"$.incidents[{index}].witnesses", "witness") in listed
    assert (f"$.incidents[{index}].reported_by", "colleague") in listed
    assert ("$.customer.tenant_they_relate_to", "customer") in listed
    for path, kind in listed:  # every path leads to a value marked as listed
        node = _marked_at(document, path)
        assert node["review"] is True and node["third_party"] == kind
    mediator = document["arrangements"][0]["terms"][0]["name"]
    assert mediator == {"value": "Mo Alphamediator", "third_party": "other", "review": True}
    assert document["appeals"][0]["representative"]["value"] == "Rita Alpharep"
    who = document["representatives"][0]["who"]
    assert who["third_party"] == "other" and who["value"]["name"] == "Ray Alphaadvocate"


def test_evidence_files_are_included_and_marked(app, clock, cem, fill):
    made = fill("Alpha")
    _result, archive, document = _export(app, cem, clock, made.customer)
    files = [f for i in document["incidents"] for f in i["evidence_files"]]
    files += [f for a in document["appeals"] for f in a["evidence_files"]]
    assert len(files) == 2
    for entry in files:
        assert entry["file"]["third_party"] == "other" and entry["file"]["review"] is True
        assert archive.read(entry["file"]["value"]).startswith(b"Alpha")
    assert document["export"]["files_not_included"] == []


def test_letters_are_the_kept_pdfs(app, clock, cem, fill):
    made = fill("Alpha")
    _result, archive, document = _export(app, cem, clock, made.customer)
    assert document["letters"]
    for entry in document["letters"]:
        content = archive.read(entry["pdf"])
        assert content.startswith(b"%PDF")
        letter = db.session.scalar(select(Letter).where(Letter.reference == entry["reference"]))
        assert content == frozen_pdf(cem, clock.now, letter).content


def test_an_altered_letter_is_left_out_and_said_so(app, clock, cem, make_customer, give_warning):
    customer = make_customer()
    warning = give_warning(customer, clock.now - timedelta(days=3))
    db.session.execute(
        text("UPDATE letter SET body_html = '<p>Rewritten</p>' WHERE id = :id"),
        {"id": warning.letter_id},
    )
    db.session.commit()
    db.session.expire_all()
    _result, archive, document = _export(app, cem, clock, customer)
    assert document["letters"][0]["pdf"] is None
    assert not [n for n in archive.namelist() if n.startswith("letters/")]
    [problem] = document["export"]["files_not_included"]
    assert "no longer matches" in problem
    assert "no longer matches" in archive.read(subject_access.README_NAME).decode()


def test_no_secrets_are_exported(app, clock, cem, fill):
    made = fill("Alpha")
    _result, archive, document = _export(app, cem, clock, made.customer)
    text = archive.read(subject_access.JSON_NAME).decode()
    for secret in ("password_hash", "token_hash", "code_hash", "SECRETAlphaTOKEN", "pbkdf2"):
        assert secret not in text
    assert "/password-reset/[link removed]" in document["emails"][0]["body_text"]
    assert "code" not in document["portal_access_codes"][0]


def test_who_viewed_the_vulnerability_details_is_included(app, clock, cem, fill):
    made = fill("Alpha")
    _result, _archive, document = _export(app, cem, clock, made.customer)
    views = document["vulnerability_views"]
    assert [v["viewed_by"]["value"] for v in views] == ["Cem Experience"]
    assert views[0]["viewed_by"]["third_party"] == "colleague"


def test_the_export_is_audited(app, clock, cem, fill, audit_events):
    made = fill("Alpha")
    result, _archive, document = _export(app, cem, clock, made.customer)
    events = audit_events(subject_access.ACTION, "customer", made.customer.id)
    assert len(events) == 1
    assert events[0].actor_id == cem.id
    assert events[0].after["counts"]["incidents"] == len(document["incidents"])
    assert events[0].after["counts"]["for_review"] == len(document["for_review"])
    assert events[0].after["bytes"] == len(result.content)


def test_every_table_about_a_customer_is_in_the_export_or_left_out_with_a_reason(app):
    about_customers = {
        table.name
        for table in db.Base.metadata.sorted_tables
        if "customer_id" in table.columns or table.name == "customer"
    }
    missing = about_customers - set(subject_access.COVERED) - set(subject_access.LEFT_OUT)
    assert not missing, f"not in the subject access export: {sorted(missing)}"
    assert set(subject_access.COVERED) <= set(db.Base.metadata.tables)
    assert all(reason.strip() for reason in subject_access.LEFT_OUT.values())


def test_the_queries_do_not_grow_with_the_record(
    app, clock, cem, make_customer, give_warning, make_incident, count_queries
):
    def customer_with(incidents: int):
        customer = make_customer()
        for n in range(incidents):
            give_warning(customer, clock.now - timedelta(days=10 + n))
            make_incident(customer, witnesses=f"Witness {n}")
        subject_access.export(cem, clock.now, customer, app.config["UPLOAD_DIR"])
        db.session.commit()  # the letters' PDFs are kept now
        db.session.expire_all()
        return customer

    small, large = customer_with(1), customer_with(3)
    counted = []
    for customer in (small, large):
        with count_queries() as queries:
            subject_access.export(cem, clock.now, customer, app.config["UPLOAD_DIR"])
        db.session.commit()
        db.session.expire_all()
        counted.append(queries.count)
    assert counted[0] == counted[1]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("call notes.txt", "call_notes.txt"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("ملاحظات.txt", "_______.txt"),
        ("..", "file"),
        ("", "file"),
    ],
)
def test_file_names_in_the_zip_are_safe(name, safe):
    assert safe_name(name) == safe


def test_reset_links_are_removed():
    text = "Use https://x.example/password-reset/abc.def-123 within the hour"
    assert (
        without_secrets(text)
        == "Use https://x.example/password-reset/[link removed] within the hour"
    )
