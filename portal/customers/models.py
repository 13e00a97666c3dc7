"""Customers (§3.1), safety alerts (§8.5), the contact log (§6.5) and refusals of access."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from portal.auth.models import User
from portal.db import Base
from portal.enums import TitledEnum


class CustomerType(TitledEnum):
    TENANT = "tenant"
    LEASEHOLDER = "leaseholder"
    APPLICANT = "applicant"
    RESIDENT = "resident"
    FORMER_TENANT = "former_tenant"
    VISITOR = "visitor"
    FRIEND_OR_RELATIVE = "friend_or_relative"
    THIRD_PARTY = "third_party_representative"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.TENANT: _l("Tenant"),
            cls.LEASEHOLDER: _l("Leaseholder"),
            cls.APPLICANT: _l("Applicant"),
            cls.RESIDENT: _l("Resident"),
            cls.FORMER_TENANT: _l("Former tenant"),
            cls.VISITOR: _l("Visitor"),
            cls.FRIEND_OR_RELATIVE: _l("Friend or relative of a tenant"),
            cls.THIRD_PARTY: _l("Third-party representative"),
        }

    @property
    def links_to_tenant(self) -> bool:
        return self in (
            CustomerType.VISITOR,
            CustomerType.FRIEND_OR_RELATIVE,
            CustomerType.THIRD_PARTY,
        )


# The one customer every record anonymised under the retention schedule belongs to
# (portal/retention/): counted in reports, never found by a search for a person.
ANONYMISED_REFERENCE = "ANONYMISED"


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (
        CheckConstraint("tenant_id IS NULL OR tenant_id <> id", name="not_own_tenant"),
        Index("ix_customer_surname", "surname"),
        # Unique through an index, which SQLite adds in place (a constraint rebuilds the table).
        Index("ix_customer_housing_ref", "housing_ref", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    forename: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    customer_type: Mapped[CustomerType]
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    preferred_language: Mapped[str] = mapped_column(String(10), default="en")
    vulnerability_notes: Mapped[str] = mapped_column(Text, default="")
    support_needs: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    # The housing management system's key for this person: what an import or the API matches on.
    housing_ref: Mapped[str | None] = mapped_column(String(40))
    # Moves on with every change, so an edit made from an older copy of the record is refused
    # (portal/customers/records.py) rather than overwriting what someone else saved meanwhile.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    tenant: Mapped[Customer | None] = relationship(remote_side=[id])

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def has_vulnerability(self) -> bool:
        return bool(self.vulnerability_notes.strip() or self.support_needs.strip())


@event.listens_for(Customer, "before_update")
def _move_version_on(_mapper, _connection, target: Customer) -> None:
    """Any change saved through the ORM (the language for letters, say) moves the version on
    too, so an edit form opened before it is told rather than putting the old value back."""
    session = object_session(target)
    if session is not None and session.is_modified(target, include_collections=False):
        target.version = Customer.version + 1


class Alert(Base):
    """A health and safety risk alert (§8.5) that every colleague sees on the customer."""

    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint(
            "(ended_at IS NULL AND ended_by_id IS NULL) OR "
            "(ended_at IS NOT NULL AND ended_by_id IS NOT NULL)",
            name="ended_has_who",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    summary: Mapped[str] = mapped_column(String(200))
    advice: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    raised_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)

    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def active(self) -> bool:
        return self.ended_at is None


class ContactChannel(TitledEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    OFFICE = "office"
    SOCIAL_MEDIA = "social_media"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.PHONE: _l("Phone call"),
            cls.EMAIL: _l("Email"),
            cls.LETTER: _l("Letter"),
            cls.VISIT: _l("Home visit"),
            cls.OFFICE: _l("Office visit"),
            cls.SOCIAL_MEDIA: _l("Social media"),
        }


class ContactLogEntry(Base):
    """One contact from or to the customer, so levels of contact are counted (§6.5–6.6)."""

    __tablename__ = "contact_log_entry"
    __table_args__ = (
        CheckConstraint(
            "duration_minutes IS NULL OR (duration_minutes >= 0 AND duration_minutes <= 1440)",
            name="duration_range",
        ),
        Index("ix_contact_customer_time", "customer_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    channel: Mapped[ContactChannel]
    inbound: Mapped[bool] = mapped_column(default=True)
    occurred_at: Mapped[datetime]
    duration_minutes: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(500), default="")
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    logged_at: Mapped[datetime]


class WorksType(TitledEnum):
    ESSENTIAL = "essential"
    NON_ESSENTIAL = "non_essential"

    @classmethod
    def titles(cls) -> dict:
        return {cls.ESSENTIAL: _l("Essential works"), cls.NON_ESSENTIAL: _l("Non-essential works")}


class AccessRefusal(Base):
    """A refusal to allow access for works (§6.8 legal action; §6.9 cancellation)."""

    __tablename__ = "access_refusal"
    __table_args__ = (
        CheckConstraint(
            "(works_type = 'essential' AND legal_action_flag AND NOT service_request_cancelled) OR "
            "(works_type = 'non_essential' AND NOT legal_action_flag)",
            name="consequence_fits_works",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    works_type: Mapped[WorksType]
    refused_on: Mapped[date]
    service_request_ref: Mapped[str] = mapped_column(String(40), default="")
    works_description: Mapped[str] = mapped_column(String(300))
    legal_action_flag: Mapped[bool] = mapped_column(default=False)
    service_request_cancelled: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    recorded_at: Mapped[datetime]


class RepresentativeRelation(TitledEnum):
    """Who a representative is to the customer they act for."""

    ADVOCATE = "advocate"
    FAMILY_OR_FRIEND = "family_or_friend"
    SUPPORT_WORKER = "support_worker"
    SOLICITOR = "solicitor"
    COUNCILLOR_OR_MP = "councillor_or_mp"
    OTHER = "other"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.ADVOCATE: _l("Advocate"),
            cls.FAMILY_OR_FRIEND: _l("Family member or friend"),
            cls.SUPPORT_WORKER: _l("Support worker"),
            cls.SOLICITOR: _l("Solicitor"),
            cls.COUNCILLOR_OR_MP: _l("Councillor or MP"),
            cls.OTHER: _l("Other"),
        }


class ConsentMethod(TitledEnum):
    """How the customer told us they agree to someone acting for them."""

    IN_WRITING = "in_writing"
    BY_PHONE = "by_phone"
    IN_PERSON = "in_person"
    PORTAL = "portal"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.IN_WRITING: _l("In writing"),
            cls.BY_PHONE: _l("By phone"),
            cls.IN_PERSON: _l("In person"),
            cls.PORTAL: _l("Through the portal"),
        }


class RepresentativeEnding(TitledEnum):
    """Why someone stopped acting for the customer."""

    CONSENT_WITHDRAWN = "consent_withdrawn"
    ARRANGEMENT_ENDED = "arrangement_ended"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.CONSENT_WITHDRAWN: _l("The customer withdrew their consent"),
            cls.ARRANGEMENT_ENDED: _l("The arrangement came to an end"),
        }


class CustomerRepresentative(Base):
    """Someone the customer has agreed may act for them (an advocate, a relative, a solicitor).

    The customer's own choice, recorded with their consent: not the "third-party
    representative" restriction (portal/restrictions/), where a decision says contact must go
    through someone. Ended, never deleted, when consent is withdrawn or the arrangement ends.
    """

    __tablename__ = "customer_representative"
    __table_args__ = (
        CheckConstraint(
            "(ended_at IS NULL AND ended_by_id IS NULL AND ended_because IS NULL) OR "
            "(ended_at IS NOT NULL AND ended_by_id IS NOT NULL AND ended_because IS NOT NULL)",
            name="ended_has_who",
        ),
        CheckConstraint(
            "consent_until IS NULL OR consent_until > consent_given_on", name="until_after_given"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[RepresentativeRelation]
    relation_detail: Mapped[str] = mapped_column(String(100), default="")  # for "other"
    organisation: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    consent_given_on: Mapped[date]
    consent_method: Mapped[ConsentMethod]
    consent_until: Mapped[date | None]  # the last day they may act, when the customer set one
    copy_letters: Mapped[bool] = mapped_column(default=False)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    added_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    ended_because: Mapped[RepresentativeEnding | None]
    end_reason: Mapped[str] = mapped_column(String(500), default="")

    added_by: Mapped[User] = relationship(foreign_keys=[added_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def expired_on(self, today: date) -> bool:
        """Consent ran out: ``today`` is after the last day the customer agreed to."""
        return self.consent_until is not None and today > self.consent_until

    def acting_on(self, today: date) -> bool:
        """May act for the customer on ``today``: not ended, and consent not run out."""
        return not self.ended and not self.expired_on(today)
