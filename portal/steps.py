"""One way for a view to take a step: call the service, roll back on error, commit once,
flash, redirect 303; a :class:`~portal.errors.Conflict` becomes a 409 page that says what
already happened and shows back what the person entered."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FileField, HiddenField, SelectFieldBase, SubmitField

from portal import db
from portal.errors import Conflict, NotAllowed, ServiceError


def entered(form) -> list[tuple[str, str]]:
    """(label, value) for each field the person filled in, choices by their labels."""
    if form is None:
        return []
    shown = []
    for field in form:
        if isinstance(field, HiddenField | SubmitField | FileField) or field.name.endswith(
            "csrf_token"
        ):
            continue
        value = field.data
        if isinstance(field, BooleanField):
            if value:
                shown.append((str(field.label.text), str(_l("Yes"))))
            continue
        if isinstance(field, SelectFieldBase) and getattr(field, "choices", None):
            labels = {str(v): str(label) for v, label, *_rest in _choices(field)}
            values = value if isinstance(value, list | tuple) else [value]
            value = ", ".join(labels.get(str(v), str(v)) for v in values if v not in (None, "", 0))
        if value in (None, "", [], 0):
            continue
        shown.append((str(field.label.text), str(value)))
    return shown


def _choices(field):
    for choice in field.iter_choices():
        yield choice[0], choice[1]


def conflict_page(
    exc: Conflict, heading: str, back_url: str, back_label: str, form=None
) -> tuple[str, int]:
    """The 409 page: what already happened, by whom and when, and what the person entered."""
    message = next(iter(exc.errors.values()), "") or exc.describe()
    detail = exc.describe() if (exc.by or exc.at) and message != exc.describe() else ""
    return render_template(
        "staff/conflict.html",
        heading=heading,
        message=message,
        detail=detail,
        entered=entered(form),
        back_url=back_url,
        back_label=back_label,
    ), 409


def perform(
    call: Callable,
    *,
    then: str | Callable,
    done: str | Callable | None = None,
    on_error: Callable | None = None,
    on_conflict: Callable | None = None,
    after: Callable | None = None,
):
    """Take one step: ``call()`` the service; commit and flash ``done`` and redirect (303) to
    ``then`` (each may be a function of what the service returned). On a refusal roll back
    and return ``on_error(exc)`` (by default flash the message and redirect to ``then``); on
    a conflict roll back and return ``on_conflict(exc)``; NotAllowed is a 403. ``after(result)``
    runs once the step is committed, before the flash (to end this browser's session, say).
    """
    try:
        result = call()
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except Conflict as exc:
        db.session.rollback()
        if on_conflict is not None:
            return on_conflict(exc)
        return _refused(exc, on_error, then)
    except ServiceError as exc:
        db.session.rollback()
        return _refused(exc, on_error, then)
    db.session.commit()
    if after is not None:
        after(result)
    if done is not None:
        flash(done(result) if callable(done) else done, "success")
    return redirect(then(result) if callable(then) else then, 303)


def _refused(exc: ServiceError, on_error, then):
    if on_error is not None:
        return on_error(exc)
    flash(next(iter(exc.errors.values())), "error")
    return redirect(then(None) if callable(then) else then, 303)


def beside_fields(form, page: Callable, aliases: dict[str, str] | None = None) -> Callable:
    """An ``on_error`` for :func:`perform` that puts each message beside its field on
    ``form`` (``aliases`` renames the service's field names) and returns ``page()``, the
    form's page shown again (with its 422)."""

    def _refused(exc: ServiceError):
        form.apply_errors(exc, aliases)
        return page()

    return _refused


def record(call: Callable):
    """Take a step whose page is not a redirect (an audited download): ``call()`` the service
    and commit once, returning what it returned. On a refusal roll back and raise it again;
    NotAllowed is a 403."""
    try:
        result = call()
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def preview(build: Callable):
    """Show what a step would make, keeping nothing: ``build()`` (a service run as if for
    real, or a draft) and roll back whatever it did, whatever happened.

    Returns (what ``build`` returned, {}) or, on a refusal (a Conflict included), (None, its
    errors by field); NotAllowed is a 403. The whole transaction is rolled back rather than a
    SAVEPOINT: a draft that only reads (the Panel's live preview, sent at each pause in typing
    by every member at once) then sends nothing but reads, and a preview that flushes (the
    review letter) keeps nothing. Call it before anything the request means to keep.
    """
    try:
        return build(), {}
    except NotAllowed:
        abort(403)
    except ServiceError as exc:
        return None, exc.errors
    finally:
        db.session.rollback()
