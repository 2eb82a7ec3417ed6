"""`python -m cimaturity ...`: the same command as the `cimaturity` console script."""

from cimaturity.cli import main

if __name__ == "__main__":
    main()
