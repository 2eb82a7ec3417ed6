"""The pull request comment: what this change did to the score (`compare`), said in compact
Markdown (`render`), and held to the line (`gate`)."""
