"""Shared models: the centre that owns every record, reference data, users with one role each.

Reference tables (centres, consortia, strains, genes) are global and edited in the Django admin. Everything a lab
records belongs to a centre through `CentreOwnedModel` and is read through `lims.scoping`.
"""
import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Creation and last-change times, set by the server (never by a client)."""

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class VoidableModel(models.Model):
    """A record that is voided with a reason instead of deleted.

    Scientific records are protected from DELETE by a trigger (see `protect_delete`); voiding keeps the row and its
    history and hides it from normal lists.
    """

    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    void_reason = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


def protect_delete() -> pgtrigger.Protect:
    """The trigger that refuses a hard DELETE of a scientific record at the database."""
    return pgtrigger.Protect(name="protect_delete", operation=pgtrigger.Delete)


def audit_trackers():
    """Insert, update and delete events with the full row, written by PostgreSQL triggers."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


@pghistory.track(*audit_trackers())
class Centre(models.Model):
    """A production and/or phenotyping centre. `code` is the ILAR code exactly as the DCC schema enumerates it."""

    code = models.CharField(max_length=20, unique=True, help_text="DCC ILAR code, e.g. H, J, Wtsi, Tcp.")
    name = models.CharField(max_length=100, unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    default_pipeline = models.CharField(max_length=30, default="IMPC_001")
    default_project = models.CharField(max_length=50, blank=True, help_text="DCC project, e.g. BaSH, JAX, DTCC.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audit_trackers())
class Consortium(models.Model):
    """A funding consortium (BaSH, DTCC, JAX, MGP …) under which plans are made."""

    name = models.CharField(max_length=100, unique=True)
    funding = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "consortia"

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audit_trackers())
class Strain(models.Model):
    """A mouse strain with its MGI id and the roles it may play in production."""

    name = models.CharField(max_length=150, unique=True)
    mgi_id = models.CharField(max_length=20, blank=True, db_index=True, verbose_name="MGI id")
    is_background = models.BooleanField(default=False)
    is_test_cross = models.BooleanField(default=False)
    is_blast = models.BooleanField(default=False)
    is_deleter = models.BooleanField(default=False)
    excision_type = models.CharField(max_length=10, blank=True, help_text="cre, flp or dre for deleter strains.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track(*audit_trackers())
class Gene(models.Model):
    """A mouse gene (MGI marker)."""

    symbol = models.CharField(max_length=75, unique=True)
    mgi_id = models.CharField(max_length=40, unique=True, verbose_name="MGI id")
    name = models.CharField(max_length=255, blank=True)
    chromosome = models.CharField(max_length=5, blank=True)

    class Meta:
        ordering = ["symbol"]
        constraints = [models.UniqueConstraint(Lower("symbol"), name="gene_symbol_ci_unique")]

    def __str__(self) -> str:
        return self.symbol

    def get_absolute_url(self) -> str:
        return reverse("colonies:gene_detail", args=[self.pk])


class Role(models.TextChoices):
    TECHNICIAN = "technician", "Technician"
    COLONY_MANAGER = "colony_manager", "Colony manager"
    DATA_WRANGLER = "data_wrangler", "Data wrangler"
    CENTRE_ADMIN = "centre_admin", "Centre admin"
    READ_ONLY = "read_only", "Read-only"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["password", "last_login"],
)
class User(AbstractUser):
    """A person (or script) working for exactly one centre with exactly one role."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    role = models.CharField(max_length=20, choices=Role, default=Role.READ_ONLY)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class CentreOwnedModel(TimeStampedModel):
    """A record that belongs to one centre; `lims.scoping.scope_for_user` limits every read to it."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
