"""Issue 16 point 13: every message a service refuses with carries a stable code and a
translatable message (``Problem("incident.description_missing", _l("Describe what happened"))``),
so views act on the code and each reader sees the message in their own language.

The rule reads every module under portal/ with ``ast`` (nothing is imported) and finds each
``ServiceError(...)`` given a plain message, and each ``Conflict(...)`` whose ``message`` is
one: a string, an f-string, a %-formatted string, ``str(...)``, an eager or bare lazy gettext
call (text with no code), or a dict with one of those as a value. A
name passed instead is followed to what it was bound to in the same function or module, and a
dict bound to it is checked item by item (``errors["x"] = ...``, ``errors.setdefault``,
``errors.update``). The rule is tried on small made-up modules first, so it can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"

# Translation calls: text with no code (``_l`` is lazy but still carries no code).
TEXT_CALLS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"}
# Calls that make plain text of whatever they are given (a Problem's code is lost).
PLAIN_CALLS = TEXT_CALLS | {"str"}
# Conflict(what, by, at, field, message): only its message is said as the refusal.
CONFLICT_MESSAGE_POSITION = 4


def _called(node: ast.AST) -> str | None:
    """The name a call calls: ``f`` for ``f(...)``, ``attr`` for ``x.attr(...)``."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _plain(node: ast.AST | None) -> bool:
    """Whether ``node`` is a message with no code: a string, however it is made."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _plain(node.left) or _plain(node.right)
    if isinstance(node, ast.IfExp):
        return _plain(node.body) or _plain(node.orelse)
    return _called(node) in PLAIN_CALLS


def _messages_given(call: ast.Call) -> list[ast.AST]:
    """What a ServiceError or a Conflict is given as its message(s); [] for other calls."""
    if _called(call) == "ServiceError":
        return [*call.args, *(k.value for k in call.keywords)]
    if _called(call) == "Conflict":
        positional = call.args[CONFLICT_MESSAGE_POSITION : CONFLICT_MESSAGE_POSITION + 1]
        return [*positional, *(k.value for k in call.keywords if k.arg == "message")]
    return []


class _Scope:
    """What each name is bound to in one function (or a module's top level), and what is put
    into it afterwards when it is a dict."""

    def __init__(self, body: list[ast.stmt]):
        self.bound: dict[str, list[ast.AST]] = {}
        self.items: dict[str, list[ast.AST]] = {}
        for node in self._walk(body):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self._bind(target, node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and node.func.attr == "setdefault":
                    self.items.setdefault(owner.id, []).extend(node.args[1:2])
                elif isinstance(owner, ast.Name) and node.func.attr == "update" and node.args:
                    self.items.setdefault(owner.id, []).append(node.args[0])

    @staticmethod
    def _walk(body: list[ast.stmt]):
        """Every node of ``body``, not going into nested functions or classes."""
        pending: list[ast.AST] = list(body)
        while pending:
            node = pending.pop()
            yield node
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    pending.append(child)

    def _bind(self, target: ast.AST, value: ast.AST | None) -> None:
        if value is None:
            return
        if isinstance(target, ast.Name):
            self.bound.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            self.items.setdefault(target.value.id, []).append(value)
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for one, other in zip(target.elts, value.elts, strict=False):
                self._bind(one, other)


def _plain_message(node: ast.AST, scopes: list[_Scope], depth: int = 0) -> bool:
    """Whether ``node``, given to ServiceError, is or holds a message with no code."""
    if depth > 5:
        return False
    if _plain(node):
        return True
    if isinstance(node, ast.Dict):
        return any(_plain_message(value, scopes, depth + 1) for value in node.values)
    if isinstance(node, ast.Name):
        for scope in scopes:
            if node.id in scope.bound or node.id in scope.items:
                values = scope.bound.get(node.id, []) + scope.items.get(node.id, [])
                return any(_plain_message(value, scopes, depth + 1) for value in values)
    return False


def plain_service_errors(source: str) -> list[int]:
    """The lines of ``source`` where a ServiceError, or a Conflict's ``message``, is given a
    message with no code."""
    tree = ast.parse(source)
    module = _Scope(tree.body)
    found: list[int] = []

    def visit(body: list[ast.stmt], scopes: list[_Scope]) -> None:
        for node in _Scope._walk(body):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node.body, [_Scope(node.body), *scopes])
            elif isinstance(node, ast.ClassDef):
                visit(node.body, scopes)
            elif isinstance(node, ast.Call) and any(
                _plain_message(arg, scopes) for arg in _messages_given(node)
            ):
                found.append(node.lineno)

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            visit(node.body, [_Scope(node.body), module])
        elif isinstance(node, ast.ClassDef):
            visit(node.body, [module])
        else:
            visit([node], [module])
    return sorted(set(found))


@pytest.mark.parametrize(
    "source",
    [
        'raise ServiceError("The request has been decided")',
        'raise ServiceError({"notes": "Explain the decision"})',
        'raise ServiceError({"day": f"{day} is already a closure day"})',
        'raise errors.ServiceError({"": "Keep it to %d characters" % n})',
        'raise ServiceError(_("Choose how the letter is sent"))',
        'raise ServiceError({"reason": _l("Say why")})',
        'def f():\n    errors = {}\n    errors["x"] = "Say why"\n    raise ServiceError(errors)',
        'def f():\n    errors = {"x": Problem("a.b", _l("Say"))}\n'
        '    errors.setdefault("y", "Say why")\n    raise ServiceError(errors)',
        'def f(e):\n    errors = {}\n    errors.update({"y": f"Say {e}"})\n'
        "    raise ServiceError(errors)",
        'WRONG = "The code is not right"\ndef f():\n    raise ServiceError({"code": WRONG})',
        'def f(ok):\n    said = "Say it" if ok else Problem("a.b", _l("Say"))\n'
        "    raise ServiceError(said)",
        'class A:\n    def f(self):\n        raise ServiceError("Not yet")',
        "raise ServiceError(str(exc))",
        "raise Conflict(state.title, by=by, at=at, message=str(said) if said else None)",
        'raise Conflict("Sent", message=_("The decision letter has already been sent"))',
        'def f():\n    already = _("Sent already")\n    raise Conflict("Sent", message=already)',
        'raise Conflict(what, None, None, "", "Done already")',
        'return Conflict(what, field="x", message=_l("Done already"))',
    ],
)
def test_point13_rule_finds_a_plain_message(source):
    assert plain_service_errors(source)


@pytest.mark.parametrize(
    "source",
    [
        'raise ServiceError(Problem("review.not_lifted", _l("Only a lifted restriction")))',
        'raise ServiceError({"notes": Problem("incident.notes_missing", _l("Explain"))})',
        'WRONG = Problem("two_factor.code_wrong", _l("The code is not right"))\n'
        'def f():\n    raise ServiceError({"code": WRONG})',
        'def f(d):\n    errors = {}\n    errors["x"] = Problem("a.b", _l("Say %(d)s", d=d))\n'
        "    raise ServiceError(errors)",
        'def f():\n    said = _l("Say why")\n    raise ServiceError({"x": Problem("a.b", said)})',
        "def f(exc):\n    raise ServiceError(exc.errors)",
        "def f():\n    errors = {}\n    raise ServiceError(errors)\n"
        'def g():\n    errors = {"x": "y"}',
        'raise Conflict(_("Customer told on %(d)s", d=d), message=SENT)',
        'raise Conflict(what, by=by, message=Problem("a.b", _l("Done already")))',
        "return Conflict(state.title, by=by, at=at, message=self.said.get(state))",
        'raise Conflict("ended")',
    ],
)
def test_point13_rule_passes_messages_with_codes(source):
    assert plain_service_errors(source) == []


def test_point13_every_service_error_carries_codes():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(PORTAL.rglob("*.py"))
        if (lines := plain_service_errors(path.read_text(encoding="utf-8")))
    }
    assert found == {}, (
        "ServiceError or Conflict given a message with no code "
        "(use Problem(code, _l(message))): "
        + "; ".join(f"{path} line {', '.join(map(str, lines))}" for path, lines in found.items())
    )
