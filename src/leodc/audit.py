"""Claims audit: the figures a source states, judged by something other than themselves.

A scenario's ``[audit]`` section lists the source's figures (``[audit.stated]``) and its claims.
Every claim is one of two kinds, shown apart in the table and the JSON:

* **the source's own arithmetic** (``recomputed = "..."``): plain arithmetic over the stated
  figures, the check anyone can redo (does the source add up?);
* **leodc's recomputation** (``metric = "..."``): a leodc output computed by leodc's models from
  the scenario's inputs, optionally with overrides (``set``), so that the source's own method and
  the physically right one can both be shown.

A claim names the stated figure it judges (``judges``: one name in ``[audit.stated]`` whose value
is the claim's ``stated``, or a list of the names it is derived from). A recomputation that uses
the figure it judges agrees by construction, so the claim is refused (:class:`InputError`, one
line naming the claim's field):

* source arithmetic: the expression names a judged figure;
* leodc's recomputation: a ``set`` value is a judged figure (or one of them scaled by a power of
  1000, or, for a list, the ratio or product of two of them), or an input of the scenario equals
  one of those and the metric moves when that input is changed by :data:`PERTURBATION`.

Without ``judges`` the judged figures are the stated names whose value equals ``stated``.

Verdict: relative difference d = (recomputed - stated) / |stated|. A claim ``comparison = "="``
(the default) agrees when |d| <= ``tolerance``; a one-sided claim (``">"``, ``"<"``: "more than
99 %") agrees when the recomputation lies on its side of the stated figure, with no tolerance.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

from leodc.assessment import assess
from leodc.errors import InputError
from leodc.scenario import Claim, Scenario, with_overrides

# ---------------------------------------------------------------- arithmetic over stated figures

_OPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos,
}


def _parse(expression: str, where: str, field: str) -> ast.Expression:
    try:
        return ast.parse(expression, mode="eval")
    except (SyntaxError, RecursionError):
        raise InputError(where, field, f"expected an arithmetic expression, found {expression!r}") from None


def names_in(expression: str, where: str = "audit", field: str = "recomputed") -> list[str]:
    """The names an arithmetic expression reads, in order of first appearance."""
    found = [n for n in ast.walk(_parse(expression, where, field)) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(n.id for n in sorted(found, key=lambda n: (n.lineno, n.col_offset))))


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
    tree = _parse(expression, where, field)

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

# ---------------------------------------------------------------- the two kinds of row


SOURCE_ARITHMETIC = "source_arithmetic"
LEODC_RECOMPUTATION = "leodc_recomputation"
KINDS = (SOURCE_ARITHMETIC, LEODC_RECOMPUTATION)
KIND_TITLES = {
    SOURCE_ARITHMETIC: "the source's own arithmetic (does it add up?)",
    LEODC_RECOMPUTATION: "leodc's recomputation (leodc's models, from the claim's inputs)",
}
COMPARISONS = ("=", ">", "<")

# A stated figure equal to another to this relative precision is "the same figure": sources round,
# so 48.7 W/kg is 28,000 W / 575 kg (48.696) to 1e-4 and a set value of 48.7 must be caught.
SAME_FIGURE_REL = 1e-3
# Unit prefixes a figure may be restated with (W and kW, kg and t, W/kg and kW/t): 1000**k.
PREFIX_POWERS = range(-3, 4)
PREFIX_BASE = 1000.0
# An input equal to a judged figure is changed by this fraction (an integer input by one) to see
# whether the metric depends on it; the metric "moves" when it changes by more than DEPENDENCE_REL.
PERTURBATION = 0.01
DEPENDENCE_REL = 1e-9
# The stated value of a claim that judges one name must be that name's value (the same number).
STATED_MATCH_REL = 1e-9


@dataclass(frozen=True)
class AuditRow:
    name: str
    kind: str  # SOURCE_ARITHMETIC or LEODC_RECOMPUTATION
    unit: str
    stated: float
    comparison: str  # "=", ">" or "<"
    recomputed: float
    relative_difference: float
    tolerance: float | None  # None for a one-sided claim, judged by its side alone
    consistent: bool
    how: str  # the expression, or the metric with its overrides
    judges: tuple[str, ...]  # the [audit.stated] names the claim judges
    inputs: tuple[str, ...]  # what the recomputation read: stated names (with values), or overrides
    independence: str  # how the audit checked that the recomputation does not use the judged figure
    source: str


def kind_of(claim: Claim) -> str:
    return SOURCE_ARITHMETIC if claim.recomputed is not None else LEODC_RECOMPUTATION


def _judges(claim: Claim) -> str | list[str] | None:
    return getattr(claim, "judges", None)  # scenario.Claim gained `judges` with issue 16


def _comparison(claim: Claim) -> str:
    return getattr(claim, "comparison", "=")


def judged_names(claim: Claim, stated: dict[str, float], where: str, k: int) -> tuple[str, ...]:
    """The ``[audit.stated]`` names a claim judges: its ``judges``, else the names whose value is ``stated``."""
    declared = _judges(claim)
    if declared is None:
        return tuple(n for n, v in stated.items() if math.isclose(v, claim.stated, rel_tol=STATED_MATCH_REL))
    names = (declared,) if isinstance(declared, str) else tuple(declared)
    field = f"audit.claims.{k}.judges"
    if not names:
        raise InputError(where, field, "expected the [audit.stated] name (or names) of the figure this claim judges")
    for n in names:
        if n not in stated:
            raise InputError(where, field, f"unknown name {n!r}; stated: {', '.join(stated) or 'none'}")
    if len(names) == 1 and not math.isclose(stated[names[0]], claim.stated, rel_tol=STATED_MATCH_REL):
        raise InputError(where, field, f"the claim states {claim.stated:g} but [audit.stated] {names[0]} is "
                                       f"{stated[names[0]]:g}; a claim judges the figure it states")
    return names


def _judged_values(claim: Claim, judged: tuple[str, ...], stated: dict[str, float]) -> dict[float, str]:
    """Values that count as a judged figure, each with how it was derived from the judged names."""
    base = {stated[n]: n for n in judged}
    for a, b in combinations(judged, 2):
        base.setdefault(stated[a] * stated[b], f"{a} * {b}")
        if stated[b]:
            base.setdefault(stated[a] / stated[b], f"{a} / {b}")
        if stated[a]:
            base.setdefault(stated[b] / stated[a], f"{b} / {a}")
    base.setdefault(claim.stated, "the stated figure")
    out = {}
    for value, label in base.items():
        if value == 0.0 or not math.isfinite(value):
            continue
        for p in PREFIX_POWERS:
            out.setdefault(value * PREFIX_BASE**p, label if p == 0 else f"{label} x 1000^{p}")
    return out


def _same_figure(value: Any, judged_values: dict[float, str]) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    for figure, label in judged_values.items():
        if math.isclose(float(value), figure, rel_tol=SAME_FIGURE_REL):
            return label
    return None


def _numeric_inputs(scenario: Scenario) -> dict[str, float]:
    """Every numeric leaf field of the scenario (dotted), less the audit section itself."""
    out: dict[str, float] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            out[path] = node

    walk({k: v for k, v in scenario.model_dump().items() if k != "audit"}, "")
    return out


def _moves(target: Scenario, field: str, value: float, metric: str, base: float, where: str) -> bool:
    """Whether ``metric`` changes when the input ``field`` changes a little (either way, whichever validates)."""
    steps = (value + 1, value - 1) if isinstance(value, int) else (value * (1 + PERTURBATION),
                                                                    value * (1 - PERTURBATION))
    for step in steps:
        try:
            other = assess(with_overrides(target, {field: step}, "audit")).metric(metric, where)
        except InputError:
            continue  # the changed value breaks a rule of the scenario: try the other side
        return not math.isclose(float(other), base, rel_tol=DEPENDENCE_REL, abs_tol=0.0)
    return True  # cannot be changed either way: treat it as used


def _check_arithmetic(claim: Claim, judged: tuple[str, ...], where: str, k: int) -> tuple[tuple[str, ...], str]:
    field = f"audit.claims.{k}.recomputed"
    used = names_in(claim.recomputed, where, field)
    for n in used:
        if n in judged:
            raise InputError(where, field, f"the recomputation uses {n!r}, the figure this claim judges, so it "
                                           "agrees by construction; recompute it from other stated figures")
    return tuple(used), f"reads none of the judged figures ({', '.join(judged) or 'none stated'})"


def _check_metric(claim: Claim, judged: tuple[str, ...], stated: dict[str, float], target: Scenario, base: float,
                  where: str, k: int) -> str:
    values = _judged_values(claim, judged, stated)
    for key, value in claim.set.items():
        label = _same_figure(value, values)
        if label is not None:
            raise InputError(where, f"audit.claims.{k}.set", f"{key} = {value} is the figure this claim judges "
                                                             f"({label}); leodc must start from other inputs")
    notes = []
    for field, value in _numeric_inputs(target).items():
        label = _same_figure(value, values)
        if label is None:
            continue
        if _moves(target, field, value, claim.metric, base, where):
            raise InputError(where, f"audit.claims.{k}.metric",
                             f"{claim.metric} depends on {field} = {value:g}, which is the figure this claim "
                             f"judges ({label}); set that input from another source, or judge another metric")
        notes.append(f"{field} = {value:g} equals the judged figure ({label}) but {claim.metric} does not "
                     f"depend on it")
    checked = "no input of the scenario or override equals a judged figure"
    return "; ".join(notes) if notes else checked


def _verdict(claim: Claim, value: float, where: str, k: int) -> tuple[float, float | None, bool]:
    diff = (value - claim.stated) / abs(claim.stated) if claim.stated else float(value != 0.0)
    comparison = _comparison(claim)
    if comparison == "=":
        return diff, claim.tolerance, abs(diff) <= claim.tolerance
    if "tolerance" in claim.model_fields_set:
        raise InputError(where, f"audit.claims.{k}.tolerance", f"a one-sided claim ({comparison!r}) is judged by "
                                                              "its side alone; expected no tolerance")
    return diff, None, value > claim.stated if comparison == ">" else value < claim.stated


def audit(scenario: Scenario, where: str = "audit") -> list[AuditRow]:
    """Judge every claim of ``scenario.audit``; rows in the order of the file.

    Raises :class:`InputError` naming ``audit.claims.N.<field>`` for a claim that cannot be computed or
    whose recomputation uses the figure it judges (before any row is returned).
    """
    rows = []
    base_assessment = None
    stated = scenario.audit.stated
    for k, claim in enumerate(scenario.audit.claims):
        if claim.recomputed is not None:
            judged = judged_names(claim, stated, where, k)
            value = evaluate(claim.recomputed, stated, where, f"audit.claims.{k}.recomputed")
            used, independence = _check_arithmetic(claim, judged, where, k)
            how = claim.recomputed
            inputs = tuple(f"{n}={stated[n]:g}" for n in used)
        else:
            judged = judged_names(claim, stated, where, k)
            if claim.set:
                target_sc = with_overrides(scenario, claim.set, f"{where}: audit.claims.{k}.set")
                target = assess(target_sc)
                how = f"{claim.metric} with " + ", ".join(f"{key}={v}" for key, v in claim.set.items())
            else:
                base_assessment = base_assessment or assess(scenario)
                target_sc, target, how = scenario, base_assessment, claim.metric
            try:
                value = float(target.metric(claim.metric, where))
            except InputError as exc:  # name the claim's field, not just "metric"
                raise InputError(exc.file, f"audit.claims.{k}.metric", exc.expected) from None
            independence = _check_metric(claim, judged, stated, target_sc, value, where, k)
            inputs = ("the scenario's inputs", *(f"{key}={v}" for key, v in claim.set.items()))
        diff, tolerance, consistent = _verdict(claim, value, where, k)
        rows.append(AuditRow(claim.name, kind_of(claim), claim.unit, claim.stated, _comparison(claim), value, diff,
                             tolerance, consistent, how, judged, inputs, independence, claim.source))
    return rows


def summary(rows: list[AuditRow]) -> dict[str, Any]:
    """The audit as ``leodc audit --json`` prints it: the two kinds apart, each with its inconsistent count."""
    out: dict[str, Any] = {}
    for kind in KINDS:
        mine = [r for r in rows if r.kind == kind]
        out[kind] = {"title": KIND_TITLES[kind], "claims": [asdict(r) for r in mine],
                     "inconsistent": sum(not r.consistent for r in mine)}
    out["inconsistent"] = sum(not r.consistent for r in rows)
    return out
