"""Every invoke task starts at once: importing the task collection loads neither pandas nor
matplotlib (the report and the weekly report import them when they run)."""

from __future__ import annotations

import subprocess
import sys


def test_the_task_collection_imports_no_heavy_library() -> None:
    code = (
        "import sys, cimaturity.tasks\n"
        "print(','.join(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
