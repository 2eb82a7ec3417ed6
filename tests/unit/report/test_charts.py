"""Charts draw what is open: suppressed findings are not painted as findings."""

from __future__ import annotations

import base64

from cimaturity.report.charts import findings_by_tool

from . import _report_fixtures as fx


def _png_bytes(data_uri: str) -> bytes:
    return base64.b64decode(data_uri.removeprefix("data:image/png;base64,"))


def test_only_open_findings_are_charted() -> None:
    frame = fx.findings(
        ("sast", "bandit", "medium", "a.py", 1), ("secrets", "detect-secrets", "high", "b.py", 2)
    )
    everything = findings_by_tool(frame)
    assert everything.data_uri is not None
    assert _png_bytes(everything.data_uri).startswith(b"\x89PNG")
    frame.loc[frame["tool"] == "detect-secrets", "suppressed"] = True  # an audited baseline entry
    open_only = findings_by_tool(frame)
    assert open_only.data_uri is not None and open_only.data_uri != everything.data_uri


def test_all_suppressed_means_no_open_findings() -> None:
    frame = fx.findings(("secrets", "detect-secrets", "high", "b.py", 2))
    frame["suppressed"] = True
    chart = findings_by_tool(frame)
    assert chart.data_uri is None
    assert chart.empty_reason == "no open findings"
