"""The six-monthly report to the Customer Experience and Health & Safety Committees (§10.3)."""
