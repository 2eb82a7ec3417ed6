"""pre-commit (and prek): the hooks `pre-commit run` runs, from .pre-commit-config.yaml; a local
hook shows its `entry`, a remote one is named by its id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from .base import Follower, Run
from .shell import join, option

# libyaml's loader when PyYAML was built with it
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ALL_STAGES = frozenset(
    {"pre-commit", "commit", "manual", "pre-push", "push", "pre-merge-commit", "commit-msg"}
)
_VALUE_OPTIONS = frozenset(
    {"--hook-stage", "--from-ref", "--source", "-s", "--to-ref", "--origin", "-o", "-c", "--config",
     "--color", "--remote-branch", "--local-branch", "--remote-name", "--remote-url",
     "--commit-msg-filename"}
)  # fmt: skip


class PreCommit(Follower):
    """`pre-commit run [hook] [--hook-stage s]`; other subcommands run no hook."""

    programs = frozenset({"pre-commit", "pre_commit", "prek"})

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        args = words[1:]
        if args and args[0] != "run":
            return  # install, autoupdate, ...: no hook runs
        hook_id, stage = _run_args(args[1:])
        file = join(cwd, option(args, ("-c", "--config")) or ".pre-commit-config.yaml")
        hooks = run.parsed(file, "pre-commit configuration", _parse, (yaml.YAMLError, ValueError))
        for hook in hooks or []:
            if (hook_id is None or hook_id in (hook.id, hook.alias)) and stage in hook.stages:
                command = f"{hook.id}: {hook.entry}" if hook.entry else hook.id
                run.add(file, hook.line, "hook", command)


@dataclass(frozen=True)
class _Hook:
    id: str
    alias: str | None
    entry: str | None  # local hooks say what they run; remote ones are named by id
    stages: frozenset[str]
    line: int


def _run_args(args: Sequence[str]) -> tuple[str | None, str]:
    """The hook id given (None: every hook) and the stage `pre-commit run` runs."""
    stage = option(args, ("--hook-stage",)) or "pre-commit"
    words: list[str] = []
    skip = False
    in_files = False
    for word in args:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif word == "--files":
            in_files = True
        elif word.startswith("-"):
            in_files = False
        elif not in_files:
            words.append(word)
    return (words[0] if words else None), ("pre-commit" if stage == "commit" else stage)


def _parse(text: str) -> list[_Hook]:
    root = yaml.compose(text, Loader=_LOADER)
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("top level is not a mapping")
    default_stages = _node_strings(_node_get(root, "default_stages")) or _ALL_STAGES
    repos = _node_get(root, "repos")
    hooks: list[_Hook] = []
    for repo in repos.value if isinstance(repos, yaml.SequenceNode) else []:
        repo_hooks = _node_get(repo, "hooks")
        for hook in repo_hooks.value if isinstance(repo_hooks, yaml.SequenceNode) else []:
            hook_id = _node_scalar(_node_get(hook, "id"))
            if hook_id is None:
                continue
            stages = _node_strings(_node_get(hook, "stages")) or default_stages
            if "commit" in stages:  # the stage's legacy name
                stages = stages | {"pre-commit"}
            hooks.append(
                _Hook(
                    id=hook_id,
                    alias=_node_scalar(_node_get(hook, "alias")),
                    entry=_node_scalar(_node_get(hook, "entry")),
                    stages=stages,
                    line=hook.start_mark.line + 1,
                )
            )
    return hooks


def _node_get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for name, value in node.value if name.value == key), None)


def _node_scalar(node: yaml.Node | None) -> str | None:
    return str(node.value).strip() if isinstance(node, yaml.ScalarNode) and str(node.value).strip() else None


def _node_strings(node: yaml.Node | None) -> frozenset[str]:
    if isinstance(node, yaml.SequenceNode):
        return frozenset(str(item.value) for item in node.value if isinstance(item, yaml.ScalarNode))
    return frozenset()
