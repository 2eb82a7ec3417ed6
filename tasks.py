"""Invoke entry point. Tasks live in `cimaturity.tasks`; run `invoke --list` to see them."""

from cimaturity.tasks import ns

__all__ = ["ns"]
