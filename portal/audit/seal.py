"""The keyed seals on the audit chain: ``AUDIT_KEY``, kept apart from ``SECRET_KEY``.

The chain's hashes use a public formula, so anyone who can write to the database can alter an
event and recompute every hash after it. A MAC made with a key the database never holds cannot
be recomputed: each event carries one over its hash, and the head (newest event) carries one
over its id, hash and time, so deleting the newest event is seen too.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from flask import current_app

# Keep a checkpoint (a sealed head, kept for good) every this many events.
CHECKPOINT_EVERY = 100


class AuditKeyMissing(RuntimeError):
    """The portal has no AUDIT_KEY to seal or check the audit chain with."""


def _key() -> bytes:
    key = current_app.config.get("AUDIT_KEY") or ""
    if not key:
        raise AuditKeyMissing("AUDIT_KEY is not set: the audit chain cannot be sealed")
    return key.encode()


def _mac(message: str) -> str:
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def event_seal(event_hash: str) -> str:
    """The MAC of one event's hash."""
    return _mac(f"audit-event|{event_hash}")


def head_seal(event_id: int, event_hash: str, sealed_at: datetime) -> str:
    """The MAC of a head or checkpoint: which event was newest, its hash, and when."""
    return _mac(f"audit-head|{event_id}|{event_hash}|{sealed_at.astimezone(UTC).isoformat()}")


def event_seal_ok(event_hash: str, seal: str | None) -> bool:
    return bool(seal) and hmac.compare_digest(event_seal(event_hash), seal)


def head_seal_ok(seal) -> bool:
    """Whether a head or checkpoint row carries the MAC only the key could have made."""
    expected = head_seal(seal.event_id, seal.event_hash, seal.sealed_at)
    return bool(seal.mac) and hmac.compare_digest(expected, seal.mac)
