"""Permission decorator and small helpers shared by staff views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal import db
from portal.auth import permissions


def staff_required(permission: Callable = permissions.is_staff):
    """Send signed-out visitors to sign in; refuse staff without ``permission`` with a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or not getattr(current_user, "is_staff", False):
                return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")))
            if not permission(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


MAX_ID = db.MAX_ID  # a bigger number in a URL overflows the driver


def get_or_none(model, ident: int | None):
    """Load a row by id, or None for a missing, impossible or out-of-range id."""
    if ident is None or not 0 < ident <= MAX_ID:
        return None
    return db.session.get(model, ident)


def get_or_404(model, ident: int):
    obj = get_or_none(model, ident)
    if obj is None:
        abort(404)
    return obj


def actor():
    """The signed-in member of staff as a plain object for services."""
    return current_user._get_current_object()
