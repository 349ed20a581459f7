"""Claims audit: what a source states beside what leodc recomputes.

A scenario's ``[audit]`` section lists the source's stated figures (``[audit.stated]``) and its
claims. A claim is recomputed either as plain arithmetic over the stated figures (``recomputed``:
the derived checks anyone can redo) or as a leodc output (``metric``), optionally with scenario
overrides (``set``) so that the source's own method and the physically right one can both be shown.
A claim agrees when the relative difference is within its tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

from leodc.assessment import assess
from leodc.scenario import Claim, Scenario, evaluate, with_overrides


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
    for claim in scenario.audit.claims:
        if claim.recomputed is not None:
            value = evaluate(claim.recomputed, scenario.audit.stated, where)
            rows.append(_row(claim, value, claim.recomputed))
            continue
        if claim.set:
            target = assess(with_overrides(scenario, claim.set, f"{where} ({claim.name})"))
            how = f"{claim.metric} with " + ", ".join(f"{k}={v}" for k, v in claim.set.items())
        else:
            base = base or assess(scenario)
            target, how = base, claim.metric
        rows.append(_row(claim, float(target.metric(claim.metric, where)), how))
    return rows
