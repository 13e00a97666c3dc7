"""Every permission is a named function of the acting user (and the object, where it matters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.auth.models import Role, User

if TYPE_CHECKING:
    from portal.incidents.models import Incident


def _staff(user) -> bool:
    return bool(user) and getattr(user, "is_staff", False) and user.is_authenticated


def can_report_incident(user) -> bool:
    return _staff(user)


def can_view_customer(user) -> bool:
    """Any colleague may open a customer to see alerts and flags (lone working, §8.5)."""
    return _staff(user)


def can_log_contact(user) -> bool:
    return _staff(user)


def can_raise_alert(user) -> bool:
    return _staff(user) and user.has_role(Role.LINE_MANAGER, Role.PANEL, Role.CSM)


def can_open_register(user) -> bool:
    """The central register is restricted to the Panel (§8.8), and the CSM for §8.4 referrals."""
    return _staff(user) and user.has_role(Role.PANEL, Role.CSM)


def register_is_limited_to_asb(user) -> bool:
    """A CSM without Panel membership sees only tenant-related (§8.4) referrals."""
    return user.has_role(Role.CSM) and not user.has_role(Role.PANEL)


def can_view_conduct_history(user) -> bool:
    """Incidents, warnings and vulnerability notes are need-to-know."""
    return _staff(user) and user.has_role(Role.PANEL, Role.CSM, Role.GLT, Role.CEM)


def can_view_incident(user, incident: Incident) -> bool:
    if not _staff(user):
        return False
    if incident.reported_by_id == user.id or incident.line_manager_id == user.id:
        return True
    if user.has_role(Role.PANEL, Role.GLT, Role.CEM):
        return True
    return user.has_role(Role.CSM) and incident.route_is_asb


def can_add_evidence(user, incident: Incident) -> bool:
    """The colleague who reported it, and the Panel (or CSM) reviewing it, add evidence."""
    return can_view_incident(user, incident) and (
        incident.reported_by_id == user.id or can_review_as_panel(user, incident)
    )


def can_decide_as_line_manager(user, incident: Incident) -> bool:
    return _staff(user) and incident.line_manager_id == user.id


def can_review_as_panel(user, incident: Incident | None = None) -> bool:
    if not _staff(user):
        return False
    if user.has_role(Role.PANEL):
        return True
    return user.has_role(Role.CSM) and (incident is None or incident.route_is_asb)


def can_issue_warning(user) -> bool:
    return _staff(user) and user.has_role(Role.PANEL, Role.CSM)


def can_manage_calendar(user) -> bool:
    return _staff(user) and user.has_role(Role.ADMIN)


def can_manage_users(user) -> bool:
    return _staff(user) and user.has_role(Role.ADMIN)


def can_view_audit(user) -> bool:
    return _staff(user) and user.has_role(Role.ADMIN, Role.CEM)


def is_staff(user: User) -> bool:
    return _staff(user)


def can_request_restriction(user) -> bool:
    """The Panel requests restrictions, approves arrangements and runs reviews (§8.15–8.18)."""
    return _staff(user) and user.has_role(Role.PANEL)


def can_decide_restriction(user) -> bool:
    """Only the Group Leadership Team decides restriction requests (§8.16, §8.19)."""
    return _staff(user) and user.has_role(Role.GLT)


def can_view_restrictions(user) -> bool:
    """How a restriction came about (requests, reviews, history). What contact is allowed
    now is shown to every colleague on the customer record (§8.21)."""
    return _staff(user) and user.has_role(Role.PANEL, Role.GLT, Role.CEM)


def can_handle_correspondence(user) -> bool:
    """The Panel and the Customer Experience Manager log, read and check correspondence
    received while all contact is ended (§9.5)."""
    return _staff(user) and user.has_role(Role.PANEL, Role.CEM)


def can_issue_access_code(user) -> bool:
    """The Panel and the Customer Experience Manager give customers portal access codes."""
    return _staff(user) and user.has_role(Role.PANEL, Role.CEM)


def can_manage_appeals(user) -> bool:
    """The Customer Experience Manager runs the appeal clock (§9.1–9.4)."""
    return _staff(user) and user.has_role(Role.CEM)


def can_lodge_appeal_for_customer(user) -> bool:
    """Assisted digital: the CEM and the Panel lodge an appeal a customer gives them (§9.2)."""
    return _staff(user) and user.has_role(Role.CEM, Role.PANEL)


def can_view_appeals(user) -> bool:
    return _staff(user) and user.has_role(Role.CEM, Role.GLT, Role.PANEL)


def can_decide_appeal(user) -> bool:
    """GLT decides appeals; never on a restriction they requested or decided (see services)."""
    return _staff(user) and user.has_role(Role.GLT)


def needs_second_factor(user) -> bool:
    """Staff who can open the register, decide restrictions or appeals, or manage accounts
    sign in with a code from an authenticator app as well as their password."""
    return getattr(user, "is_staff", False) and user.has_role(
        Role.PANEL, Role.CSM, Role.GLT, Role.CEM, Role.ADMIN
    )


def can_edit_customer(user) -> bool:
    """Any colleague may add a customer and correct their details (names, type, contact)."""
    return _staff(user)


def can_edit_vulnerability(user) -> bool:
    """Vulnerability notes and support needs are changed by those who may read them."""
    return can_view_conduct_history(user)


def can_manage_api_tokens(user) -> bool:
    """Administrators create and revoke the housing management system's API tokens."""
    return _staff(user) and user.has_role(Role.ADMIN)


def can_export_subject_access(user) -> bool:
    """The Customer Experience Manager and administrators answer data requests (UK GDPR Art. 15):
    they export all a customer's data, third parties marked for review."""
    return _staff(user) and user.has_role(Role.CEM, Role.ADMIN)


def can_import_customers(user) -> bool:
    """Administrators import customers from the housing management system."""
    return _staff(user) and user.has_role(Role.ADMIN)


def can_view_retention(user) -> bool:
    """The retention schedule and what a run would do: administrators only."""
    return _staff(user) and user.has_role(Role.ADMIN)


def can_manage_themes(user) -> bool:
    """The Panel keeps the list of themes, tags incidents, escalates themes and records its
    reviews of the register (§10.2)."""
    return _staff(user) and user.has_role(Role.PANEL)


def can_view_themes(user) -> bool:
    """The themes page, the escalations and the register reviews: the Panel, and the CEM and
    GLT who oversee its work (§10.2, §10.3)."""
    return _staff(user) and user.has_role(Role.PANEL, Role.CEM, Role.GLT)


def can_view_equality(user) -> bool:
    """Equality monitoring answers (§11.1, §12.1) are read and recorded only by the Customer
    Experience Manager and administrators; every read is audited."""
    return _staff(user) and user.has_role(Role.CEM, Role.ADMIN)


def can_view_committee_report(user) -> bool:
    """The six-monthly committee report (§10.3): aggregate figures only, for the Customer
    Experience Manager who prepares it, the Panel it reports for, and GLT. It opens no
    individual record to anyone."""
    return _staff(user) and user.has_role(Role.CEM, Role.PANEL, Role.GLT)


def can_issue_committee_report(user) -> bool:
    """Issuing (freezing) the report for a committee meeting: the Panel, through the Customer
    Experience Manager (§10.3)."""
    return _staff(user) and user.has_role(Role.CEM, Role.PANEL)


def can_give_own_equality(user, customer_id: int) -> bool:
    """A customer gives, changes or withdraws their own equality monitoring answers (§11.1,
    §12.1) through the portal; staff record them through the staff pages instead."""
    return (
        bool(user)
        and not getattr(user, "is_staff", False)
        and user.is_authenticated
        and getattr(user, "customer_id", None) == customer_id
    )


def can_manage_impact_assessments(user) -> bool:
    """Equality Impact Assessments the Panel says are needed (§4.7) are tracked to an outcome
    by the Panel and the Customer Experience Manager."""
    return _staff(user) and user.has_role(Role.PANEL, Role.CEM)
