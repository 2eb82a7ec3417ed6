"""The maturity report: artifacts -> pandas frames -> rubric findings -> score -> Markdown/HTML."""
