"""Use cases: each function runs one business operation inside its own transaction(s)."""
