"""Factories of the core's reference rows and people: centres, users, consortia, strains, genes."""
import factory
from factory.django import DjangoModelFactory

from lims.models import Centre, Consortium, Gene, Role, Strain, User


class CentreFactory(DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("code",)

    code = factory.Iterator(["H", "J", "Tcp", "Ucd", "Wtsi", "Ics", "Bcm", "Gmc"])
    name = factory.LazyAttribute(lambda o: f"Centre {o.code}")
    full_name = factory.LazyAttribute(lambda o: f"The {o.code} centre")
    default_project = "BaSH"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    centre = factory.SubFactory(CentreFactory)
    role = Role.TECHNICIAN
    password = factory.django.Password("correct-horse-battery")


class ConsortiumFactory(DjangoModelFactory):
    class Meta:
        model = Consortium
        django_get_or_create = ("name",)

    name = "BaSH"
    funding = "KOMP2"


class StrainFactory(DjangoModelFactory):
    class Meta:
        model = Strain
        django_get_or_create = ("name",)

    name = "C57BL/6N"
    mgi_id = "MGI:2159965"
    is_background = True


class GeneFactory(DjangoModelFactory):
    class Meta:
        model = Gene
        django_get_or_create = ("symbol",)

    symbol = factory.Sequence(lambda n: f"Gene{n}")
    mgi_id = factory.Sequence(lambda n: f"MGI:{900000 + n}")
