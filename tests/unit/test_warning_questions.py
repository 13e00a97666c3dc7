"""What the incident page and the warning letter ask of the Panel's review and the warning's
stage, answered by the model (templates never compare status strings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.conduct_warnings.models import Stage
from portal.panel.models import Outcome, PanelReview

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("outcome", list(Outcome))
def test_only_a_warning_outcome_gives_a_warning(outcome):
    assert PanelReview(outcome=outcome).gives_warning is (outcome == Outcome.WARNING)


@pytest.mark.parametrize(
    ("stage", "first", "second", "final"),
    [
        (Stage.FIRST, True, False, False),
        (Stage.SECOND, False, True, False),
        (Stage.FINAL, False, False, True),
    ],
)
def test_each_stage_says_which_it_is(stage, first, second, final):
    assert (stage.is_first, stage.is_second, stage.is_final) == (first, second, final)


@pytest.mark.parametrize(
    "template", ["staff/incidents/show.html", "letters/warning.html", "staff/home.html"]
)
def test_the_templates_ask_the_model_instead_of_comparing_values(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not re.search(r"\.value\s*(==|!=|\bin\b|\bnot in\b)", text)
