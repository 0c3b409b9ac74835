"""Reports and dashboards (issue 7): production, breeding, phenotyping, DCC and the phenotype QC view.

One module per report, each with a `build(user, params) -> Report` made of SQL aggregations; `views.py` renders it
as a page (with `?export=xlsx|csv`), `api.py` as JSON under `/api/v1/reports/<name>/`.
"""
