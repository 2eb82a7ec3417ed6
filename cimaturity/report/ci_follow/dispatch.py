"""The registry of followers, and the entry point: each command of a step goes to the first
follower that handles it."""

from __future__ import annotations

from pathlib import Path

from .base import Follower, Run
from .files import ProjectFiles
from .make import Just, Make
from .model import Followed, StepCall
from .nox import Nox
from .precommit import PreCommit
from .runners import Hatch, Pdm, Runners
from .scripts import Scripts
from .shell import join, simple_commands, split, substitute
from .tox import Tox

# In the order they are asked; Scripts last: it takes any command that is a path.
FOLLOWERS: tuple[Follower, ...] = (
    Runners(),
    Hatch(),
    Pdm(),
    Tox(),
    Nox(),
    PreCommit(),
    Make(),
    Just(),
    Scripts(),
)


def follow_step(repo: Path, call: StepCall) -> Followed:
    """The commands `call` reaches (one hop; scripts into the scripts they call), relative to
    the repository root `repo`."""
    return CiFollower(repo).follow(call)


class CiFollower:
    """Follows steps of one repository; keeps each file's text so a workflow reads it once."""

    def __init__(self, repo: Path, followers: tuple[Follower, ...] = FOLLOWERS) -> None:
        self.files = ProjectFiles(repo)
        self._followers = followers

    def follow(self, call: StepCall) -> Followed:
        run = Run(self.files, call, self._followers)
        if call.uses and call.uses.split("@")[0].strip().lower() == "pre-commit/action":
            # the action runs `pre-commit run --show-diff-on-failure --color=always <extra_args>`
            extra = call.with_.get("extra_args", "--all-files")
            run.dispatch(["pre-commit", "run", *split(extra)], "")
        for command in simple_commands(substitute(call.run or "", call.env)):
            run.dispatch(command, join(call.working_directory))
        return Followed(tuple(dict.fromkeys(run.reached)), tuple(dict.fromkeys(run.problems)))
