"""Production: plans, ES cells, micro-injection attempts, colonies, allele modifications and phenotyping attempts.

Pages (`views`, `urls`, `import_urls`), their forms and FilterSets (shared with the API), the Excel imports and the
production summary. Models stay in `colonies.models`, writes in `colonies.services`, reads in `colonies.selectors`.
"""
