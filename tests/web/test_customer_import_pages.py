"""The administrator's housing system import (issue 15): upload, check what would change, confirm
once; refused to every other role, a customer and the signed-out; no 500 on forged input."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal import db
from portal.customers.models import Customer
from tests.pages import check_page, errors_on

PAGE = "/staff/admin/import-customers"
CONFIRM = "/staff/admin/import-customers/confirm"
HEADER = "housing_ref,forename,surname,customer_type,email\n"
GOOD = HEADER + "H1,Pat,Smith,tenant,pat@test.example\nH2,Sam,Jones,tenant,\n"
BAD = GOOD + "H3,Kim,Lee,tenant,not-an-email\n"


def customers() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Customer))


@pytest.fixture
def upload(client, post):
    def _upload(content, name="customers.csv", **fields):
        data = content.encode() if isinstance(content, str) else content
        return post(
            PAGE,
            {"file": (io.BytesIO(data), name), **fields},
            token_from=PAGE,
            content_type="multipart/form-data",
        )

    return _upload


def confirm_fields(page) -> dict:
    form = page.find("form", action=CONFIRM)
    return {i["name"]: i.get("value", "") for i in form.find_all("input")}


@pytest.mark.parametrize("who", ["colleague", "line_manager", "panel", "csm", "glt", "cem"])
def test_only_an_administrator_may_import(client, act_as, who):
    act_as(who)
    for url in (PAGE, f"{PAGE}/1", f"{PAGE}/report/{'a' * 32}.csv"):
        assert client.get(url).status_code == 403
    assert client.post(CONFIRM).status_code in (400, 403)


def test_signed_out_and_customers_are_sent_to_sign_in(client, sign_in, account):
    assert client.get(PAGE).status_code == 302
    sign_in(account)
    assert client.get(PAGE).status_code == 302


def test_upload_check_confirm_and_see_the_result(client, act_as, upload, table_counts):
    act_as("admin")
    page = check_page(client.get(PAGE))
    assert page.find("input", attrs={"type": "file", "name": "file"}) is not None
    before = table_counts()
    report = check_page(upload(GOOD))
    assert (
        report.find(id="import-counts")
        .get_text(" ", strip=True)
        .startswith("Rows in the file 2 New customers 2")
    )
    assert table_counts() == before  # the check saved nothing
    fields = confirm_fields(report)
    done = client.post(CONFIRM, data=fields)
    assert done.status_code == 303 and customers() == 2
    result = check_page(client.get(done.headers["Location"]))
    assert "New customers added 2" in result.find(id="import-counts").get_text(" ", strip=True)
    again = client.post(CONFIRM, data=fields)  # sent twice: the first result, nothing more
    assert again.status_code == 303
    assert urlsplit(again.headers["Location"]).path == urlsplit(done.headers["Location"]).path
    assert customers() == 2


def test_rejected_rows_are_listed_and_nothing_can_be_imported(client, act_as, upload):
    act_as("admin")
    report = check_page(upload(BAD))
    text = report.get_text(" ", strip=True)
    assert "Rows rejected 1" in text and "Enter an email address like name@example.com" in text
    assert report.find("form", action=CONFIRM) is None
    link = report.find("a", string="Download every rejected row (CSV)")
    download = client.get(link["href"])
    assert download.status_code == 200 and b"4,H3,email" in download.data
    skipping = check_page(upload(BAD, skip_rejected="y"))
    client.post(CONFIRM, data=confirm_fields(skipping))
    assert customers() == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "", "Choose a CSV file to upload"),
        (GOOD.encode(), "customers.xlsx", "The file must be a CSV file"),
        (b"", "empty.csv", "The file is empty"),
        (b"housing_ref,forename\n\xff\n", "x.csv", "not UTF-8"),
        (b"forename,surname\nPat,Smith\n", "x.csv", "these are missing: housing_ref"),
    ],
)
def test_a_file_refused_is_said_beside_the_field(client, act_as, upload, content, name, message):
    act_as("admin")
    page = check_page(upload(content, name=name), 422)
    assert message in errors_on(page)["file"]


def test_a_file_too_big_is_said_beside_the_field(client, act_as, upload, monkeypatch):
    from portal.staff import customer_import

    monkeypatch.setattr(customer_import, "MAX_BYTES", 10)
    act_as("admin")
    page = check_page(upload(GOOD), 413)
    assert "smaller than" in errors_on(page)["file"]


@pytest.mark.parametrize(
    "forged",
    [
        {"upload": "../../etc/passwd", "sha256": "0" * 64},
        {"upload": "a" * 32, "sha256": "x"},
        {"upload": "", "sha256": ""},
        {"upload": ["a", "b"], "sha256": "\x00"},
    ],
)
def test_a_forged_confirmation_is_refused_plainly(client, act_as, post, forged):
    act_as("admin")
    response = post(CONFIRM, forged, token_from=PAGE)
    assert response.status_code == 303 and customers() == 0


def test_a_changed_file_is_not_imported(client, act_as, upload, app):
    act_as("admin")
    fields = confirm_fields(check_page(upload(GOOD)))
    path = app.config["UPLOAD_DIR"] / "imports" / f"{fields['upload']}.csv"
    path.write_bytes(BAD.encode())
    assert client.post(CONFIRM, data=fields).status_code == 303
    assert customers() == 0


def test_missing_csrf_is_refused(client, act_as):
    act_as("admin")
    response = client.post(PAGE, data={"file": (io.BytesIO(GOOD.encode()), "a.csv")})
    assert response.status_code in (400, 422) and customers() == 0


def test_an_unknown_result_is_not_found(client, act_as):
    act_as("admin")
    assert client.get(f"{PAGE}/999999").status_code == 404
    assert client.get(f"{PAGE}/99999999999").status_code == 404
    assert client.get(f"{PAGE}/report/{'b' * 32}.csv").status_code == 404
    assert client.get(f"{PAGE}/report/nothex.csv").status_code == 404
