"""The customer side of the portal: one view module per journey."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

bp = Blueprint("customer", __name__)


def signed_in_customer():
    """The signed-in customer's account, or None (staff are not customers here)."""
    if current_user.is_authenticated and not getattr(current_user, "is_staff", False):
        return current_user
    return None


def customer_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if signed_in_customer() is None:
            return redirect(url_for("customer.sign_in", next=request.full_path.rstrip("?")), 303)
        return view(*args, **kwargs)

    return wrapped


from portal.customer import appeals, auth, equality, home, letters_language  # noqa: E402,F401
