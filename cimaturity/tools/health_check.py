"""Validate a deployed service and write `health.json`: what the `deployment` check runs.

`python -m cimaturity.tools.health_check --url URL --output FILE [--expect-sha SHA]
[--require-redis] [--attempts N] [--backoff S]`: polls /health, /api/v1/health and
/api/diagnostics (`cimaturity.deploy.health`), retries with backoff, never a fixed sleep.
Exit 0 when the deployment is healthy, 1 when it is not (the file says why), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cimaturity.deploy import record
from cimaturity.deploy.health import HealthChecker, HealthPolicy


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cimaturity.tools.health_check", description=__doc__)
    parser.add_argument("--url", required=True, help="the deployed service's base URL")
    parser.add_argument("--output", type=Path, required=True, help="health.json to write")
    parser.add_argument("--environment", default=None, help="staging, production, ... (recorded)")
    parser.add_argument("--expect-sha", default="", help="/api/diagnostics must report this commit")
    parser.add_argument("--require-redis", action="store_true", help="the cache must be Redis")
    parser.add_argument("--attempts", type=int, default=10, help="rounds before giving up (default 10)")
    parser.add_argument("--backoff", type=float, default=1.0, help="first wait after a failed round, s")
    args = parser.parse_args(argv)
    if not args.url.startswith(("http://", "https://")):
        print(f"health_check: --url must be an http(s) URL, not {args.url!r}", file=sys.stderr)
        return 2
    try:
        policy = HealthPolicy(
            attempts=args.attempts,
            backoff_s=args.backoff,
            require_redis=args.require_redis,
            expect_sha=args.expect_sha,
        )
    except ValueError as exc:
        print(f"health_check: {exc}", file=sys.stderr)
        return 2
    result = HealthChecker(args.url, policy, progress=_progress).run()
    record.write(args.output, record.to_json(result, environment=args.environment))
    print(f"health: {result.target} {result.reason}", file=sys.stderr)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
