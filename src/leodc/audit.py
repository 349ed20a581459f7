"""Claims audit: what a source states beside what leodc recomputes.

A scenario's ``[audit]`` section lists the source's stated figures (``[audit.stated]``) and its
claims. A claim is recomputed either as plain arithmetic over the stated figures (``recomputed``:
the derived checks anyone can redo) or as a leodc output (``metric``), optionally with scenario
overrides (``set``) so that the source's own method and the physically right one can both be shown.
A claim agrees when the relative difference is within its tolerance.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass

from leodc.assessment import assess
from leodc.errors import InputError
from leodc.scenario import Claim, Scenario, with_overrides

# ---------------------------------------------------------------- arithmetic over stated figures

_OPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos,
}


def evaluate(expression: str, names: dict[str, float], where: str = "audit", field: str = "recomputed") -> float:
    """Evaluate plain arithmetic over named stated figures (no calls, no attributes).

    Parameters
    ----------
    expression : str
        ``+ - * / **``, parentheses, numbers and the names in ``names``.
    names : dict of str to float
        The stated figures (``[audit.stated]``).
    where, field : str
        The file and the field an :class:`~leodc.errors.InputError` names.

    Returns
    -------
    float
        The value, finite and real.
    """
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, RecursionError):
        raise InputError(where, field, f"expected an arithmetic expression, found {expression!r}") from None

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in names:
                raise InputError(where, field, f"unknown name {node.id!r}; stated: {', '.join(names)}")
            return float(names[node.id])
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        raise InputError(where, field, f"only + - * / ** and names are allowed: {expression!r}")

    try:
        value = ev(tree)
    except ZeroDivisionError:
        raise InputError(where, field, f"expected no division by zero in {expression!r}") from None
    except (OverflowError, RecursionError):
        raise InputError(where, field, f"expected a value within floating-point range from {expression!r}") from None
    if not isinstance(value, float) or not math.isfinite(value):  # (-1) ** 0.5 is complex
        raise InputError(where, field, f"expected a finite real value from {expression!r}, got {value!r}")
    return value

# ---------------------------------------------------------------- the audit


@dataclass(frozen=True)
class AuditRow:
    name: str
    unit: str
    stated: float
    recomputed: float
    relative_difference: float
    tolerance: float
    consistent: bool
    how: str
    source: str


def _row(claim: Claim, value: float, how: str) -> AuditRow:
    diff = (value - claim.stated) / abs(claim.stated) if claim.stated else float(value != 0.0)
    return AuditRow(claim.name, claim.unit, claim.stated, float(value), diff, claim.tolerance,
                    abs(diff) <= claim.tolerance, how, claim.source)


def audit(scenario: Scenario, where: str = "audit") -> list[AuditRow]:
    rows = []
    base = None
    for k, claim in enumerate(scenario.audit.claims):
        if claim.recomputed is not None:
            value = evaluate(claim.recomputed, scenario.audit.stated, where, f"audit.claims.{k}.recomputed")
            rows.append(_row(claim, value, claim.recomputed))
            continue
        if claim.set:
            target = assess(with_overrides(scenario, claim.set, f"{where}: audit.claims.{k}.set"))
            how = f"{claim.metric} with " + ", ".join(f"{key}={v}" for key, v in claim.set.items())
        else:
            base = base or assess(scenario)
            target, how = base, claim.metric
        try:
            value = target.metric(claim.metric, where)
        except InputError as exc:  # name the claim's field, not just "metric"
            raise InputError(exc.file, f"audit.claims.{k}.metric", exc.expected) from None
        rows.append(_row(claim, float(value), how))
    return rows
