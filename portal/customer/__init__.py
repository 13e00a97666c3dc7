"""The customer side of the portal."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.organisation.services import get_organisation

bp = Blueprint("customer", __name__)


@bp.route("/")
def start():
    return render_template("customer/start.html", org=get_organisation())
