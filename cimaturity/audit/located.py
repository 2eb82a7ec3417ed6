"""A workflow file as YAML nodes that know their line: what the audit needs to say where.

`load_located(path)` gives the document as `Located` values: mappings (`dict[str, Located]`),
lists, and scalars, each with the 1-based line where it starts. A block scalar (`run: |`) also
keeps the line its text starts on, so a finding on the third line of a script points there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cimaturity.model import ArtifactError

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL_TAG = "tag:yaml.org,2002:bool"


@dataclass(frozen=True)
class Located:
    value: Any  # dict[str, Located] | list[Located] | str (scalars are kept as their text)
    line: int  # 1-based line where the node starts
    text_line: int  # 1-based line of the first text line (a block scalar's text starts below it)
    key_line: int  # 1-based line of the key holding this node (its own line for list items)
    literal: bool = False  # a `|` block scalar: its text keeps the file's line breaks

    def get(self, key: str) -> Located | None:
        return self.value.get(key) if isinstance(self.value, dict) else None

    def mapping(self) -> dict[str, Located]:
        return self.value if isinstance(self.value, dict) else {}

    def items(self) -> list[Located]:
        return self.value if isinstance(self.value, list) else []

    def text(self) -> str | None:
        return self.value if isinstance(self.value, str) else None

    def line_of(self, index: int) -> int:
        """The file line of line `index` (0-based) of this scalar's text (a folded or plain
        scalar joins lines, so only its first line is known)."""
        return self.text_line + index if self.literal else self.text_line


def load_located(path: Path, relative: str) -> Located:
    """The workflow's top-level mapping; a one-line `ArtifactError` naming `relative` when the
    file is not readable YAML or not a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{relative}: not readable ({exc})") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ArtifactError(
            f"{relative}:{where} not valid YAML ({first[0] if first else 'parse error'})"
        ) from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise ArtifactError(f"{relative}: not a workflow (the top level is not a mapping)")
    return _convert(node, node.start_mark.line + 1)


def _convert(node: yaml.Node, key_line: int) -> Located:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Located] = {}
        for key_node, value_node in node.value:
            # YAML 1.1 reads a bare `on:` as the boolean true: keep GitHub's meaning.
            key = (
                "on" if key_node.tag == _BOOL_TAG and key_node.value in ("on", "On", "ON") else key_node.value
            )
            mapping[str(key)] = _convert(value_node, key_node.start_mark.line + 1)
        return Located(mapping, line, line, key_line)
    if isinstance(node, yaml.SequenceNode):
        return Located(
            [_convert(item, item.start_mark.line + 1) for item in node.value], line, line, key_line
        )
    style = getattr(node, "style", None)
    text_line = line + 1 if style in ("|", ">") else line
    return Located(str(node.value), line, text_line, key_line, literal=style == "|")
