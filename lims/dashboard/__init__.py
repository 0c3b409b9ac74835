"""The start page (top floor of `lims`): what needs doing today, per role, counted in the user's centre.

Like `lims.reports` and `lims.bench`, it reads the domain apps (`colonies`, `procedures`); the core modules of
`lims` never do (the import-linter contracts in pyproject.toml).
"""
