"""Property tests: every loader fed mutated and truncated artifacts raises `ArtifactError` and
nothing else (random truncation, byte flips, insertions, another loader's file, JSON values
replaced by values of the wrong type, XML with a wrong root), and so does `load_evidence`."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cimaturity.model import ArtifactError, CheckResult, Stage, Status
from cimaturity.report.loaders import load_evidence
from cimaturity.report.loaders.coverage import load_coverage
from cimaturity.report.loaders.deps import load_deps_summary
from cimaturity.report.loaders.licenses import load_cyclonedx, load_pip_licenses
from cimaturity.report.loaders.locust import load_locust
from cimaturity.report.loaders.pip_audit import load_pip_audit
from cimaturity.report.loaders.suppressions import source_comments
from cimaturity.runfile import GitInfo, RunRecord
from tests.support.loading import load_junit, load_junit_reference, load_run, load_sarif

DATA = Path(__file__).parent / "data"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_AT = "2026-11-26T10:00:00+00:00"
_CHECK = CheckResult(
    "test", Stage.FAST, Status.FAILED, "1 failed", _AT, 0.5, 1, "pytest 9",
    ("artifacts/test/junit.xml",), "artifacts/test/log.txt", {"failed": 1.0},
)  # fmt: skip
_RUN = RunRecord("r", "/p", "full", 1, GitInfo("s", "main", False), _AT, _AT, 1.0, "0.1.0", (_CHECK,))
_JUNIT = (
    b'<?xml version="1.0"?><testsuites><testsuite name="pytest">'
    b'<testcase classname="t" name="a" time="0.1"/>'
    b'<testcase classname="t" name="b" time="0.2"><failure message="m">x</failure></testcase>'
    b'<testcase classname="t" name="c" time="0"><skipped message="s"/></testcase></testsuite></testsuites>'
)
_COVERAGE = {
    "meta": {"format": 3},
    "totals": {"percent_covered": 50.0},
    "files": {"a.py": {"summary": {"num_statements": 4, "missing_lines": 2, "percent_covered": 50.0}}},
}
_DEPS = {
    "format_version": 1,
    "files": [
        {"requirements": "r.txt", "report": "p.json", "status": "audited", "dependencies": 2, "problem": None}
    ],
    "vulnerabilities": [
        {"tool": "pip-audit", "package": "requests", "version": "2.19.0", "id": "CVE-2018-18074",
         "aliases": ["GHSA-x84v-xcm2-53pg"], "fix_versions": ["2.20.0"], "requirements": ["r.txt"]}
    ],
    "skipped": [{"requirements": "r.txt", "package": "foo", "reason": "URL"}],
    "safety": {"status": "not run", "reason": "no key", "vulnerabilities": 0},
}  # fmt: skip


def _bom() -> bytes:
    bom = json.loads((DATA / "cyclonedx-requirements.json").read_text())
    bom["components"][0]["licenses"] = [{"license": {"id": "MIT"}}, {"expression": "A OR B"}]
    return json.dumps(bom).encode()


SEEDS: dict[str, bytes] = {
    "run": json.dumps(_RUN.to_json()).encode(),
    "sarif": (DATA / "secrets.sarif").read_bytes(),
    "hadolint": (DATA / "hadolint.sarif").read_bytes(),
    "junit": _JUNIT,
    "coverage": json.dumps(_COVERAGE).encode(),
    "pip_audit": (DATA / "pip-audit-osv.json").read_bytes(),
    "deps": json.dumps(_DEPS).encode(),
    "pip_licenses": (DATA / "pip-licenses.json").read_bytes(),
    "cyclonedx": _bom(),
    "locust": (DATA / "locust_stats.csv").read_bytes(),
}
LOADERS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "run": ("run.json", load_run),
    "sarif": ("a.sarif", lambda p: load_sarif(p, "secrets", Path("/p"))),
    "hadolint": ("b.sarif", lambda p: load_sarif(p, "dockerfile")),
    "junit": ("junit.xml", lambda p: load_junit(p, "test")),
    "junit_reference": ("junit.xml", lambda p: load_junit_reference(p, "test")),
    "coverage": ("coverage.json", load_coverage),
    "pip_audit": ("pip-audit.json", load_pip_audit),
    "deps": ("summary.json", load_deps_summary),
    "pip_licenses": ("licenses.json", load_pip_licenses),
    "cyclonedx": ("bom.json", load_cyclonedx),
    "locust": ("lc_stats.csv", load_locust),
}
_SEED_OF = {name: ("junit" if name == "junit_reference" else name) for name in LOADERS}

_WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.just([]),
    st.just({}),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _truncate(data: st.DataObject, seed: bytes) -> bytes:
    return seed[: data.draw(st.integers(0, len(seed) - 1), label="cut")]


def _flip(data: st.DataObject, seed: bytes) -> bytes:
    out = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 4), label="flips")):
        index = data.draw(st.integers(0, len(out) - 1))
        out[index] ^= data.draw(st.integers(1, 255))
    return bytes(out)


def _insert(data: st.DataObject, seed: bytes) -> bytes:
    index = data.draw(st.integers(0, len(seed)))
    return seed[:index] + data.draw(st.binary(min_size=1, max_size=8)) + seed[index:]


def _other_kind(data: st.DataObject, seed: bytes) -> bytes:
    return data.draw(st.sampled_from([other for other in SEEDS.values() if other != seed]), label="foreign")


def _json_value(data: st.DataObject, seed: bytes) -> bytes:
    """Walk to a random node of the JSON document and replace it by a value of another type."""
    try:
        document: Any = json.loads(seed)
    except ValueError:
        return _flip(data, seed)
    replacement = data.draw(_WRONG_VALUES, label="replacement")
    if not isinstance(document, dict | list) or not document:
        return json.dumps(replacement).encode()
    node: Any = document
    while True:
        keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys), label="key")
        child = node[key]
        if isinstance(child, dict | list) and child and data.draw(st.booleans(), label="deeper"):
            node = child
            continue
        if data.draw(st.booleans(), label="delete") and isinstance(node, dict):
            del node[key]
        else:
            node[key] = replacement
        return json.dumps(document, allow_nan=True).encode()


def _xml_root(data: st.DataObject, seed: bytes) -> bytes:
    if not seed.lstrip().startswith(b"<"):
        return _truncate(data, seed)
    tag = data.draw(st.sampled_from([b"coverage", b"html", b"testsuitez", b"x:testsuites", b"results"]))
    return re.sub(rb"<testsuites>(.*)</testsuites>", b"<" + tag + rb">\1</" + tag + b">", seed, flags=re.S)


MUTATIONS = (_truncate, _flip, _insert, _other_kind, _json_value, _xml_root)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mutants")


@pytest.mark.parametrize("loader", sorted(LOADERS))
@FAST
@given(data=st.data())
def test_a_mutated_artifact_raises_only_artifact_error(
    loader: str, workdir: Path, data: st.DataObject
) -> None:
    name, load = LOADERS[loader]
    mutate = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    content = mutate(data, SEEDS[_SEED_OF[loader]])
    path = workdir / loader / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    try:
        load(path)
    except ArtifactError as exc:
        assert name in str(exc), "the message names the file"
        assert "\n" not in str(exc), "one line"


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_the_unmutated_seed_loads(loader: str, workdir: Path) -> None:
    """The seeds are valid: the property above is about mutations, not about a broken seed."""
    name, load = LOADERS[loader]
    path = workdir / f"seed-{loader}" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(SEEDS[_SEED_OF[loader]])
    assert load(path) is not None


@pytest.mark.parametrize("loader", ["junit", "coverage", "sarif", "pip_audit", "locust", "cyclonedx"])
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_load_evidence_records_a_mutated_artifact_and_never_crashes(
    loader: str, workdir: Path, data: st.DataObject
) -> None:
    name, _ = LOADERS[loader]
    reports = workdir / f"reports-{loader}"
    shutil.rmtree(reports, ignore_errors=True)
    artifact = reports / "artifacts" / "x" / name
    artifact.parent.mkdir(parents=True)
    mutate = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    artifact.write_bytes(mutate(data, SEEDS[_SEED_OF[loader]]))
    document = _RUN.to_json()
    document["checks"][0]["artifacts"] = [f"artifacts/x/{name}"]
    (reports / "run.json").write_text(json.dumps(document))

    evidence = load_evidence(reports)  # only run.json problems may raise; it is intact

    assert all(problem.path == f"artifacts/x/{name}" for problem in evidence.problems)


@FAST
@given(content=st.binary(max_size=300))
def test_suppression_scan_survives_any_bytes(workdir: Path, content: bytes) -> None:
    project = workdir / "scan"
    (project / "pkg").mkdir(parents=True, exist_ok=True)
    (project / "pkg" / "m.py").write_bytes(content)
    counts = source_comments(project)
    assert set(counts) == {"nosec", "noqa", "type-ignore"}
    assert all(value >= 0 for value in counts.values())
