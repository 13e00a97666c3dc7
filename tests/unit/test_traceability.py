"""Every clause in the clause list has at least one test marked with it, and no marker is stray."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

from portal.config import BASE_DIR

CLAUSE_FILE = BASE_DIR / "portal" / "policy_clauses.tsv"
TESTS = Path(__file__).resolve().parent.parent


def listed_clauses() -> set[str]:
    with CLAUSE_FILE.open(encoding="utf-8") as handle:
        return {row["clause"] for row in csv.DictReader(handle, delimiter="\t")}


def marked_clauses(root: Path = TESTS) -> dict[str, set[str]]:
    """Clause → test names, read from ``@pytest.mark.policy(...)`` in the test sources."""
    found: dict[str, set[str]] = {}
    for path in root.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.ClassDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "policy"
                ):
                    for arg in decorator.args:
                        if isinstance(arg, ast.Constant):
                            found.setdefault(str(arg.value), set()).add(f"{path.name}::{node.name}")
    return found


def test_every_listed_clause_has_a_test():
    missing = sorted(
        listed_clauses() - set(marked_clauses()), key=lambda c: [int(p) for p in c.split(".")]
    )
    assert not missing, f"clauses with no test marked @pytest.mark.policy: {missing}"


def test_every_marker_names_a_listed_clause():
    stray = sorted(set(marked_clauses()) - listed_clauses())
    assert not stray, f"tests name clauses that are not in {CLAUSE_FILE.name}: {stray}"


def test_the_checker_sees_a_missing_clause(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n\n@pytest.mark.policy('8.7')\ndef test_x():\n    pass\n"
    )
    assert marked_clauses(tmp_path) == {"8.7": {"test_sample.py::test_x"}}
