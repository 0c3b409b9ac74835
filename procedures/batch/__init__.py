"""The batch page: one procedure recorded for several mice of the worklist, the metadata typed once.

`forms` (the metadata form and one block per mouse) and `views` (the page); the write is
`procedures.services.batch.experiments_record_batch`, the drafts `procedures.drafts`.
"""
