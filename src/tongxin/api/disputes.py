"""Screening reports and disputes: scoped lists and details, filing, registration, mediation
sessions, conclusion and the second reviewer's decision on ethnic factors."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import get_scoped_or_404, scoped
from tongxin.audit.services import Action, audit_record
from tongxin.disputes import selectors, services
from tongxin.disputes.models import (
    Dispute,
    Kind,
    MediationSession,
    Party,
    PartyRole,
    Result,
    RiskLevel,
    ScreeningReport,
    Source,
    Status,
)
from tongxin.geo.models import Level, Unit
from tongxin.registry.models import Person

from .fields import DateField, DateTimeField
from .filters import choice, refused_filters
from .permissions import capability

MONTH = OpenApiParameter("month", str, description="YYYY-MM")
FROM_MONTH = OpenApiParameter("from", str, description="YYYY-MM: found in this month or later")
TO_MONTH = OpenApiParameter("to", str, description="YYYY-MM: found in this month or earlier")
UNIT = OpenApiParameter("unit", str, description="a unit code: that unit and everything below")


def _error(exc: Exception, code=status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": str(exc)}, status=code)


# --- screening reports ---------------------------------------------------------------------


class ScreeningReportSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    period = serializers.SerializerMethodField()
    disputes = serializers.IntegerField(source="dispute_count", read_only=True)
    filed_by = serializers.CharField(source="filed_by.username", read_only=True)

    class Meta:
        model = ScreeningReport
        fields = [
            "id",
            "unit",
            "unit_name",
            "period",
            "is_zero",
            "disputes",
            "visits",
            "notes",
            "tendencies",
            "deadline",
            "late",
            "filed_at",
            "entered_at",
            "paper_reason",
            "filed_by",
        ]
        read_only_fields = fields

    def get_period(self, obj) -> str:
        return f"{obj.period:%Y-%m}"


class ScreeningReportCreate(serializers.Serializer):
    unit = serializers.CharField(help_text="the community's 12-digit code")
    period = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    is_zero = serializers.BooleanField(
        help_text="true: screening found no dispute; false: the month's registered disputes"
    )
    visits = serializers.IntegerField(min_value=0, required=False, default=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    tendencies = serializers.CharField(required=False, allow_blank=True, default="")
    filed_at = DateTimeField(
        required=False, help_text="when a paper report was handed in (default: now)"
    )
    paper_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="why a paper report is entered late; only with it does filed_at decide "
        "whether the report was on time (otherwise the entry time does)",
    )


class ScreeningReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Monthly screening reports in the caller's scope, newest month first."""

    serializer_class = ScreeningReportSerializer
    permission_classes = [capability(Cap.DISPUTE_READ)]

    @extend_schema(parameters=[MONTH, UNIT])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.report_list_for(self.request.user, self.request.query_params)

    def get_object(self):
        return get_scoped_or_404(
            self.request.user,
            ScreeningReport.objects.annotate(dispute_count=Count("disputes")).select_related(
                "unit", "filed_by"
            ),
            pk=self.kwargs["pk"],
        )

    @extend_schema(request=ScreeningReportCreate, responses={201: ScreeningReportSerializer})
    def create(self, request):
        if not request.user.can(Cap.SCREENING_FILE):
            return _error(Exception("您没有填报月度排查的权限。"), status.HTTP_403_FORBIDDEN)
        data = ScreeningReportCreate(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        unit = selectors.fileable_communities(request.user).filter(code=d["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": ["社区不存在或不在您的管理范围内。"]})
        period = selectors.parse_month(d["period"])
        if period is None:
            raise ValidationError({"period": ["月份应为 YYYY-MM。"]})
        try:
            report = services.report_file(
                actor=request.user,
                unit=unit,
                period=period,
                is_zero=d["is_zero"],
                visits=d["visits"],
                notes=d["notes"],
                tendencies=d["tendencies"],
                filed_at=d.get("filed_at"),
                paper_reason=d["paper_reason"],
                http_request=request._request,
            )
        except services.DisputeError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        report.dispute_count = report.disputes.count()  # type: ignore[attr-defined]
        return Response(ScreeningReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- disputes ------------------------------------------------------------------------------


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["name", "role", "person", "description", "interpreter_needed"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationSession
        fields = ["held_on", "place", "mediators", "participants", "interpreter", "outcome"]


class DisputeSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    grid = serializers.SerializerMethodField()
    parties = PartySerializer(many=True, read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)
    report = serializers.PrimaryKeyRelatedField(read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Dispute
        fields = [
            "id",
            "number",
            "unit",
            "grid",
            "report",
            "kind",
            "source",
            "place",
            "occurred_on",
            "found_on",
            "facts",
            "risk_level",
            "status",
            "result",
            "result_note",
            "concluded_at",
            "involves_ethnic_factors",
            "ethnic_factors_reason",
            "ethnic_review",
            "parties",
            "sessions",
        ]
        read_only_fields = fields

    def get_grid(self, obj) -> str | None:
        return obj.grid.code if obj.grid_id else None


class PartyInput(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=300)
    role = serializers.ChoiceField(choices=PartyRole.choices)
    person = serializers.IntegerField(required=False, help_text="a registered person's id")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    interpreter_needed = serializers.BooleanField(required=False, default=False)


class DisputeCreate(serializers.Serializer):
    unit = serializers.CharField(required=False, help_text="community, street or district code")
    grid = serializers.CharField(required=False, help_text="grid code (its community is the unit)")
    kind = serializers.ChoiceField(choices=Kind.choices)
    source = serializers.ChoiceField(choices=Source.choices, default=Source.SCREENING)  # type: ignore[assignment]
    place = serializers.CharField(max_length=200)
    occurred_on = DateField()
    found_on = DateField()
    facts = serializers.CharField()
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.LOW)
    involves_ethnic_factors = serializers.BooleanField(default=False)
    ethnic_factors_reason = serializers.CharField(required=False, allow_blank=True, default="")
    parties = PartyInput(many=True)

    def validate(self, data):
        if not data.get("unit") and not data.get("grid"):
            raise ValidationError({"unit": ["请填写纠纷所属单位或网格的代码。"]})
        if data["involves_ethnic_factors"]:
            reason = data.get("ethnic_factors_reason", "").strip()
            if len(reason) < services.ETHNIC_REASON_MIN:
                raise ValidationError(
                    {
                        "ethnic_factors_reason": [
                            f"认定涉及民族因素须写明事实依据（至少 {services.ETHNIC_REASON_MIN} 个字）。"
                        ]
                    }
                )
        if not data["parties"]:
            raise ValidationError({"parties": ["请至少填写一方当事人。"]})
        return data


class ConcludeInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=Result.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewInput(serializers.Serializer):
    confirm = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _disputes():
    return Dispute.objects.select_related("unit", "grid").prefetch_related(
        Prefetch("parties", queryset=Party.objects.order_by("pk")), "sessions"
    )


class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Dispute cases in the caller's scope. Filters as on the list page: `status`, `kind`,
    `month` (or `from` and `to`), `unit`, `ethnic` (pending, confirmed, rejected, any), `risk`, `q`; an unknown
    value of a choice filter is a 400 naming it."""

    serializer_class = DisputeSerializer
    permission_classes = [capability(Cap.DISPUTE_READ)]

    @extend_schema(
        parameters=[
            MONTH,
            FROM_MONTH,
            TO_MONTH,
            UNIT,
            choice("status", Status.values),
            choice("kind", Kind.values),
            choice("ethnic", [*selectors.ETHNIC_REVIEWED, "any"]),
            choice("risk", RiskLevel.values),
            OpenApiParameter("q", str, description="number or place"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        with refused_filters():
            disputes = selectors.dispute_list_for(self.request.user, self.request.query_params)
        return disputes.prefetch_related(
            Prefetch("parties", queryset=Party.objects.order_by("pk")), "sessions"
        )

    def get_object(self):
        return get_scoped_or_404(self.request.user, _disputes(), pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        dispute = self.get_object()
        audit_record(
            action=Action.READ, request=request._request, obj=dispute, purpose="查看矛盾纠纷"
        )
        return Response(DisputeSerializer(dispute).data)

    @extend_schema(request=DisputeCreate, responses={201: DisputeSerializer})
    def create(self, request):
        user = request.user
        if not user.can(Cap.DISPUTE_WRITE):
            return _error(Exception("您没有登记矛盾纠纷的权限。"), status.HTTP_403_FORBIDDEN)
        data = DisputeCreate(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        grid = None
        if d.get("grid"):
            grid = Unit.objects.filter(code=d["grid"], level=Level.GRID).first()
            if grid is None or not services.unit_in_scope(user, grid):
                raise ValidationError({"grid": ["网格不存在或不在您的管理范围内。"]})
        unit = grid.parent if grid else Unit.objects.filter(code=d.get("unit", "")).first()
        if unit is None:
            raise ValidationError({"unit": ["单位不存在。"]})
        parties = []
        for i, p in enumerate(d["parties"]):
            person = None
            if p.get("person"):
                person = scoped(user, Person.objects.filter(pk=p["person"])).first()
                if person is None:
                    raise ValidationError(
                        {"parties": {str(i): {"person": ["人员不存在或不在您的管理范围内。"]}}}
                    )
            name = p.get("name") or (person.name if person else "")
            if not name:
                raise ValidationError({"parties": {str(i): {"name": ["请填写当事人姓名或名称。"]}}})
            parties.append(
                services.PartyInput(
                    name=name,
                    role=p["role"],
                    person=person,
                    description=p.get("description", ""),
                    interpreter_needed=p.get("interpreter_needed", False),
                )
            )
        try:
            dispute = services.dispute_create(
                actor=user,
                unit=unit,
                grid=grid,
                kind=d["kind"],
                source=d["source"],
                place=d["place"],
                occurred_on=d["occurred_on"],
                found_on=d["found_on"],
                facts=d["facts"],
                risk_level=d["risk_level"],
                parties=parties,
                involves_ethnic_factors=d["involves_ethnic_factors"],
                ethnic_factors_reason=d.get("ethnic_factors_reason", ""),
                http_request=request._request,
            )
        except services.DisputeError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        return Response(
            DisputeSerializer(_disputes().get(pk=dispute.pk)).data, status=status.HTTP_201_CREATED
        )

    def _writer(self, request) -> Response | None:
        if not request.user.can(Cap.DISPUTE_WRITE):
            return _error(Exception("您没有调处矛盾纠纷的权限。"), status.HTTP_403_FORBIDDEN)
        return None

    @extend_schema(request=SessionSerializer, responses={201: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def sessions(self, request, pk=None):
        """Record a mediation session (the case is then "mediating")."""
        dispute = self.get_object()
        denied = self._writer(request)
        if denied:
            return denied
        data = SessionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.session_add(
                actor=request.user,
                dispute=dispute,
                http_request=request._request,
                **data.validated_data,
            )
        except services.DisputeError as exc:
            return Response(
                {"detail": str(exc), "status": dispute.status}, status=status.HTTP_409_CONFLICT
            )
        return Response(
            DisputeSerializer(_disputes().get(pk=dispute.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ConcludeInput, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        dispute = self.get_object()
        denied = self._writer(request)
        if denied:
            return denied
        data = ConcludeInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.dispute_conclude(
                actor=request.user,
                dispute=dispute,
                http_request=request._request,
                **data.validated_data,
            )
        except services.DisputeError as exc:
            return Response(
                {"detail": str(exc), "status": dispute.status}, status=status.HTTP_409_CONFLICT
            )
        return Response(DisputeSerializer(_disputes().get(pk=dispute.pk)).data)

    @extend_schema(request=ReviewInput, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The second, senior reviewer confirms or rejects "involves ethnic factors": 403 for
        the person who set it, for someone not above both the case's unit and the
        setter's unit, or without dispute.review; 409 when nothing is pending."""
        dispute = self.get_object()
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        refusal = services.review_refusal(request.user, dispute)
        if refusal and dispute.ethnic_review == "pending":
            return _error(Exception(refusal), status.HTTP_403_FORBIDDEN)
        try:
            services.ethnic_factors_review(
                actor=request.user,
                dispute=dispute,
                confirm=data.validated_data["confirm"],
                note=data.validated_data["note"],
                http_request=request._request,
            )
        except services.DisputeError as exc:
            return Response(
                {"detail": str(exc), "ethnic_review": dispute.ethnic_review},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(DisputeSerializer(_disputes().get(pk=dispute.pk)).data)
