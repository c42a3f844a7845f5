"""Supervision tasks, inspections and joint meetings: scoped lists and details, creation by
the office, progress, submission and review of assignments."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tongxin.accounts.models import Department
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import get_scoped_or_404, scoped
from tongxin.coordination import selectors, services
from tongxin.coordination.models import (
    Attendance,
    ChecklistTemplate,
    Finding,
    FindingResult,
    Inspection,
    InspectionStatus,
    JointMeeting,
    MeetingDecision,
    MeetingKind,
    SupervisionTask,
    TaskAssignment,
    TaskKind,
    TaskStatus,
    WindowKind,
    WindowUnit,
)
from tongxin.core.filters import FLAGS
from tongxin.geo.models import Unit, subtree_q

from .fields import DateField
from .filters import choice, refused_filters
from .permissions import capability


def _forbidden(text: str) -> Response:
    return Response({"detail": text}, status=status.HTTP_403_FORBIDDEN)


def _conflict(exc: Exception, **extra) -> Response:
    return Response({"detail": str(exc), **extra}, status=status.HTTP_409_CONFLICT)


# --- tasks -------------------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    assignee = serializers.CharField(source="assignee_name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    on_time = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = TaskAssignment
        fields = [
            "id",
            "department",
            "unit",
            "assignee",
            "due_date",
            "status",
            "overdue",
            "on_time",
            "submitted_at",
            "completed_at",
        ]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    assignments = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionTask
        fields = [
            "id",
            "number",
            "kind",
            "title",
            "description",
            "source",
            "unit",
            "due_date",
            "status",
            "created_at",
            "completed_at",
            "assignments",
        ]
        read_only_fields = fields

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignments(self, obj):
        visible = self.context.get("assignments")
        if visible is None:  # one task: its own query
            visible = selectors.assignments_for(self.context["request"].user, [obj])
        return AssignmentSerializer(visible.get(obj.pk, []), many=True).data


class TaskCreate(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    source = serializers.CharField(required=False, allow_blank=True, default="")  # type: ignore[assignment]
    due_date = DateField()
    departments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="department codes"
    )
    units = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="district or street codes",
    )


class AssignmentAction(serializers.Serializer):
    assignment = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    percent = serializers.IntegerField(required=False, min_value=0, max_value=100)
    approve = serializers.BooleanField(required=False, default=True)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tasks of the caller's office and tasks assigned to the caller's unit or department.
    Filters: `status`, `kind`, `overdue=1`, `q`."""

    serializer_class = TaskSerializer
    permission_classes = [capability(Cap.COORDINATION_READ)]

    def get_queryset(self):
        with refused_filters():
            tasks = selectors.task_list_for(self.request.user, self.request.query_params)
        return tasks.order_by("-created_at", "-pk")

    def get_object(self):
        return selectors.task_or_404(self.request.user, self.kwargs["pk"])

    @extend_schema(
        parameters=[
            choice("status", TaskStatus.values),
            choice("kind", TaskKind.values),
            choice("overdue", FLAGS),
            OpenApiParameter("q", str, description="number or title"),
        ]
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        tasks = list(page if page is not None else self.get_queryset())
        context = self.get_serializer_context()
        context["assignments"] = selectors.assignments_for(request.user, tasks)
        data = TaskSerializer(tasks, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=TaskCreate, responses={201: TaskSerializer})
    def create(self, request):
        if not request.user.can(Cap.COORDINATION_MANAGE):
            return _forbidden("您没有交办督查事项的权限。")
        data = TaskCreate(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        office = request.user.unit
        if office is None:
            return _forbidden("督查督办由市、区（县）领导小组办公室负责。")
        departments = list(
            Department.objects.filter(
                subtree_q(office.path, "unit__path"), code__in=d["departments"]
            )
        )
        units = list(Unit.objects.filter(subtree_q(office.path), code__in=d["units"]))
        unknown = set(d["departments"]) - {x.code for x in departments}
        unknown |= set(d["units"]) - {x.code for x in units}
        if unknown:
            raise ValidationError(
                {"departments": [f"承办单位不存在：{'、'.join(sorted(unknown))}"]}
            )
        try:
            task = services.task_create(
                actor=request.user,
                title=d["title"],
                description=d["description"],
                source=d["source"],
                due_date=d["due_date"],
                assignees=[services.Assignee(department=x) for x in departments]
                + [services.Assignee(unit=x) for x in units],
                http_request=request._request,
            )
        except services.CoordinationError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        return Response(
            TaskSerializer(task, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    def _assignment(self, request, task) -> tuple[TaskAssignment, dict]:
        data = AssignmentAction(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = (
            selectors.visible_assignments(request.user, task)
            .filter(pk=data.validated_data["assignment"])
            .first()
        )
        if assignment is None:
            raise ValidationError({"assignment": ["承办任务不存在。"]})
        return assignment, data.validated_data

    def _done(self, request, task) -> Response:
        task.refresh_from_db()
        return Response(TaskSerializer(task, context={"request": request}).data)

    @extend_schema(request=AssignmentAction, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """A progress report on one assignment (`assignment`, `note`, `percent`)."""
        task = self.get_object()
        assignment, d = self._assignment(request, task)
        if not (
            services.is_assignee(request.user, assignment) or services.is_office(request.user, task)
        ):
            return _forbidden("只有承办单位或交办单位可以报送进展。")
        try:
            services.progress_report(
                actor=request.user,
                assignment=assignment,
                note=d["note"],
                percent=d.get("percent"),
                http_request=request._request,
            )
        except services.CoordinationError as exc:
            return _conflict(exc, status=assignment.status)
        return self._done(request, task)

    @extend_schema(request=AssignmentAction, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The assignee asks the office to close its assignment (`assignment`, `note`)."""
        task = self.get_object()
        assignment, d = self._assignment(request, task)
        if not services.is_assignee(request.user, assignment):
            return _forbidden("只有承办单位可以申请办结。")
        try:
            services.assignment_submit(
                actor=request.user,
                assignment=assignment,
                note=d["note"],
                http_request=request._request,
            )
        except services.CoordinationError as exc:
            return _conflict(exc, status=assignment.status)
        return self._done(request, task)

    @extend_schema(request=AssignmentAction, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The office accepts (`approve: true`) or returns (`approve: false`, `note`)."""
        task = self.get_object()
        assignment, d = self._assignment(request, task)
        if not services.is_office(request.user, task):
            return _forbidden("只有交办单位可以审核办结。")
        try:
            services.assignment_review(
                actor=request.user,
                assignment=assignment,
                approve=d["approve"],
                note=d["note"],
                http_request=request._request,
            )
        except services.CoordinationError as exc:
            return _conflict(exc, status=assignment.status)
        return self._done(request, task)


# --- inspections ---------------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["item", "topic", "text", "result", "note"]
        read_only_fields = fields


class InspectionSerializer(serializers.ModelSerializer):
    window_unit = serializers.SerializerMethodField()
    template = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    findings = FindingSerializer(many=True, read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "number",
            "window_unit",
            "template",
            "round",
            "previous",
            "inspected_on",
            "inspectors",
            "summary",
            "status",
            "rectification_due",
            "overdue",
            "findings",
        ]
        read_only_fields = fields

    def get_window_unit(self, obj) -> dict:
        w = obj.window_unit
        return {"id": w.pk, "name": w.name, "kind": w.kind, "unit": w.unit.code}


class FindingInput(serializers.Serializer):
    item = serializers.IntegerField()
    result = serializers.ChoiceField(choices=FindingResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InspectionCreate(serializers.Serializer):
    window_unit = serializers.IntegerField(required=False)
    template = serializers.CharField(required=False, help_text="checklist code")
    previous = serializers.IntegerField(
        required=False, help_text="re-inspection: the round being checked again"
    )
    inspected_on = DateField()
    inspectors = serializers.CharField()
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    rectification_due = DateField(required=False, allow_null=True)
    findings = FindingInput(many=True)


def _inspections():
    return Inspection.objects.select_related("window_unit__unit", "template").prefetch_related(
        "findings"
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            choice("status", InspectionStatus.values),
            choice("kind", WindowKind.values),
            choice("overdue", FLAGS),
            choice("latest", FLAGS, "1 (the default): the current round of each case only"),
        ]
    )
)
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inspections of window units (the current round of each case unless `latest=0`).
    Filters: `status`, `kind`, `overdue=1`."""

    serializer_class = InspectionSerializer
    permission_classes = [capability(Cap.COORDINATION_READ)]

    def get_queryset(self):
        with refused_filters():
            inspections = selectors.inspection_list_for(
                self.request.user, self.request.query_params
            )
        return inspections.prefetch_related("findings").select_related("window_unit__unit")

    def get_object(self):
        return get_scoped_or_404(self.request.user, _inspections(), pk=self.kwargs["pk"])

    @extend_schema(request=InspectionCreate, responses={201: InspectionSerializer})
    def create(self, request):
        user = request.user
        if not user.can(Cap.INSPECTION_MANAGE):
            return _forbidden("您没有开展监督检查的权限。")
        data = InspectionCreate(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        previous = None
        window: WindowUnit | None
        template: ChecklistTemplate | None
        if d.get("previous"):
            previous = scoped(user, Inspection.objects.filter(pk=d["previous"])).first()
            if previous is None:
                raise ValidationError({"previous": ["检查不存在或不在您的管理范围内。"]})
            window, template = previous.window_unit, previous.template
        else:
            window = scoped(user, WindowUnit.objects.filter(pk=d.get("window_unit") or 0)).first()
            template = ChecklistTemplate.objects.filter(
                code=d.get("template", ""), active=True
            ).first()
            if window is None:
                raise ValidationError({"window_unit": ["窗口单位不存在或不在您的管理范围内。"]})
            if template is None:
                raise ValidationError({"template": ["检查表不存在。"]})
        try:
            inspection = services.inspection_record(
                actor=user,
                window_unit=window,
                template=template,
                previous=previous,
                inspected_on=d["inspected_on"],
                inspectors=d["inspectors"],
                summary=d["summary"],
                rectification_due=d.get("rectification_due"),
                results={f["item"]: (f["result"], f["note"]) for f in d["findings"]},
                http_request=request._request,
            )
        except services.CoordinationError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        return Response(
            InspectionSerializer(_inspections().get(pk=inspection.pk)).data,
            status=status.HTTP_201_CREATED,
        )


# --- meetings ------------------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Attendance
        fields = ["department", "name", "present"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    task = serializers.SerializerMethodField()

    class Meta:
        model = MeetingDecision
        fields = ["id", "text", "task"]
        read_only_fields = fields

    def get_task(self, obj) -> str | None:
        task = getattr(obj, "task", None)
        return task.number if task else None


class MeetingSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    attendance = AttendanceSerializer(source="attendances", many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = JointMeeting
        fields = [
            "id",
            "title",
            "kind",
            "unit",
            "date",
            "place",
            "chair",
            "agenda",
            "minutes",
            "status",
            "attendance",
            "decisions",
        ]
        read_only_fields = fields


class MeetingCreate(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    date = DateField()
    place = serializers.CharField(required=False, allow_blank=True, default="")
    chair = serializers.CharField(required=False, allow_blank=True, default="")
    agenda = serializers.CharField()


def _meetings():
    return JointMeeting.objects.select_related("unit").prefetch_related(
        "attendances__department", "decisions__task"
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            choice("kind", MeetingKind.values),
            OpenApiParameter(
                "year", str, description="YYYY (anything else is a 400 naming the filter)"
            ),
        ]
    )
)
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Joint meetings in the caller's scope (a department: those it was invited to).
    Filters: `kind`, `year`."""

    serializer_class = MeetingSerializer
    permission_classes = [capability(Cap.COORDINATION_READ)]

    def get_queryset(self):
        with refused_filters():
            meetings = selectors.meeting_list_for(self.request.user, self.request.query_params)
        return meetings.prefetch_related("attendances__department", "decisions__task")

    def get_object(self):
        return get_scoped_or_404(self.request.user, _meetings(), pk=self.kwargs["pk"])

    @extend_schema(request=MeetingCreate, responses={201: MeetingSerializer})
    def create(self, request):
        if not request.user.can(Cap.COORDINATION_MANAGE):
            return _forbidden("您没有召集联席会议的权限。")
        data = MeetingCreate(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            meeting = services.meeting_create(
                actor=request.user, http_request=request._request, **data.validated_data
            )
        except services.CoordinationError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        return Response(
            MeetingSerializer(_meetings().get(pk=meeting.pk)).data, status=status.HTTP_201_CREATED
        )
