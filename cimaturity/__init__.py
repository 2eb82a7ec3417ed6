"""cimaturity: run a Python project's CI checks, keep their artifacts, score its CI/CD maturity."""

__version__ = "0.1.0"
