"""Serializer building blocks shared by every app."""
from rest_framework import serializers

from lims.models import Centre, Consortium, Gene, Strain
from lims.scoping import scope_for_user


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to the requesting user's centre: another centre's id is 'not found' (400)."""

    def get_queryset(self):
        return scope_for_user(super().get_queryset(), self.context["request"].user)


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    def get_queryset(self):
        return scope_for_user(super().get_queryset(), self.context["request"].user)


class CentreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Centre
        fields = ["id", "code", "name", "full_name", "default_pipeline", "default_project"]


class ConsortiumSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consortium
        fields = ["id", "name", "funding"]


class StrainSerializer(serializers.ModelSerializer):
    class Meta:
        model = Strain
        fields = ["id", "name", "mgi_id", "is_background", "is_test_cross", "is_blast", "is_deleter", "excision_type"]


class GeneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Gene
        fields = ["id", "symbol", "mgi_id", "name", "chromosome"]


class RecordSerializer(serializers.ModelSerializer):
    """Base for centre-owned records: centre, timestamps and void state are read-only."""

    centre = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
