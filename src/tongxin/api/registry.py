"""Registry endpoints: persons, households, housing and stays. Scoped like the pages (out of
scope → 404), validated by `registry.validation` (400 {field: [messages]}), written by the
registry services, audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import get_scoped_or_404, scoped, visible_units
from tongxin.audit.services import Action, audit_record
from tongxin.geo.models import Level
from tongxin.registry import services
from tongxin.registry.codes import Relationship, Schooling
from tongxin.registry.models import Household, Housing, Person, Stay
from tongxin.registry.selectors import PersonFilters, person_list_for
from tongxin.registry.validation import clean_housing, clean_person, clean_stay, parse_date

from .fields import DateField
from .pagination import NewestFirst
from .permissions import capability


def as_api_error(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "message_dict"):
        return ValidationError({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
    return ValidationError({"non_field_errors": [str(m) for m in exc.messages]})


def duplicate_response(exc: services.DuplicateDocument, request) -> Response:
    """The document belongs to a person already (never a second person): which one only if
    that person is in the caller's scope; the hit is audited."""
    services.record_document_clash(exc, actor=request.user, request=request)
    if not exc.visible:
        return Response(
            {"id_number": [services.duplicate_message(exc.existing, visible=False)]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return Response(
        {
            "id_number": [f"该证件号码已登记（档案 {exc.existing.pk}），请勿重复建档。"],
            "existing_id": exc.existing.pk,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


_PersonRead = capability(Cap.PERSON_READ)


class ReadWrite(_PersonRead):  # type: ignore[misc,valid-type]
    """Anyone who may read persons may GET; writing needs person.write."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or request.user.can(Cap.PERSON_WRITE)


def _grid_lookup(user):
    grids = visible_units(user).filter(level=Level.GRID)
    return lambda code: grids.filter(code=code).first()


class PersonSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="unit_path", read_only=True)
    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "native_name",
            "latin_name",
            "former_names",
            "sex",
            "birth_date",
            "ethnicity",
            "ethnicity_other",
            "id_type",
            "id_number_masked",
            "phone_masked",
            "hukou_code",
            "origin_code",
            "education",
            "occupation",
            "employer",
            "marital_status",
            "languages",
            "interpreter_needed",
            "grid",
            "present",
            "arrival_date",
            "stay_reason",
        ]
        read_only_fields = fields


class PersonWrite(serializers.Serializer):
    """Documents the body; validation is `clean_person`, as for forms and imports."""

    name = serializers.CharField()
    sex = serializers.ChoiceField(choices=["1", "2"])
    birth_date = DateField()
    ethnicity = serializers.CharField(help_text="GB/T 3304 two-digit code")
    id_type = serializers.CharField(required=False, default="citizen_id")
    id_number = serializers.CharField()
    phone = serializers.CharField(required=False)
    grid = serializers.CharField(required=False, help_text="first stay: grid code")
    arrival_date = DateField(required=False)
    reason = serializers.CharField(
        required=False, help_text="work, business, study, family, relatives, medical, other"
    )


PERSON_FILTERS = [
    OpenApiParameter(name, str, description=desc)
    for name, desc in [
        ("q", "ID number, phone (exact), name substring, pinyin, initials or transliteration"),
        ("unit", "org-unit code: that unit and everything under it"),
        ("present", "true or false"),
        ("ethnicity", "GB/T 3304 code"),
        ("sex", "1 or 2"),
        ("age_band", "0-2, 3-5, 6-14, 15-17, 18-59, 60+"),
        ("origin_province", "2-digit code"),
        ("reason", "stay reason"),
        ("arrival_from", "YYYY-MM-DD"),
        ("arrival_to", "YYYY-MM-DD"),
        ("occupation", "GB/T 6565 major group"),
        ("education", "GB/T 4658 level code"),
        ("income_band", "lt2k, 2to5k, 5to10k, gt10k, unknown"),
        ("insurance", "pension, medical, unemployment, injury, maternity, or none"),
        ("interpreter_needed", "true: only persons who need an interpreter"),
        ("school_age_children", "true: households with children aged 6–14"),
    ]
]


def _bool(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise ValidationError({"present": ["应为 true 或 false。"]})


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PersonSerializer
    permission_classes = [ReadWrite]
    pagination_class = NewestFirst

    def get_queryset(self):
        p = self.request.query_params
        try:
            filters = PersonFilters(
                q=p.get("q", ""),
                unit=p.get("unit", ""),
                ethnicity=p.get("ethnicity", ""),
                sex=p.get("sex", ""),
                age_band=p.get("age_band", ""),
                origin_province=p.get("origin_province", ""),
                reason=p.get("reason", ""),
                arrival_from=parse_date(p.get("arrival_from"), "arrival_from"),
                arrival_to=parse_date(p.get("arrival_to"), "arrival_to"),
                present=_bool(p.get("present")),
                occupation=p.get("occupation", ""),
                education=p.get("education", ""),
                income_band=p.get("income_band", ""),
                insurance=p.get("insurance", ""),
                interpreter_needed=bool(_bool(p.get("interpreter_needed"))),
                school_age_children=bool(_bool(p.get("school_age_children"))),
            )
            return person_list_for(self.request.user, filters)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc

    @extend_schema(parameters=PERSON_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_object(self):
        person = get_scoped_or_404(self.request.user, Person.objects.all(), pk=self.kwargs["pk"])
        # Outside the scope only through a break-the-glass grant: audited as such, like the
        # person page.
        in_scope = scoped(self.request.user, Person.objects.filter(pk=person.pk)).exists()
        audit_record(
            action=Action.READ if in_scope else Action.BREAK_GLASS,
            request=self.request,
            obj=person,
            purpose=self.request.query_params.get("purpose", "") or "API 查看",
            detail={"full_id": False, "break_glass": not in_scope},
        )
        return person

    def _writable(self, pk) -> Person:
        if not scoped(self.request.user, Person.objects.filter(pk=pk)).exists():
            raise Http404
        return Person.objects.get(pk=pk)

    @extend_schema(request=PersonWrite, responses={201: PersonSerializer})
    def create(self, request):
        data = request.data
        errors: dict[str, list[str]] = {}
        values: dict = {}
        stay = None
        try:
            values = clean_person(data)
        except DjangoValidationError as exc:
            errors.update(exc.message_dict)
        if data.get("grid") or data.get("arrival_date") or data.get("reason"):
            try:
                stay = clean_stay(
                    {**data, "source": data.get("source") or "window"},
                    grid_lookup=_grid_lookup(request.user),
                )
            except DjangoValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise as_api_error(DjangoValidationError(errors))
        try:
            with transaction.atomic():
                person = services.person_create(
                    actor=request.user, values=values, stay=stay, request=request, reason="API 登记"
                )
        except services.DuplicateDocument as exc:
            return duplicate_response(exc, request)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        person.refresh_from_db()
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonWrite, responses={200: PersonSerializer})
    def update(self, request, pk=None, partial=False):
        person = self._writable(pk)
        try:
            values = clean_person(request.data, partial=partial, current=person)
            services.person_update(
                actor=request.user,
                person=person,
                values=values,
                reason=str(request.data.get("reason") or "API 更新")[:200],
                request=request,
            )
        except services.DuplicateDocument as exc:
            return duplicate_response(exc, request)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        person.refresh_from_db()
        return Response(PersonSerializer(person).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)


class HousingSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="unit_path", read_only=True)

    class Meta:
        model = Housing
        fields = ["id", "address", "grid", "kind", "landlord_name", "rental_start", "rental_end"]
        read_only_fields = fields


class HousingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = HousingSerializer
    permission_classes = [ReadWrite]
    pagination_class = NewestFirst

    def get_queryset(self):
        return scoped(self.request.user, Housing.objects.all())

    def create(self, request):
        try:
            values = clean_housing(request.data, grid_lookup=_grid_lookup(request.user))
            housing = services.housing_create(actor=request.user, values=values, request=request)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(HousingSerializer(housing).data, status=status.HTTP_201_CREATED)


class MemberSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    relationship = serializers.ChoiceField(choices=Relationship.values)
    schooling = serializers.ChoiceField(
        choices=Schooling.values, required=False, default=Schooling.NOT_SCHOOL_AGE
    )


class HouseholdSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="unit_path", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "housing", "grid", "members"]
        read_only_fields = fields

    def get_members(self, household) -> list[dict]:
        return [
            {"person": m.person_id, "relationship": m.relationship, "schooling": m.schooling}
            for m in household.members.all()
        ]


class HouseholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = HouseholdSerializer
    permission_classes = [ReadWrite]
    pagination_class = NewestFirst

    def get_queryset(self):
        return scoped(self.request.user, Household.objects.prefetch_related("members"))

    def create(self, request):
        """Body: {housing: id, members: [{person, relationship, schooling}]}."""
        housing = scoped(
            request.user, Housing.objects.filter(pk=request.data.get("housing"))
        ).first()
        if housing is None:
            raise ValidationError({"housing": ["房屋不存在或不在您的管理范围内。"]})
        members = MemberSerializer(data=request.data.get("members") or [], many=True)
        members.is_valid(raise_exception=True)
        persons = scoped(
            request.user,
            Person.objects.filter(pk__in=[m["person"] for m in members.validated_data]),
        )
        found = {p.pk: p for p in persons}
        missing = [m["person"] for m in members.validated_data if m["person"] not in found]
        if missing:
            raise ValidationError(
                {"members": [f"人员 {pk} 不存在或不在您的管理范围内。" for pk in missing]}
            )
        try:
            with transaction.atomic():
                household = services.household_create(
                    actor=request.user, housing=housing, grid=housing.grid, request=request
                )
                for m in members.validated_data:
                    services.household_add_member(
                        actor=request.user,
                        household=household,
                        person=found[m["person"]],
                        relationship=m["relationship"],
                        schooling=m["schooling"],
                        request=request,
                    )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(HouseholdSerializer(household).data, status=status.HTTP_201_CREATED)


class StaySerializer(serializers.ModelSerializer):
    grid: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Stay
        fields = [
            "id",
            "person",
            "grid",
            "housing",
            "address",
            "arrival_date",
            "reason",
            "expected_duration",
            "departure_date",
            "destination",
            "source",
        ]
        read_only_fields = fields


class StayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = StaySerializer
    permission_classes = [ReadWrite]
    pagination_class = NewestFirst

    def get_queryset(self):
        stays = scoped(self.request.user, Stay.objects.select_related("grid"))
        if self.request.query_params.get("person"):
            stays = stays.filter(person_id=self.request.query_params["person"])
        return stays

    def create(self, request):
        """Arrival, return or move within the city: {person, grid, arrival_date, reason}."""
        person = scoped(request.user, Person.objects.filter(pk=request.data.get("person"))).first()
        if person is None:
            raise ValidationError({"person": ["人员不存在或不在您的管理范围内。"]})
        try:
            values = clean_stay(request.data, grid_lookup=_grid_lookup(request.user))
            if person.present:
                stay = services.stay_move(
                    actor=request.user,
                    person=person,
                    move_date=values.pop("arrival_date"),
                    request=request,
                    **values,
                )
            else:
                stay = services.stay_open(
                    actor=request.user, person=person, request=request, **values
                )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(StaySerializer(stay).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Departure: {departure_date, destination}."""
        stay = get_scoped_or_404(request.user, Stay.objects.all(), pk=pk)
        try:
            departure = parse_date(request.data.get("departure_date"), "离开日期")
            if stay.departure_date is not None:
                raise DjangoValidationError({"departure_date": ["该居住登记已结束。"]})
            stay = services.stay_close(
                actor=request.user,
                person=stay.person,
                departure_date=departure,  # type: ignore[arg-type]
                destination=str(request.data.get("destination", ""))[:200],
                request=request,
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return Response(StaySerializer(stay).data)
