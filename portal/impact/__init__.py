"""Equality Impact Assessments (§4.7): each one the Panel says is needed is opened, given a
due date and tracked until someone records what was considered and what came of it."""
