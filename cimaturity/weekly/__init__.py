"""The weekly report (`invoke weekly`): the plan's tasks and their completion, trends, flaky tests,
the plan's metrics against their targets and DORA, from the history store (and GitHub).

history records -> progress (the plan's tasks, `plan_tasks.toml` + the rubric's `plan_tasks`),
trends + charts, flaky, metrics, dora -> `report.WeeklyReport` -> `content.Document` ->
`render_markdown` / `render_html` -> `output.write_weekly` (REPORTS/weekly.md, weekly.html).
"""
