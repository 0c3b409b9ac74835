"""API for colony management: rooms, racks, cages, matings, litters, and the bulk mouse actions.

Mice, cages, matings and litters are referred to by their IDs as people write them (`specimen_id`, `cage_id`,
mating `name`, litter `code`), limited to the caller's centre. Rules that only warn answer 400 with `warnings` until
the request is sent again with `"confirm": true`.
"""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from colonies import selectors, services
from colonies.husbandry import filters
from colonies.models import Cage, CagePlacement, Colony, Litter, Mating, MatingFemale, Mouse, Rack, Room
from colonies.services import Pup
from lims.scoping import centre_users
from lims.serializers import RecordSerializer, ScopedRelatedField, ScopedSlugRelatedField
from lims.versioning import version_field
from lims.viewsets import LimsViewSet, VoidMixin


def _mouse_field(**kwargs):
    return ScopedSlugRelatedField(slug_field="specimen_id", queryset=Mouse.objects.filter(voided_at__isnull=True),
                                  **kwargs)


def _cage_field(**kwargs):
    return ScopedSlugRelatedField(slug_field="cage_id", queryset=Cage.objects.filter(voided_at__isnull=True),
                                  **kwargs)


class ScopedUserField(serializers.SlugRelatedField):
    """A person of the caller's centre, by username."""

    def get_queryset(self):
        return centre_users(self.context["request"].user.centre_id)


# --- Rooms, racks, cages ---------------------------------------------------------------------------------------


class RoomSerializer(RecordSerializer):
    class Meta:
        model = Room
        fields = ["id", "centre", "building", "name", "voided_at", "created_at", "updated_at"]
        read_only_fields = ["voided_at"]


class RackSerializer(RecordSerializer):
    room = ScopedRelatedField(queryset=Room.objects.all())

    class Meta:
        model = Rack
        fields = ["id", "centre", "room", "name", "positions", "voided_at", "created_at", "updated_at"]
        read_only_fields = ["voided_at"]


class CageSerializer(RecordSerializer):
    rack = ScopedRelatedField(queryset=Rack.objects.all(), required=False, allow_null=True)
    room = serializers.CharField(source="rack.room", read_only=True, default=None, allow_null=True)
    occupancy = serializers.IntegerField(read_only=True, help_text="Mice in the cage now.")
    cage_id = serializers.CharField(required=False, allow_blank=True, help_text="Blank: the next C-nnnnn number.")
    capacity = serializers.IntegerField(required=False, min_value=1, help_text="Blank: the centre's default (5).")
    opened_on = serializers.DateField(required=False, help_text="Blank: today.")

    class Meta:
        model = Cage
        fields = ["id", "centre", "cage_id", "cage_type", "capacity", "rack", "room", "position", "opened_on",
                  "closed_on", "occupancy", "notes", "voided_at", "created_at", "updated_at"]
        read_only_fields = ["closed_on", "voided_at"]


class CloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField(required=False)


class RoomViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.room_list()
    serializer_class = RoomSerializer
    filterset_class = filters.RoomFilterSet
    area = "colony"
    create_service = services.room_create
    update_service = services.room_update


class RackViewSet(LimsViewSet):
    queryset = Rack.objects.select_related("centre", "room").order_by("room__building", "room__name", "name")
    serializer_class = RackSerializer
    filterset_fields = ["room"]
    area = "colony"
    create_service = services.rack_create
    http_method_names = ["get", "post", "head", "options"]  # racks are renamed in the admin


class CageViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.cage_list()
    serializer_class = CageSerializer
    filterset_class = filters.CageFilterSet
    ordering_fields = ["cage_id", "opened_on", "updated_at"]
    area = "colony"
    create_service = services.cage_create
    update_service = services.cage_update

    @extend_schema(request=CloseSerializer, responses=CageSerializer)
    @action(detail=True, methods=["post"], serializer_class=CloseSerializer)
    def close(self, request, pk=None):
        """Close an empty cage (it stays, with its history)."""
        cage = self.get_object()
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cage_close(instance=cage, actor=request.user, **data.validated_data)
        return Response(CageSerializer(self.get_queryset().get(pk=cage.pk), context=self.get_serializer_context()).data)


# --- Matings ---------------------------------------------------------------------------------------------------


class MatingFemaleSerializer(serializers.ModelSerializer):
    female = serializers.SlugRelatedField(slug_field="specimen_id", read_only=True)

    class Meta:
        model = MatingFemale
        fields = ["female", "joined_on", "left_on"]


class MatingSerializer(RecordSerializer):
    male = _mouse_field()
    females = _mouse_field(many=True, help_text="One to four females (specimen IDs).")
    female_rows = MatingFemaleSerializer(source="all_female_rows", many=True, read_only=True)
    cage = _cage_field(required=False, allow_null=True)
    colony = ScopedSlugRelatedField(slug_field="name", queryset=Colony.objects.all(), required=False, allow_null=True)
    responsible = ScopedUserField(slug_field="username", required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_blank=True, help_text="Blank: the next MAT-nnnnn.")
    confirm = serializers.BooleanField(write_only=True, default=False, help_text="Save despite warnings.")
    version = version_field()

    class Meta:
        model = Mating
        fields = ["id", "version", "centre", "name", "colony", "male", "females", "female_rows", "cage", "set_up_on",
                  "male_separated_on", "ended_on", "end_reason", "responsible", "notes", "confirm", "voided_at",
                  "created_at", "updated_at"]
        read_only_fields = ["male_separated_on", "ended_on", "end_reason", "voided_at"]


class MatingUpdateSerializer(MatingSerializer):
    """After set-up only the notes, the responsible person and the colony change; parents and dates have actions."""

    class Meta(MatingSerializer.Meta):
        read_only_fields = MatingSerializer.Meta.read_only_fields + ["name", "male", "females", "cage", "set_up_on",
                                                                     "confirm"]

    def get_fields(self):
        fields = super().get_fields()
        for name in ("male", "females", "cage", "set_up_on", "name"):
            fields[name].read_only = True
        fields.pop("confirm")
        return fields


class EndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SeparateSerializer(serializers.Serializer):
    on = serializers.DateField(required=False)
    cage = _cage_field(required=False, allow_null=True)


class MatingViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.mating_list()
    serializer_class = MatingSerializer
    filterset_class = filters.MatingFilterSet
    ordering_fields = ["set_up_on", "name", "updated_at"]
    area = "breeding"
    create_service = services.mating_create
    update_service = services.mating_update

    def get_serializer_class(self):
        return MatingUpdateSerializer if self.action in ("update", "partial_update") else MatingSerializer

    def _answer(self, mating):
        return Response(MatingSerializer(self.get_queryset().get(pk=mating.pk),
                                         context=self.get_serializer_context()).data)

    @extend_schema(request=EndSerializer, responses=MatingSerializer)
    @action(detail=True, methods=["post"], serializer_class=EndSerializer)
    def end(self, request, pk=None):
        """End the mating (409 when already ended); its females leave it that day."""
        mating = self.get_object()
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.mating_end(instance=mating, actor=request.user, **data.validated_data))

    @extend_schema(request=SeparateSerializer, responses=MatingSerializer)
    @action(detail=True, methods=["post"], url_path="separate-male", serializer_class=SeparateSerializer)
    def separate_male(self, request, pk=None):
        """Record that the male was taken out before delivery, optionally into another cage."""
        mating = self.get_object()
        data = SeparateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return self._answer(services.mating_separate_male(instance=mating, actor=request.user,
                                                          **data.validated_data))


# --- Litters ---------------------------------------------------------------------------------------------------


class LitterSerializer(RecordSerializer):
    mating = ScopedSlugRelatedField(slug_field="name", queryset=Mating.objects.filter(voided_at__isnull=True))
    dam = _mouse_field(required=False, allow_null=True)
    code = serializers.CharField(required=False, allow_blank=True, help_text="Blank: <mating>-L<n>.")
    sire = serializers.CharField(source="mating.male.specimen_id", read_only=True)
    pups = serializers.SlugRelatedField(slug_field="specimen_id", many=True, read_only=True)
    confirm = serializers.BooleanField(write_only=True, default=False, help_text="Save despite warnings.")

    class Meta:
        model = Litter
        fields = ["id", "centre", "code", "mating", "sire", "dam", "born_on", "born_count", "alive_count",
                  "dead_count", "weaned_on", "pups", "notes", "confirm", "voided_at", "created_at", "updated_at"]
        read_only_fields = ["weaned_on", "voided_at"]


class LitterUpdateSerializer(LitterSerializer):
    def get_fields(self):
        fields = super().get_fields()
        fields["mating"].read_only = True
        fields.pop("confirm")
        return fields


class PupSerializer(serializers.Serializer):
    sex = serializers.ChoiceField(choices=Mouse.Sex.choices)
    ear_mark = serializers.CharField(required=False, allow_blank=True, default="")
    cage = _cage_field(required=False, allow_null=True, default=None)
    new_cage_id = serializers.CharField(required=False, allow_blank=True, default="",
                                        help_text="Open a new cage with this ID for the pup.")


class WeanSerializer(serializers.Serializer):
    weaned_on = serializers.DateField()
    pups = PupSerializer(many=True)
    new_cage_type = serializers.ChoiceField(choices=Cage.CageType.choices, default=Cage.CageType.STOCK)
    new_cage_rack = ScopedRelatedField(queryset=Rack.objects.all(), required=False, allow_null=True, default=None,
                                       help_text="Rack (id) of the new cages; blank: the rack of the mother's cage.")
    confirm = serializers.BooleanField(default=False)


class LitterViewSet(VoidMixin, LimsViewSet):
    queryset = selectors.litter_list()
    serializer_class = LitterSerializer
    filterset_class = filters.LitterFilterSet
    ordering_fields = ["born_on", "code", "updated_at"]
    area = "colony"
    create_service = services.litter_create
    update_service = services.litter_update

    def get_queryset(self):
        return super().get_queryset().prefetch_related("pups").select_related("mating__male")

    def get_serializer_class(self):
        return LitterUpdateSerializer if self.action in ("update", "partial_update") else LitterSerializer

    @extend_schema(request=WeanSerializer, responses=LitterSerializer)
    @action(detail=True, methods=["post"], serializer_class=WeanSerializer)
    def wean(self, request, pk=None):
        """Wean the litter: one new mouse per pup, into the cages given (new cage IDs open new cages)."""
        litter = self.get_object()
        data = WeanSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.litter_wean(actor=request.user, litter=litter, weaned_on=values["weaned_on"],
                             pups=[Pup(**pup) for pup in values["pups"]], confirm=values["confirm"],
                             new_cage_type=values["new_cage_type"], new_cage_rack=values["new_cage_rack"])
        litter = self.get_queryset().get(pk=litter.pk)
        return Response(LitterSerializer(litter, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


# --- Bulk actions on mice --------------------------------------------------------------------------------------


class MoveSerializer(serializers.Serializer):
    mice = _mouse_field(many=True)
    cage = _cage_field()
    date = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="move")
    confirm = serializers.BooleanField(default=False)


class StatusSerializer(serializers.Serializer):
    mice = _mouse_field(many=True)
    status = serializers.ChoiceField(choices=[s for s in Mouse.Status.choices if s[0] != "alive"])
    date = serializers.DateField(required=False)
    reason = serializers.CharField()


class RetireSerializer(serializers.Serializer):
    mice = _mouse_field(many=True)
    date = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CagePlacementSerializer(serializers.ModelSerializer):
    cage = serializers.SlugRelatedField(slug_field="cage_id", read_only=True)

    class Meta:
        model = CagePlacement
        fields = ["cage", "started_on", "ended_on", "reason"]


def _mice_list_schema():
    """The bulk mouse actions answer the list of mice they changed (the schema said: the request's shape)."""
    from colonies.api.serializers import MouseSerializer

    return MouseSerializer(many=True)


class MouseBulkActionsMixin:
    """`POST /api/v1/mice/move/`, `/cull/` and `/retire/`: several mice at once, all or none."""

    def _bulk(self, serializer_class, request):
        data = serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data

    def _mice_answer(self, mice):
        fresh = self.get_queryset().filter(pk__in=[m.pk for m in mice])
        return Response(type(self).serializer_class(fresh, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=MoveSerializer, responses=_mice_list_schema())
    @action(detail=False, methods=["post"], serializer_class=MoveSerializer, pagination_class=None)
    def move(self, request):
        values = self._bulk(MoveSerializer, request)
        mice = services.mice_move(actor=request.user, mice=values["mice"], cage=values["cage"],
                                  on=values.get("date"), reason=values["reason"], confirm=values["confirm"])
        return self._mice_answer(mice)

    @extend_schema(request=StatusSerializer, responses=_mice_list_schema())
    @action(detail=False, methods=["post"], serializer_class=StatusSerializer, pagination_class=None)
    def cull(self, request):
        """Cull (or mark dead, exported, used) several mice with one reason and date."""
        values = self._bulk(StatusSerializer, request)
        mice = services.mice_set_status(actor=request.user, mice=values["mice"], status=values["status"],
                                        on=values.get("date"), reason=values["reason"])
        return self._mice_answer(mice)

    @extend_schema(request=RetireSerializer, responses=_mice_list_schema())
    @action(detail=False, methods=["post"], serializer_class=RetireSerializer, pagination_class=None)
    def retire(self, request):
        """Retire breeders: their active matings end; they are no longer offered as parents."""
        values = self._bulk(RetireSerializer, request)
        mice = services.breeders_retire(actor=request.user, mice=values["mice"], on=values.get("date"),
                                        reason=values["reason"])
        return self._mice_answer(mice)
