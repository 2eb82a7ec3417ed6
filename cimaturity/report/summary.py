"""`reports/summary.json`: the machine-readable score. Versioned; written atomically."""

from __future__ import annotations

import math
from typing import Any

from cimaturity.report.evidence import Evidence
from cimaturity.report.places import Places
from cimaturity.report.scoring import MAX_SCORE, Score

FORMAT_VERSION = 1


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def summary_json(score: Score, evidence: Evidence, places: Places | None = None) -> dict[str, Any]:
    """The summary; `places` rewrites this machine's absolute folders relative in every string."""
    data = _summary(score, evidence)
    return (places or Places()).data(data)  # type: ignore[no-any-return]


def _summary(score: Score, evidence: Evidence) -> dict[str, Any]:
    checks = [
        {
            "name": str(row["name"]),
            "stage": str(row["stage"]),
            "status": str(row["status"]),
            "reason": str(row["reason"]),
            "duration_s": _number(float(row["duration_s"])) if row["duration_s"] is not None else None,
        }
        for row in evidence.checks.to_dict("records")
    ]
    return {
        "format_version": FORMAT_VERSION,
        "score": score.score,
        "max_score": MAX_SCORE,
        "points": round(score.points, 3),
        "max_points": round(score.max_points, 3),
        "rubric": score.rubric_source,
        "run_id": evidence.run.run_id if evidence.run else None,
        "criteria": [
            {
                "id": r.criterion.id,
                "title": r.criterion.title,
                "group": r.criterion.group,
                "status": r.status.value,
                "points": round(r.points, 3),
                "max_points": round(r.max_points, 3),
                "evidence": r.evidence,
                "missing": r.missing,
                "next_action": r.next_action,
                "plan_tasks": list(r.criterion.plan_tasks),
                "rules": [
                    {
                        "rule": rr.rule,
                        "status": rr.outcome.status.value,
                        "fraction": round(rr.outcome.fraction, 4),
                        "evidence": rr.outcome.evidence,
                        "missing": rr.outcome.missing,
                    }
                    for rr in r.rules
                ],
            }
            for r in score.results
        ],
        "next_steps": [{"id": r.criterion.id, "gain": round(r.gain, 3)} for r in score.next_steps],
        "checks": checks,
        "problems": [{"check": p.check, "path": p.path, "message": p.message} for p in evidence.problems],
    }
