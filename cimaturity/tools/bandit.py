"""`python -m cimaturity.tools.bandit ARGS`: bandit with ARGS, its SARIF formatter kept from
crashing on a finding that starts before its own code excerpt (PyCQA/bandit#1311, open).

bandit reports a B105 inside a dict literal by the literal's line range (Textualize/rich's emoji
table: lines 1-3610) with an excerpt around the line it flagged (156); its SARIF formatter then
indexes the excerpt out of range and exits 2 with no report at all. Here such a finding keeps its
region and loses only the snippet. Everything else is bandit's own: arguments, output, exit code.
"""

from __future__ import annotations

import sys
from typing import Any

from bandit.cli import main as bandit_cli
from bandit.formatters import sarif

_add_region = sarif.add_region_and_context_region


def region_with_snippet_if_inside(
    physical_location: Any, line_range: list[int], col_offset: int, end_col_offset: int, code: str
) -> None:
    """bandit's own region, without a snippet when the excerpt does not hold the first line."""
    if code:
        first_line, lines = sarif.parse_code(code)
        if not 0 <= line_range[0] - first_line < len(lines):
            code = ""
    _add_region(physical_location, line_range, col_offset, end_col_offset, code)


def main() -> None:
    sarif.add_region_and_context_region = region_with_snippet_if_inside
    sys.argv = ["bandit", *sys.argv[1:]]
    bandit_cli.main()


if __name__ == "__main__":
    main()
