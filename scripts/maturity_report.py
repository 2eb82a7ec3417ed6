# %% [markdown]
# # CI/CD maturity report
#
# This script is the readable, notebook-style version of `invoke report`: the same functions
# from `cimaturity.report.pipeline`, one step per cell. Run it top to bottom as plain Python
# (`python scripts/maturity_report.py --project . --artifacts reports`) or cell by cell in an
# editor that understands `# %%` cells. Both give byte-identical `maturity.md`, `maturity.html`
# and `summary.json`.

# %%
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install

from cimaturity.report import pipeline

parser = argparse.ArgumentParser(description="Write the CI/CD maturity report for a run's artifacts.")
parser.add_argument("--project", default=".", help="the repository whose workflows and files are judged")
parser.add_argument(
    "--artifacts", default="", help="the reports folder with run.json (default: PROJECT/reports)"
)
parser.add_argument("--rubric", default="", help="a rubric TOML file (default: builtin or [tool.cimaturity])")
args, _unknown = parser.parse_known_args()  # tolerate an editor's own kernel arguments

# %% [markdown]
# ## 1. Gather the raw data
# Three sources, none of them judged yet: the run's artifacts as pandas frames (`Evidence`,
# built by the loaders), the facts the workflow files declare (jobs, steps, services,
# `continue-on-error`, `--exit-zero`), and the repository's own files (CODEOWNERS, docs,
# dependencies). A missing run record or a broken rubric stops here with one line.

# %%
try:
    inputs = pipeline.gather(args.project, args.artifacts or None, args.rubric or None)
except pipeline.ReportError as exc:
    sys.exit(f"cimaturity report: {exc}")
evidence = inputs.evidence
print(f"{len(evidence.checks)} checks, {len(evidence.tests)} test cases, {len(evidence.findings)} findings")
print(f"{len(inputs.workflows.jobs)} workflow jobs in {len(inputs.workflows.files)} file(s)")
evidence.checks[["name", "status", "duration_s"]]

# %% [markdown]
# ## 2. Ask the rubric's questions and score
# Every criterion's rules answer met / partial / unmet / no evidence / not applicable; the
# criterion keeps the smallest share any rule allows, so a workflow declaration never stands in
# for a result. Score = 10 x earned / applicable points, rounded down.

# %%
score = pipeline.evaluate(inputs)
print(f"score {score.score:.1f}/10 ({score.points:.1f} of {score.max_points:.1f} points)")
for result in score.results:
    print(
        f"  {result.criterion.id:24} {result.status.value:15} {result.points:5.1f} / {result.max_points:4.1f}"
    )

# %% [markdown]
# ## 3. What would raise the score
# Every applicable criterion short of full points, ranked by the points it would gain, with the
# missing evidence and the plan's action.

# %%
for rank, result in enumerate(score.next_steps, start=1):
    print(f"{rank:2}. +{result.gain:.1f} {result.criterion.title}: {result.next_action}")

# %% [markdown]
# ## 4. Render and write
# Markdown, one self-contained HTML file (charts inlined as PNG data URIs) and `summary.json`.
# Everything is rendered before the first write, and each write is atomic.

# %%
rendered = pipeline.render(inputs, score, os.environ)
for path in pipeline.write(rendered, inputs.reports_dir):
    print(f"wrote {path}")

# %% [markdown]
# ## 5. GitHub Actions
# When `GITHUB_ACTIONS=true`, the Markdown goes to `$GITHUB_STEP_SUMMARY` and findings of failed
# gates become `::error file=...,line=...::` annotations.

# %%
for line in pipeline.publish(rendered):
    print(line)
