"""Helpers of the colony tests: adult mice of a colony."""
import datetime as dt

from tests.factories import MouseFactory

#: Old enough to breed on any date the rules tests use.
ADULT = dt.date(2025, 10, 1)


def adult(colony, sex="female", **kw):
    """A mouse of `colony`, born on ADULT and of the colony's background strain unless told otherwise."""
    kw.setdefault("date_of_birth", ADULT)
    kw.setdefault("strain", colony.background_strain)
    return MouseFactory(centre=colony.centre, colony=colony, sex=sex, **kw)
