"""What a workflow step reaches: tox envs, nox sessions, pre-commit hooks, make and just targets,
hatch and pdm scripts, shell scripts.

Real projects run their checks indirectly (`tox run -e typing`, `pre-commit run --all-files`,
`bash scripts/test.sh`), so the step's own text says little. This package reads the file the step
hands over to and lists the commands found there, each with the file:line it comes from and what
kind of check it is. Raw data only, like workflows.py: nothing here judges.

One hop, except between shell scripts: a script calling another script of the repository is
followed up to three scripts deep, and what is reached there cites the chain (`Reached.via`). A
tox env running pre-commit, a nox session running make, a script running tox are not followed
further. Project files are parsed (tomllib, configparser, PyYAML, ast), never imported or
executed. An unreadable file is a problem string, never an exception.

One module per family (`runners`, `tox`, `nox`, `precommit`, `make`, `scripts`), each a
`Follower` (base.py) listed once in `dispatch.FOLLOWERS`; `files` reads and caches the
repository's files, `shell` splits shell text, `lines` finds where a command is written, `model`
holds the types and the classification of commands.
"""

from .base import Follower, Run
from .dispatch import FOLLOWERS, CiFollower, follow_step
from .model import Followed, Hop, Kind, Reached, StepCall, classify, is_install
from .shell import is_expression

__all__ = [
    "FOLLOWERS",
    "CiFollower",
    "Followed",
    "Follower",
    "Hop",
    "Kind",
    "Reached",
    "Run",
    "StepCall",
    "classify",
    "follow_step",
    "is_expression",
    "is_install",
]
