"""Where apps above breeding hear of a mouse's life events, without breeding importing them.

Phenotyping must close a mouse's open tests when it dies or is culled, but `colonies` never imports `procedures`
(the import-linter contracts in pyproject.toml). So `procedures` registers a function here from its
`AppConfig.ready()`, and the mouse services call every registered function right after saving a status change,
inside their own transaction: if a hook fails, the status change rolls back with it, and a caller that reads the
mouse's tests after the service returns sees them closed. A plain registry rather than a Django signal: the call is
explicit at the one place it happens, runs in order, and its errors are not swallowed.

The same way, a cage's page shows the buttons apps above it offer for its mice (`CAGE_ACTIONS`): phenotyping adds
*Record due tests for these mice* without the cage page knowing what a scheduled test is.
"""
from lims.hooks import HookRegistry

#: `hook(*, mouse, actor)`, called after a mouse's status changed (to dead, culled, exported …) and was saved.
MOUSE_STATUS_CHANGED = HookRegistry("mouse status changed")
mouse_status_changed_register = MOUSE_STATUS_CHANGED.register


def mouse_status_changed(*, mouse, actor) -> None:
    """Run every registered hook for `mouse`, whose new status is saved; the caller's transaction holds them all."""
    for hook in MOUSE_STATUS_CHANGED:
        hook(mouse=mouse, actor=actor)


#: `hook(*, cage, user) -> list[(label, url)]`: buttons an app above breeding adds to a cage's page (phenotyping's
#: *Record due tests for these mice*, opened from the cage card's QR code on a tablet).
CAGE_ACTIONS = HookRegistry("cage actions")
cage_actions_register = CAGE_ACTIONS.register


def cage_actions(*, cage, user) -> list[tuple[str, str]]:
    """Every registered app's buttons for `cage` as seen by `user`, in the order the apps registered."""
    return [action for hook in CAGE_ACTIONS for action in hook(cage=cage, user=user)]
