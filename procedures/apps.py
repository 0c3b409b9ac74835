from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "Phenotyping"

    def ready(self) -> None:
        """Plug phenotyping into the two places below it that must not import it.

        - `colonies.hooks`: a mouse that dies or is culled has its open tests closed (IMPC_PSC_001/002) in the
          transaction of the status change.
        - `lims.reference`: `load_reference` loads the IMPReSS definition after the core's reference data.
        - `colonies.hooks.CAGE_ACTIONS`: a cage's page offers *Record due tests for these mice* (the worklist of
          that cage) when its mice have tests due.
        """
        from colonies.hooks import cage_actions_register, mouse_status_changed_register
        from lims.reference import reference_loader_register
        from procedures.reference import impress_reference_load
        from procedures.services import scheduled_tests_close_for_mouse
        from procedures.views.worklist import cage_record_action

        mouse_status_changed_register(scheduled_tests_close_for_mouse)
        reference_loader_register(impress_reference_load)
        cage_actions_register(cage_record_action)
