"""One run per reports folder: a second run refuses with one line instead of corrupting the first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from invoke.context import Context
from invoke.exceptions import Exit

from cimaturity.runlock import RunLockedError, exclusive
from cimaturity.tasks.ci import ci


def test_a_second_holder_is_refused_and_the_first_keeps_its_folder(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with exclusive(reports):
        (reports / "run.json").write_text("{}")
        with pytest.raises(RunLockedError) as caught, exclusive(reports):
            pass
        assert str(caught.value) == (
            f"{reports}: another cimaturity run (pid {os.getpid()}) is writing here; "
            "wait for it, or give this run its own --reports DIR"
        )
        assert (reports / "run.json").read_text() == "{}"
    with exclusive(reports):  # released when the holder ends
        pass


def test_invoke_ci_into_a_busy_folder_exits_with_one_line(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    reports = tmp_path / "reports"
    with exclusive(reports), pytest.raises(Exit) as caught:
        ci(Context(), project=str(project), reports=str(reports), only="lint")
    assert caught.value.code == 2
    assert str(caught.value.message).startswith(f"cimaturity: {reports}: another cimaturity run (pid ")
    assert not (reports / "run.json").exists()
