"""The six-monthly review of a restriction (§10.1, Appendix C): continue, vary or lift it, the
review letter, reintroducing a lifted restriction, and the Panel's reminders."""
