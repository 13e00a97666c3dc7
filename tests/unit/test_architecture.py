"""Where code lives, as facts anyone can re-check (issue 12): no import cycles, the domain never
imports a blueprint, views never load the calendar, the calendar imports no domain code, and no
module grows past what one person can hold in their head.

Each rule is a small function over a table of imports, read with ``ast`` (nothing is imported),
and each is tried on a tiny made-up example first, so a rule that could never fail is caught.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"

# The demo data builds a whole world from every part of the portal; it is not the portal.
DEMO = {"portal.demo", "portal.demo_restrictions"}
BLUEPRINTS = ("portal.staff", "portal.customer")
MAX_LINES = 450
TOO_LONG: dict[str, str] = {}


def within(name: str, packages) -> bool:
    """Whether ``name`` is one of ``packages`` or inside one (portal.customers is not inside
    portal.customer)."""
    return any(name == p or name.startswith(p + ".") for p in packages)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def portal_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PORTAL.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.Module, module_level: bool):
    """The import statements run when the module loads (or, if not ``module_level``, all)."""
    if not module_level:
        yield from (n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom))
        return
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            pending += [stmt for handler in node.handlers for stmt in handler.body]


def imports_of(
    name: str, source: str, known: set[str], is_package: bool, module_level: bool
) -> set[str]:
    """The ``known`` modules that ``name`` imports: ``from a import b`` is a.b if that is a
    module, else a."""
    found = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in _import_nodes(ast.parse(source), module_level):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        found |= {target for target in targets if target in known and target != name}
    return found


def import_graph(sources: dict[str, str], packages: set[str], module_level: bool = True):
    known = set(sources)
    return {
        name: imports_of(name, text, known, name in packages, module_level)
        for name, text in sources.items()
    }


def _portal_graph(module_level: bool = True) -> dict[str, set[str]]:
    modules = portal_modules()
    sources = {name: path.read_text(encoding="utf-8") for name, path in modules.items()}
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    return import_graph(sources, packages, module_level)


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of two or more modules (Tarjan), sorted.

    A package importing its own submodules (a blueprint registering its views at the end of
    ``__init__``) is not counted: Python loads a package before any module inside it, so
    "the submodule imports its package" holds of every submodule, and the pair is one unit.
    """
    edges = {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups)


def blueprint_imports(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Domain modules (not the app factory, not a blueprint) that import a blueprint."""
    return {
        name: bad
        for name, targets in graph.items()
        if name != "portal"
        and not within(name, BLUEPRINTS)
        and (bad := {t for t in targets if within(t, BLUEPRINTS)})
    }


def views_loading_the_calendar(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        name: bad
        for name, targets in graph.items()
        if name.startswith(BLUEPRINTS)
        and (
            bad := {
                t for t in targets if t == "portal.workdays" or t.startswith("portal.workdays.")
            }
        )
    }


# What the calendar may build on: storage, the audit trail, errors and the clock, no policy.
CALENDAR_MAY_USE = {"portal.db", "portal.audit", "portal.errors", "portal.timeutil"}


def calendar_reaching_up(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        name: bad
        for name, targets in graph.items()
        if within(name, ["portal.workdays"])
        and (
            bad := {
                t
                for t in targets
                if not within(t, ["portal.workdays"]) and not within(t, CALENDAR_MAY_USE)
            }
        )
    }


STATUS_COMPARISON = re.compile(r"\.value\s*(==|!=|\bnot\s+in\b|\bin\b)")


def status_comparisons(sources: dict[str, str]) -> list[str]:
    """Template lines that compare an enum's stored string instead of asking the model."""
    return [
        f"{name}:{number}: {line.strip()}"
        for name, text in sorted(sources.items())
        for number, line in enumerate(text.splitlines(), start=1)
        if STATUS_COMPARISON.search(line)
    ]


DIRECT_COMMIT = re.compile(r"\bdb\.session\.commit\(")


def views_committing(sources: dict[str, str]) -> dict[str, int]:
    """View modules that commit themselves instead of taking the step with ``steps.perform``."""
    return {
        name: count
        for name, text in sorted(sources.items())
        if within(name, BLUEPRINTS) and (count := len(DIRECT_COMMIT.findall(text)))
    }


def too_long(line_counts: dict[str, int], exceptions: dict[str, str]) -> list[str]:
    """Modules over the limit without a reason, and reasons for modules no longer over it."""
    problems = [
        f"{path}: {count} lines (over {MAX_LINES})"
        for path, count in sorted(line_counts.items())
        if count > MAX_LINES and path not in exceptions
    ]
    problems += [
        f"{path}: listed as too long, but is {line_counts.get(path, 0)} lines: drop it"
        for path in sorted(exceptions)
        if line_counts.get(path, 0) <= MAX_LINES
    ]
    return problems


# -- Each rule fails when broken: tried on made-up modules first ------------------------------

SYNTHETIC = {
    "portal": "",
    "portal.a": "from portal import b\n",
    "portal.b": "import portal.c\n",
    "portal.c": "def later():\n    from portal.a import thing\n",
    "portal.staff": "from portal.staff import views\n",
    "portal.staff.views": "from portal.staff import bp\nfrom portal.workdays import services\n",
    "portal.workdays": "",
    "portal.workdays.services": "from portal import db\n"
    "def recompute():\n    from portal.incidents.services import x\n",
    "portal.db": "",
    "portal.incidents": "",
    "portal.incidents.services": "from portal.staff.views import helper\n",
    "portal.customers": "",
    "portal.customers.models": "",
    "portal.incidents.models": "from portal.customers.models import Customer\n",
}
SYNTHETIC_PACKAGES = {
    "portal",
    "portal.staff",
    "portal.workdays",
    "portal.incidents",
    "portal.customers",
}


def test_the_rules_catch_made_up_breaches():
    graph = import_graph(SYNTHETIC, SYNTHETIC_PACKAGES)
    # Only module-level imports make a cycle, and a blueprint and its views are one unit.
    assert find_cycles(graph) == []
    cyclic = dict(SYNTHETIC, **{"portal.c": "from portal.a import thing\n"})
    assert find_cycles(import_graph(cyclic, SYNTHETIC_PACKAGES)) == [
        ["portal.a", "portal.b", "portal.c"]
    ]
    assert blueprint_imports(graph) == {"portal.incidents.services": {"portal.staff.views"}}
    # portal.customers (the domain) is not portal.customer (the blueprint).
    assert views_loading_the_calendar(graph) == {"portal.staff.views": {"portal.workdays.services"}}
    everything = import_graph(SYNTHETIC, SYNTHETIC_PACKAGES, module_level=False)
    assert calendar_reaching_up(everything) == {
        "portal.workdays.services": {"portal.incidents.services"}
    }
    assert status_comparisons(
        {
            "a.html": "{% if appeal.status.value == 'lodged' %}\n{{ appeal.status.title }}",
            "b.html": "{% if a.status.value in ('x', 'y') %}{% if appeal.is_open %}",
            "c.html": "{{ value }} in stock",
        }
    ) == [
        "a.html:1: {% if appeal.status.value == 'lodged' %}",
        "b.html:1: {% if a.status.value in ('x', 'y') %}{% if appeal.is_open %}",
    ]
    assert views_committing(
        {
            "portal.staff.views": "db.session.commit()\nperform(call, then=url)",
            "portal.steps": "db.session.commit()",
            "portal.customer.home": "return perform(lambda: save(), then='/')",
        }
    ) == {"portal.staff.views": 1}
    assert too_long({"a.py": 451, "b.py": 450, "c.py": 10}, {"c.py": "why"}) == [
        "a.py: 451 lines (over 450)",
        "c.py: listed as too long, but is 10 lines: drop it",
    ]


# -- The portal keeps them ---------------------------------------------------------------------


def test_no_import_cycles_outside_the_demo_data():
    graph = {name: targets - DEMO for name, targets in _portal_graph().items() if name not in DEMO}
    assert find_cycles(graph) == []


def test_domain_code_never_imports_a_blueprint():
    assert blueprint_imports(_portal_graph(module_level=False)) == {}


# Views still loading the calendar, each with why it waits.
VIEWS_LOADING_THE_CALENDAR: dict[str, str] = {}


def test_views_never_load_the_calendar():
    found = views_loading_the_calendar(_portal_graph(module_level=False))
    assert sorted(set(found) - set(VIEWS_LOADING_THE_CALENDAR)) == []
    # An exception that no longer applies is dropped, so the list stays true.
    assert sorted(set(VIEWS_LOADING_THE_CALENDAR) - set(found)) == []


def test_the_calendar_imports_no_domain_code():
    assert calendar_reaching_up(_portal_graph(module_level=False)) == {}


def test_templates_ask_the_model_and_never_compare_status_strings():
    sources = {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for path in (ROOT / "templates").rglob("*.html")
    }
    assert status_comparisons(sources) == []


# View modules that still commit themselves, each with why.
VIEWS_COMMITTING: dict[str, str] = {}


def test_views_take_each_step_through_perform():
    modules = portal_modules()
    sources = {name: path.read_text(encoding="utf-8") for name, path in modules.items()}
    found = views_committing(sources)
    assert sorted(set(found) - set(VIEWS_COMMITTING)) == []
    assert sorted(set(VIEWS_COMMITTING) - set(found)) == []


def test_no_module_over_450_lines_without_a_reason():
    counts = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PORTAL.rglob("*.py")
    }
    assert too_long(counts, TOO_LONG) == []
    assert all(reason.strip() for reason in TOO_LONG.values())
