"""The hand-written half of the documentation: `.github/workflow-docs.toml`.

The workflows say which jobs and secrets exist; they cannot say what a deployment secret is for
or where to get it, what a job blocks on, or how to troubleshoot. That prose lives in this small
committed file and `render` merges it in, so regenerating loses nothing:

    title = "Workflows"
    intro = "Markdown before the first workflow."
    [workflows."ci.yml"]
    notes = "Markdown under that workflow's table."
    [jobs.lint]                       # a job id (of any workflow)
    does = "`invoke lint`"
    local = "same"
    blocks_on = "any ruff violation"
    [secrets.RENDER_API_KEY]
    purpose = "reads the deploy's status"
    source = "where to get it"
    optional = false
    [[sections]]
    title = "Troubleshooting"
    body = "Markdown after the secrets."

A description of a job or secret the workflows do not have is an error naming it: stale prose
must not outlive the job it described.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DESCRIPTIONS = ".github/workflow-docs.toml"


class DescriptionsError(Exception):
    """The descriptions file is unreadable or malformed; the message names the file."""


@dataclass(frozen=True)
class JobNote:
    does: str = ""
    local: str = ""
    blocks_on: str = ""


@dataclass(frozen=True)
class SecretNote:
    purpose: str = ""
    source: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    body: str


@dataclass(frozen=True)
class Descriptions:
    title: str = "Workflows"
    intro: str = ""
    workflow_notes: Mapping[str, str] = field(default_factory=dict)  # file name -> Markdown
    jobs: Mapping[str, JobNote] = field(default_factory=dict)
    secrets: Mapping[str, SecretNote] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()


def load_descriptions(root: Path) -> Descriptions:
    """The repository's descriptions; none (all empty) when it has no such file."""
    path = root / DESCRIPTIONS
    if not path.is_file():
        return Descriptions()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DescriptionsError(f"{DESCRIPTIONS}: not readable ({str(exc).splitlines()[0]})") from None
    try:
        return Descriptions(
            title=_text(data, "title") or "Workflows",
            intro=_text(data, "intro"),
            workflow_notes={name: _text(note, "notes") for name, note in _tables(data, "workflows").items()},
            jobs={
                job: JobNote(_text(note, "does"), _text(note, "local"), _text(note, "blocks_on"))
                for job, note in _tables(data, "jobs").items()
            },
            secrets={
                name: SecretNote(_text(note, "purpose"), _text(note, "source"), note.get("optional") is True)
                for name, note in _tables(data, "secrets").items()
            },
            sections=tuple(
                Section(_text(section, "title"), _text(section, "body"))
                for section in _list(data, "sections")
            ),
        )
    except ValueError as exc:
        raise DescriptionsError(f"{DESCRIPTIONS}: {exc}") from None


def _text(table: Mapping[str, Any], key: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string, not {type(value).__name__}")
    return value.strip()


def _tables(data: Mapping[str, Any], key: str) -> dict[str, Mapping[str, Any]]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(item, dict) for item in value.values()):
        raise ValueError(f"[{key}.<name>] must be tables")
    return {str(name): item for name, item in value.items()}


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"[[{key}]] must be an array of tables")
    return value
