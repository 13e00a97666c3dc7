"""The one way a view takes a step (``portal.steps.perform``): what runs once the step is
committed, and a refusal shown beside the form's fields."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages, session
from wtforms import StringField

from portal.errors import ServiceError
from portal.forms import BaseForm
from portal.steps import beside_fields, perform


class NameForm(BaseForm):
    name = StringField("Name")


def refuse(errors):
    def _call():
        raise ServiceError(errors)

    return _call


@pytest.fixture
def request_context(app):
    with app.test_request_context("/staff/", method="POST"):
        yield


def test_after_runs_once_committed_and_before_the_flash(request_context):
    seen = []

    def after(result):
        seen.append(result)
        session.clear()  # signing out empties the cookie: the flash must come after it

    response = perform(lambda: 7, then="/staff/done", done=lambda n: f"Done {n}", after=after)

    assert (response.status_code, response.location) == (303, "/staff/done")
    assert seen == [7]
    assert get_flashed_messages(with_categories=True) == [("success", "Done 7")]


def test_after_does_not_run_when_the_step_is_refused(request_context):
    seen = []

    response = perform(refuse("Not now"), then="/staff/back", after=seen.append)

    assert (response.status_code, response.location) == (303, "/staff/back")
    assert seen == []
    assert get_flashed_messages(with_categories=True) == [("error", "Not now")]


def test_a_refusal_is_shown_beside_its_field(request_context):
    form = NameForm(meta={"csrf": False})

    shown = perform(
        refuse({"full_name": "Enter a name", "": "Something else"}),
        then="/staff/done",
        on_error=beside_fields(form, lambda: ("the page again", 422), {"full_name": "name"}),
    )

    assert shown == ("the page again", 422)
    assert form.name.errors == ["Enter a name"]
    assert form.form_errors == ["Something else"]
    assert get_flashed_messages() == []
