"""Issuing a staged warning: how its letter reaches the customer (§8.9)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from portal.forms import BaseForm
from portal.letters.delivery import Delivery


class IssueWarningForm(BaseForm):
    # No way is chosen for staff: the one that reaches this customer is theirs to pick.
    delivery = RadioField(
        _l("How will the customer get this letter?"),
        choices=Delivery.choices(),
        validators=[InputRequired(_l("Choose how the letter is sent"))],
        invalid_choice_message=_l("Choose how the letter is sent"),
    )
