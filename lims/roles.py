"""Who may write what: one table, read by the API permission class and the HTML views alike.

Reading is open to every member of a centre (scoping limits it to their own centre's records); writing depends on the
area of the record. Read-only users appear in no set, so they can never write.

Production (plans, ES cells, micro-injections, allele modifications, phenotyping attempts) and breeding (matings)
belong to colony managers and centre admins: a technician reads them but never sees their write buttons and gets 403
on their forms (issue 14 point 2); technicians keep the bench work of the colony (mice, cages, litters, genotyping).
"""
from lims.models import Role

WRITE_ROLES: dict[str, frozenset[str]] = {
    "production": frozenset({Role.CENTRE_ADMIN, Role.COLONY_MANAGER}),
    "breeding": frozenset({Role.CENTRE_ADMIN, Role.COLONY_MANAGER}),
    "colony": frozenset({Role.CENTRE_ADMIN, Role.COLONY_MANAGER, Role.TECHNICIAN}),
    "phenotyping": frozenset({Role.CENTRE_ADMIN, Role.TECHNICIAN, Role.DATA_WRANGLER, Role.COLONY_MANAGER}),
    "qc": frozenset({Role.CENTRE_ADMIN, Role.DATA_WRANGLER}),
    "dcc": frozenset({Role.CENTRE_ADMIN, Role.DATA_WRANGLER}),
    # The centre's breeding thresholds and mouse-ID pattern.
    "colony_settings": frozenset({Role.CENTRE_ADMIN, Role.COLONY_MANAGER}),
}


def can_write(user, area: str) -> bool:
    """True when `user` may create or change records of `area`."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.centre_id is None:
        return False
    return user.role in WRITE_ROLES[area]
