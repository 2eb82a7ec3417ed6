"""The invoke collection: `tasks.py` at the top only imports `ns` from here."""

from __future__ import annotations

from invoke.collection import Collection

from cimaturity.tasks import ci as ci_tasks
from cimaturity.tasks import deploy as deploy_tasks
from cimaturity.tasks import docs as docs_tasks
from cimaturity.tasks import history as history_tasks
from cimaturity.tasks import history_sync as history_sync_tasks
from cimaturity.tasks import pr_comment as pr_comment_tasks
from cimaturity.tasks import report as report_tasks
from cimaturity.tasks import service as service_tasks
from cimaturity.tasks import weekly as weekly_tasks
from cimaturity.tasks.checks import check_tasks

ns = Collection()
ns.add_task(ci_tasks.ci)
ns.add_task(report_tasks.report)
ns.add_task(history_tasks.history)
ns.add_task(history_sync_tasks.history_sync)
ns.add_task(weekly_tasks.weekly)
ns.add_task(pr_comment_tasks.pr_comment)
ns.add_task(service_tasks.openapi)
ns.add_task(service_tasks.serve)
ns.add_task(deploy_tasks.health)
ns.add_task(deploy_tasks.deploy)
ns.add_task(docs_tasks.docs)  # `invoke docs --check` is the docs check's own task
for _task in check_tasks():
    if _task.name not in ns.tasks:
        ns.add_task(_task)
