"""Equality monitoring (§11.1, §12.1): customers' protected characteristics, kept apart from
their record, and how each group fares in the conduct process."""
