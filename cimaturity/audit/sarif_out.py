"""The audit's own findings as a SARIF 2.1.0 log (the format every other check's findings use)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cimaturity.audit.rules import RULES, Finding

TOOL = "cimaturity-audit"
UNREADABLE = "unreadable-workflow"


def to_sarif(findings: Sequence[Finding], files: Sequence[str], version: str) -> str:
    """`files` are the workflows examined: the run's `properties.files`, which the gate requires."""
    rules = [{"id": rule.id, "name": rule.id, "shortDescription": {"text": rule.summary}} for rule in RULES]
    rules.append(
        {
            "id": UNREADABLE,
            "name": UNREADABLE,
            "shortDescription": {"text": "a workflow that is not valid YAML"},
        }
    )
    document = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {"driver": {"name": TOOL, "version": version, "rules": rules}},
                "invocations": [{"executionSuccessful": True}],
                "properties": {"files": list(files)},
                "results": [_result(finding) for finding in findings],
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _result(finding: Finding) -> dict[str, Any]:
    # The same finding across runs: rule, file and message, never the line (edits above move it).
    identity = f"{finding.rule}\0{finding.file}\0{finding.message}".encode()
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": finding.level,
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.file},
                    "region": {"startLine": max(finding.line, 1)},
                }
            }
        ],
        "partialFingerprints": {"cimaturityAudit/v1": hashlib.sha256(identity).hexdigest()[:32]},
    }
    if finding.suppressed:
        result["suppressions"] = [
            {"kind": "inSource", "justification": f"cimaturity: ignore[{finding.rule}]"}
        ]
    return result
