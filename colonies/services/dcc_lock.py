"""What the DCC already has does not change silently: the identity of every mouse and colony the export sent.

The DCC keys a specimen by its specimenID and a line by its colonyID, and shows each with its sex, date of birth,
colony, gene and lineage (dcc-format.md §3.1, §5.2). The DCC pipeline stamps `dcc_submitted_at` on each mouse and
colony an export carries (`procedures.dcc.services._lock_sent_records`, in the transaction that records them as
sent); the rules here read those stamps, so the colonies app never reads the DCC's ledger.

- A sent mouse keeps its specimen ID: the specimen format has no "formerly known as", so a new ID reaches the DCC
  as a new specimen and leaves the old one, with its experiments, orphaned. Refused (409).
- Its sex, date of birth (or an embryo's stage), kind, colony, strain and baseline flag change only through a
  correction with a reason (`colonies.services.mouse_correct`: `POST /api/v1/mice/{id}/correct/` or the mouse's
  Correct page). The correction is what the format can carry: the next export sends the specimen to `edit/`
  under the same specimenID with the corrected attributes, and the reason stays in the mouse's history. A plain
  edit of those fields is refused (409) and names the correction.
- A sent colony keeps its name, background strain, gene and origin (attempt or allele modification): the DCC
  checks a line against GenTaR by colonyID, and no file the LIMS sends can correct its gene. Refused (409).
- A phenotyping cohort's name is the colonyID its mice are sent under: it keeps its name, strain and parent colony
  once phenotyping has started or its colony was sent. Refused (409).

A change of any of these while an export of the centre is being built waits for nobody: it is refused (409, "save
again in a minute"), because the export may be sending the record as it was (`lims.locks`).
"""
from colonies.models import Colony, Mouse
from lims.exceptions import Conflict
from lims.locks import no_dcc_build_running

#: The key the DCC files a specimen under: never changes once sent.
MOUSE_KEY = "specimen_id"
#: What the DCC shows as a specimen's identity: changes after sending only by `mouse_correct`, with a reason.
MOUSE_CORRECTABLE = ("sex", "date_of_birth", "kind", "stage", "stage_unit", "colony", "strain", "is_baseline")
#: A colony's colonyID, strain, gene and lineage: never change once sent.
COLONY_LOCKED = ("name", "background_strain", "gene", "microinjection", "allele_modification")
#: A cohort's colonyID, strain and parent colony: never change once phenotyping started or its colony was sent.
COHORT_LOCKED = ("colony_name", "background_strain", "parent_colony")


def wait_no_build_if_identity_changes(instance, fields: dict, names) -> None:
    """Before a change of any of `names` (identity the DCC export sends), make sure no export of the record's
    centre is between its snapshot and its stamp (`lims.locks`): such an export would send the old identity and
    then lock the new one. Cheap when nothing of `names` changes (no query).

    Raises:
        Conflict: an export of the centre is being built right now.
    """
    if any(name in fields and getattr(instance, name) != fields[name] for name in names):
        no_dcc_build_running(instance.centre_id)


def _sent_on(stamp) -> str:
    return f"{stamp:%Y-%m-%d}"


def mouse_lock_check(mouse: Mouse, changed: list[str], *, correcting: bool = False) -> None:
    """Refuse a change of `mouse`'s identity fields (`changed`) that its DCC stamp forbids.

    Reads the stamp from the database (the caller holds the row lock), so an export that sent the mouse since the
    page was opened is seen.

    Raises:
        Conflict: the specimen ID of a sent mouse, or its identity without `correcting`.
    """
    touched = [name for name in (MOUSE_KEY, *MOUSE_CORRECTABLE) if name in changed]
    if not touched or mouse.pk is None:
        return
    stamp = Mouse.objects.filter(pk=mouse.pk).values_list("dcc_submitted_at", flat=True).first()
    if stamp is None:
        return
    if MOUSE_KEY in touched:
        raise Conflict(f"Mouse {Mouse.objects.get(pk=mouse.pk).specimen_id} was sent to the DCC on {_sent_on(stamp)}, "
                       "which files it under its specimen ID: the ID cannot change (a new ID would reach the DCC as "
                       "another mouse and leave this one's data orphaned).", field=MOUSE_KEY)
    if not correcting:
        labels = " and ".join(str(Mouse._meta.get_field(name).verbose_name) for name in touched)
        raise Conflict(f"This mouse was sent to the DCC on {_sent_on(stamp)}: its {labels} can change only by a "
                       f"correction with a reason (POST /api/v1/mice/{mouse.pk}/correct/, or Correct on its page), "
                       "which the next export sends to the DCC.", field=touched[0])


def colony_lock_check(colony: Colony, changed: list[str], *, stamp) -> None:
    """Refuse a change of a sent colony's name, strain, gene or origin (`stamp`: its `dcc_submitted_at` as stored).

    Raises:
        Conflict: naming the first locked field.
    """
    if stamp is None:
        return
    locked = [name for name in COLONY_LOCKED if name in changed]
    if locked:
        labels = " and ".join(str(Colony._meta.get_field(name).verbose_name) for name in locked)
        raise Conflict(f"The colony's {labels} cannot change: its data was submitted to the DCC on "
                       f"{_sent_on(stamp)}.", field=locked[0])


__all__ = ["COHORT_LOCKED", "COLONY_LOCKED", "MOUSE_CORRECTABLE", "MOUSE_KEY", "colony_lock_check",
           "mouse_lock_check", "wait_no_build_if_identity_changes"]
