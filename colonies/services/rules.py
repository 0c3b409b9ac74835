"""The breeding and housing rules, in one place, with the thresholds each centre sets.

Every rule is a small function that adds an error or a warning to a `Findings`. Errors refuse the write with a
field-level message (400 in the API, a message on the form). Warnings refuse it too until the person confirms
(`confirm=True` in the API, "Save anyway" on a form): the literature's systems warn on these (MausDB, mLIMS) and our
users asked for them to be visible, not silent. A confirmed warning is written into the audit reason, so the
history shows who saw what and went ahead.

Thresholds come from `ColonySettings` (per centre) and `StrainSetting` (per centre and strain); a centre without a
row uses the model defaults. `wean_age_verdict` and friends are pure functions of dates so that they can be tested
on every date (hypothesis) without the database.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError

from colonies.models import ColonySettings, StrainSetting
from colonies.selectors import colony_settings_for


class NeedsConfirmation(ValidationError):
    """Warnings the person has not confirmed yet; carries them as `warnings` (400 with a `confirm` hint)."""

    def __init__(self, warnings: list[str]):
        self.warnings = list(warnings)
        super().__init__({
            "warnings": self.warnings,
            "confirm": ["Send confirm=true (tick 'Save anyway') to go ahead despite the warnings."],
        })


@dataclass
class Findings:
    """Errors by field and warnings, gathered by the rules of one write."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def error(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, []).append(message)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def check(self, *, confirm: bool) -> str:
        """Raise the errors, or the unconfirmed warnings; return the audit note for confirmed warnings."""
        if self.errors:
            raise ValidationError(self.errors)
        if self.warnings and not confirm:
            raise NeedsConfirmation(self.warnings)
        return ("Confirmed warnings: " + " ".join(self.warnings)) if self.warnings else ""


# --- Thresholds ---------------------------------------------------------------------------------------------------


def strain_threshold(centre, strain, name: str) -> int:
    """A threshold for a strain: the centre's per-strain override when set, else the centre's value."""
    override = StrainSetting.objects.filter(centre=centre, strain=strain).values_list(name, flat=True).first()
    return override if override is not None else getattr(colony_settings_for(centre), name)


# --- Date rules (pure) --------------------------------------------------------------------------------------------


def age_days(date_of_birth: date, on: date) -> int:
    return (on - date_of_birth).days


def wean_age_verdict(born_on: date, weaned_on: date, today: date, s: ColonySettings) -> tuple[str, str]:
    """('error' | 'warning' | 'ok', message) for weaning a litter born `born_on` on `weaned_on`.

    Before or on the birth date and in the future are errors; outside wean_min..wean_max days (16–28) an error;
    outside the usual wean_usual_min..wean_usual_max (18–24) a warning.
    """
    days = (weaned_on - born_on).days
    if weaned_on > today:
        return "error", f"The wean date {weaned_on} is in the future."
    if days <= 0:
        return "error", f"The wean date {weaned_on} is not after the birth date {born_on}."
    if days < s.wean_min_days:
        return "error", (f"Weaning at {days} days is too early: pups are weaned at least {s.wean_min_days} days "
                         f"after birth ({born_on + timedelta(days=s.wean_min_days)}).")
    if days > s.wean_max_days:
        return "error", (f"Weaning at {days} days is too late: pups are weaned at most {s.wean_max_days} days "
                         f"after birth; a later wean needs the vet's approval.")
    if days < s.wean_usual_min_days or days > s.wean_usual_max_days:
        return "warning", (f"Weaning at {days} days is outside the usual {s.wean_usual_min_days} to "
                           f"{s.wean_usual_max_days} days.")
    return "ok", ""


def birth_date_verdict(set_up_on: date, born_on: date, today: date, s: ColonySettings) -> tuple[str, str]:
    """('error' | 'ok', message) for a litter born `born_on` of a mating set up `set_up_on`."""
    earliest = set_up_on + timedelta(days=s.gestation_min_days)
    if born_on > today:
        return "error", f"The birth date {born_on} is in the future."
    if born_on < earliest:
        return "error", (f"A litter of a mating set up on {set_up_on} cannot be born before {earliest} "
                         f"(set-up + {s.gestation_min_days} days of gestation).")
    return "ok", ""


def breeding_age_verdict(date_of_birth: date, set_up_on: date, minimum_days: int) -> tuple[str, str]:
    """('error' | 'ok', message) for a mouse born `date_of_birth` becoming a breeder on `set_up_on`."""
    days = age_days(date_of_birth, set_up_on)
    if days < minimum_days:
        return "error", (f"is {days} days old on {set_up_on}; breeders must be at least {minimum_days} days "
                         f"({minimum_days / 7:g} weeks) old.")
    return "ok", ""


def not_in_future(findings: Findings, field_name: str, value: date | None, label: str, today: date) -> None:
    if value is not None and value > today:
        findings.error(field_name, f"{label} ({value}) cannot be in the future.")
