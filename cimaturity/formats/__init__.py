"""One typed reader per artifact format, shared by the gates and the report.

Each module reads one format into frozen dataclasses; the checks' gates and the report's
loaders both read through it, so a file is judged by the same rules wherever it is read:

- `junit`: JUnit XML (pytest, mypy, schemathesis), streamed so a 1M-case file stays small;
- `sarif`: SARIF 2.1.0 (ruff, bandit, hadolint, trivy, zizmor, detect-secrets, ...);
- `coverage`: coverage.py's JSON report;
- `locust`: Locust's `--csv` stats and failures;
- `licenses`: CycloneDX SBOMs and pip-licenses reports;
- `deps`: pip-audit and safety JSON, and cimaturity's own dependency-audit summary;
- `runjson`: cimaturity's `run.json`.

Files are opened through `cimaturity.artifacts` (regular files inside a boundary folder only,
size caps, entity-safe XML, range-checked numbers with NaN and infinities refused). A bad
artifact is one `ArtifactError` line naming the file and the field, never a traceback.
"""
