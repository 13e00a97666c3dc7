"""Correspondence received while all contact is ended (§9.5): logged, read, checked, then
acknowledged and filed or routed to the Panel."""
