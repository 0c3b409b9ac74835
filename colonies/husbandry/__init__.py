"""Colony management: rooms, racks and cages, mice, matings and litters, cage cards, the census, the to-do list and
the colony settings.

Pages (`views`, `urls`), their forms and FilterSets (shared with the API), the cards, census and pedigree builders.
Genotyping has its own package (`colonies.genotyping`), mounted under the same /colony/ URLs. Models stay in
`colonies.models`, writes in `colonies.services`, reads in `colonies.selectors`.
"""
