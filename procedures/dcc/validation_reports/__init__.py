"""The DCC's validation reports read back into the LIMS: formats and XSDs (`schemas`), messages and the records
they name (`reader`), matching and storing (`services`), read by the pages (`selectors`)."""
