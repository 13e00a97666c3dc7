"""Where an administrator finds the portal's links with the housing system and its data
protection tools: the customer import, the flag API's tokens and the retention schedule."""

from __future__ import annotations

from flask import render_template

from portal.auth import permissions
from portal.staff import bp
from portal.staff.guard import staff_required


@bp.route("/admin/data")
@staff_required(permissions.can_manage_users)
def admin_data():
    return render_template("staff/admin/data.html")
