"""A finding's fingerprint: the same finding across runs, even when its code moved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.loading import load_sarif


def _fingerprints(tmp_path: Path, results: list[dict[str, Any]], name: str = "x.sarif") -> list[str]:
    path = tmp_path / name
    run = {"tool": {"driver": {"name": "ruff"}}, "results": results}
    path.write_text(json.dumps({"version": "2.1.0", "runs": [run]}))
    return list(load_sarif(path, "lint").findings["fingerprint"])


def _result(line: int, message: str = "unused import", rule: str = "F401", **extra: Any) -> dict[str, Any]:
    location = {"physicalLocation": {"artifactLocation": {"uri": "app/x.py"}, "region": {"startLine": line}}}
    return {"ruleId": rule, "message": {"text": message}, "locations": [location], **extra}


def test_moved_code_keeps_its_fingerprint(tmp_path: Path) -> None:
    before = _fingerprints(tmp_path, [_result(3)], "a.sarif")
    after = _fingerprints(tmp_path, [_result(40)], "b.sarif")
    assert before == after


def test_another_rule_or_message_is_another_finding(tmp_path: Path) -> None:
    (one, two, three) = _fingerprints(tmp_path, [_result(3), _result(3, rule="E501"), _result(3, "other")])
    assert len({one, two, three}) == 3


def test_identical_findings_in_one_file_are_told_apart_by_order(tmp_path: Path) -> None:
    first, second = _fingerprints(tmp_path, [_result(3), _result(9)])
    assert first != second
    assert _fingerprints(tmp_path, [_result(5), _result(12)], "b.sarif") == [first, second]


def test_the_tools_own_fingerprints_win(tmp_path: Path) -> None:
    with_ids = [
        _result(3, fingerprints={"v1": "abc"}),
        _result(3, message="changed", fingerprints={"v1": "abc"}),
    ]
    first, second = _fingerprints(tmp_path, with_ids)
    assert second != first  # two results with one id are still two findings (order)
    partial = _fingerprints(
        tmp_path, [_result(3, partialFingerprints={"primaryLocationLineHash": "h:1"})], "p.sarif"
    )
    moved = _fingerprints(
        tmp_path, [_result(9, partialFingerprints={"primaryLocationLineHash": "h:1"})], "q.sarif"
    )
    assert partial == moved
    assert partial != _fingerprints(tmp_path, [_result(3)], "r.sarif")
