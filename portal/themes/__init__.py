"""The Panel's recurring themes, their escalations and its reviews of the register (§10.2)."""
