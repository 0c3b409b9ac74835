"""Genotyping: assays and their call → zygosity rule tables, samples and results, the "to be genotyped" list and the
Excel import of result batches.

Pages (`views`, `urls`, mounted under /colony/ by `colonies.husbandry.urls`), forms, FilterSets (shared with the
API), reads (`selectors`) and the import. Models stay in `colonies.models`, writes in `colonies.services`.
"""
