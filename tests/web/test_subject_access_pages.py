"""The subject access pages: who may open them, the download, its audit, and what is refused."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.customers.subject_access import ACTION, JSON_NAME, README_NAME
from portal.timeutil import london_date
from tests.pages import check_page

ALLOWED = ("cem", "admin")
REFUSED = ("colleague", "line_manager", "other_colleague", "other_manager", "panel", "csm", "glt")


def url_for_customer(customer) -> str:
    return f"/staff/customers/{customer.id}/subject-access"


def exports() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == ACTION))


@pytest.fixture
def subject(tenant, give_warning, clock):
    give_warning(tenant, clock.now - timedelta(days=20))
    return tenant


@pytest.mark.parametrize("role", ALLOWED)
def test_the_cem_and_administrators_open_the_page_from_the_record(client, act_as, subject, role):
    act_as(role)
    record = check_page(client.get(f"/staff/customers/{subject.id}"))
    url = url_for_customer(subject)
    assert record.find("a", href=url) is not None
    page = check_page(client.get(url))
    form = page.find("form", action=url)
    assert form is not None and form["method"] == "post"
    text = page.get_text()
    assert "Review it before anything is released" in text
    assert "vulnerability_views" in text


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused_the_page_and_the_export(client, act_as, post, subject, role):
    act_as(role)
    url = url_for_customer(subject)
    record = check_page(client.get(f"/staff/customers/{subject.id}"))
    assert record.find("a", href=url) is None
    check_page(client.get(url), 403)
    response = post(url)
    assert response.status_code == 403
    assert exports() == 0


def _sent_to_sign_in(response) -> None:
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"


def test_signed_out_visitors_are_sent_to_sign_in(client, post, subject):
    url = url_for_customer(subject)
    _sent_to_sign_in(client.get(url))
    _sent_to_sign_in(post(url, token_from="/staff/sign-in"))
    assert exports() == 0


def test_a_signed_in_customer_is_refused(client, sign_in, post, account, subject):
    sign_in(account)
    url = url_for_customer(subject)
    _sent_to_sign_in(client.get(url))
    _sent_to_sign_in(post(url, token_from="/"))
    assert exports() == 0


@pytest.mark.parametrize("ident", ["0", "999999", "2147483648", "99999999999999999999"])
def test_unknown_or_huge_ids_are_not_found(client, act_as, post, people, ident):
    act_as("cem")
    url = f"/staff/customers/{ident}/subject-access"
    check_page(client.get(url), 404)
    assert post(url).status_code == 404
    assert exports() == 0


def test_odd_paths_are_not_found(client, act_as, people):
    act_as("cem")
    for path in ("/staff/customers/-1/subject-access", "/staff/customers/abc/subject-access"):
        assert client.get(path).status_code == 404


def test_the_export_needs_the_forms_token(client, act_as, subject):
    act_as("cem")
    url = url_for_customer(subject)
    assert client.post(url).status_code == 400
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    assert exports() == 0


def test_the_cem_downloads_the_export_and_it_is_audited(client, act_as, post, subject, clock):
    cem = act_as("cem")
    url = url_for_customer(subject)
    response = post(url, token_from=url)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    name = f"subject-access-{subject.reference}-{london_date(clock.now).isoformat()}.zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert README_NAME in archive.namelist()
    document = json.loads(archive.read(JSON_NAME))
    assert document["customer"]["reference"] == subject.reference
    letters = [n for n in archive.namelist() if n.startswith("letters/")]
    assert letters and all(archive.read(n).startswith(b"%PDF") for n in letters)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == ACTION))
    assert event.actor_id == cem.id
    assert event.entity_type == "customer" and event.entity_id == subject.id
    assert event.after["counts"]["letters"] == len(letters)
