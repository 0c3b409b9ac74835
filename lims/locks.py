"""Advisory locks shared by two apps that must not import each other.

The DCC export of a centre plans, writes and validates its files under one PostgreSQL advisory lock
(`procedures.dcc.services._one_build_per_centre`). A change of identity the export may be sending (a mouse's
specimen ID or sex, a colony's name or gene) takes the same key in shared mode for its transaction, so it never
lands between the export's snapshot and the moment the export stamps what it sent (`colonies.services.dcc_lock`):
otherwise the DCC would get the old identity and the LIMS would lock the new one.
"""
from django.db import connection

from lims.exceptions import Conflict

#: First key of the advisory lock of a centre's DCC build (the second is the centre's id).
DCC_BUILD_LOCK = 6_0001


def no_dcc_build_running(centre_id: int) -> None:
    """Hold the centre's DCC build lock in shared mode until the transaction ends, or refuse while a build runs.

    Raises:
        Conflict: an export of the centre is being built now (it takes seconds to minutes).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s, %s)", [DCC_BUILD_LOCK, centre_id])
        acquired = cursor.fetchone()[0]
    if not acquired:
        raise Conflict("An export to the DCC is being built for your centre right now and may be sending this "
                       "record; save again in a minute.")


__all__ = ["DCC_BUILD_LOCK", "no_dcc_build_running"]
