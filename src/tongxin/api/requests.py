"""Service requests: intake, the lifecycle actions (409 when illegal), queues."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import get_scoped_or_404, scoped, visible_departments
from tongxin.audit.services import Action, audit_record
from tongxin.core.filters import FLAGS, flag, known_value
from tongxin.core.validators import validate_callback_phone
from tongxin.registry.models import Person
from tongxin.services import services
from tongxin.services.models import Category, Channel, GreenChannel, ServiceRequest, Status
from tongxin.services.selectors import request_list_for

from .fields import DateTimeField
from .filters import choice, refused_filters
from .permissions import capability


class RequestSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    co_departments = serializers.SlugRelatedField(slug_field="code", read_only=True, many=True)  # type: ignore[var-annotated]
    due_date = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "number",
            "channel",
            "category",
            "person",
            "requester_name",
            "language",
            "interpreter_needed",
            "description",
            "green_channel",
            "status",
            "received_at",
            "due_at",
            "due_date",
            "overdue",
            "department",
            "co_departments",
            "result",
            "satisfaction",
        ]
        read_only_fields = fields

    def get_due_date(self, obj) -> str:
        return timezone.localtime(obj.due_at).date().isoformat()


class RequestCreate(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(active=True)
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    person = serializers.IntegerField(required=False)
    requester_name = serializers.CharField(required=False, allow_blank=True, max_length=300)
    requester_phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    description = serializers.CharField()
    language = serializers.CharField(required=False, allow_blank=True, max_length=30)
    interpreter_needed = serializers.BooleanField(required=False, default=False)
    green_channel = serializers.ChoiceField(
        choices=GreenChannel.choices, required=False, default=""
    )
    received_at = DateTimeField(required=False)

    def validate_requester_phone(self, value):
        """A mobile, a fixed line or a 400/800 number (core.validators.validate_callback_phone)."""
        value = value.strip()
        if not value:
            return ""
        try:
            return validate_callback_phone(value)
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def validate_received_at(self, value):
        if refusal := services.received_at_refusal(value):
            raise ValidationError(refusal)
        return value

    def validate(self, data):
        if not data.get("person") and not (
            data.get("requester_name") and data.get("requester_phone")
        ):
            raise ValidationError(
                {"requester_name": ["请关联已登记人员，或填写诉求人姓名和联系电话。"]}
            )
        return data


class ActionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)
    department = serializers.CharField(required=False)
    result = serializers.CharField(required=False, allow_blank=True)
    satisfaction = serializers.IntegerField(required=False, min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True)
    co_departments = serializers.ListField(child=serializers.CharField(), required=False)


def request_queue(user, params) -> QuerySet[ServiceRequest]:
    """The page's queue of all requests in scope (`services.selectors`: open ones first, green
    channel, then the nearest deadline; then finished ones, newest first), with the API's
    own filters `status` and `overdue` beside `category` and `department` (codes). An
    unknown value of any of them is a 400 naming it."""
    with refused_filters():
        status_ = known_value(params, "status", Status.values, _("状态"))
        overdue = flag(params, "overdue", _("已超期"))
        requests = request_list_for(
            user,
            {
                "queue": "all",
                "category": params.get("category"),
                "department": params.get("department"),
            },
        )
    if status_:
        requests = requests.filter(status=status_)
    if overdue:
        requests = requests.filter(status__in=services.OPEN, due_at__lt=timezone.now())
    return requests


@extend_schema_view(
    list=extend_schema(
        parameters=[
            choice("status", Status.values),
            choice("overdue", FLAGS),
            OpenApiParameter("category", str, description="a category code"),
            OpenApiParameter("department", str, description="a department code"),
        ]
    )
)
class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Queues put open requests first (green channel, then the nearest deadline)."""

    serializer_class = RequestSerializer
    permission_classes = [capability(Cap.REQUEST_READ)]

    def get_queryset(self):
        return request_queue(self.request.user, self.request.query_params)

    def get_object(self):
        return get_scoped_or_404(
            self.request.user, ServiceRequest.objects.all(), pk=self.kwargs["pk"]
        )

    def retrieve(self, request, *args, **kwargs):
        """A read of personal data (the requester, what they asked), audited as on the page."""
        item = self.get_object()
        audit_record(
            action=Action.READ,
            request=request,
            obj=item,
            purpose=request.query_params.get("purpose", "") or "API 查看",
        )
        return Response(self.get_serializer(item).data)

    def create(self, request):
        if not request.user.can(Cap.REQUEST_HANDLE):
            return Response({"detail": "您没有受理诉求的权限。"}, status=status.HTTP_403_FORBIDDEN)
        data = RequestCreate(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        person = None
        if d.get("person"):
            person = scoped(request.user, Person.objects.filter(pk=d["person"])).first()
            if person is None:
                raise ValidationError({"person": ["人员不存在或不在您的管理范围内。"]})
        created = services.request_receive(
            actor=request.user,
            category=d["category"],
            channel=d["channel"],
            description=d["description"],
            person=person,
            requester_name=d.get("requester_name", ""),
            requester_phone=d.get("requester_phone", ""),
            language=d.get("language", ""),
            interpreter_needed=d["interpreter_needed"],
            green_channel=d["green_channel"],
            received_at=d.get("received_at"),
            http_request=request._request,
        )
        return Response(RequestSerializer(created).data, status=status.HTTP_201_CREATED)

    def _act(self, request, pk, name: str):
        target = self.get_object()
        data = ActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        department = None
        helpers = list(
            visible_departments(request.user).filter(code__in=d.get("co_departments", []))
        )
        if name == "refer":
            department = (
                visible_departments(request.user).filter(code=d.get("department", "")).first()
            )
            if department is None:
                raise ValidationError({"department": ["承办部门不存在。"]})
        try:
            updated = services.request_act(
                actor=request.user,
                request=target,
                action=name,
                note=d.get("note") or d.get("comment", ""),
                department=department,
                result=d.get("result", ""),
                satisfaction=d.get("satisfaction"),
                co_departments=helpers,
                http_request=request._request,
            )
        except services.IllegalTransition as exc:
            return Response(
                {"detail": str(exc), "status": target.status}, status=status.HTTP_409_CONFLICT
            )
        return Response(RequestSerializer(updated).data)

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, pk, "accept")

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(request, pk, "reject")

    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        return self._act(request, pk, "refer")

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._act(request, pk, "return")

    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._act(request, pk, "start")

    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, pk, "resolve")

    @action(detail=True, methods=["post"])
    def follow_up(self, request, pk=None):
        return self._act(request, pk, "follow_up")

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, pk, "close")

    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(request, pk, "reopen")

    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        """A progress note (`note`), by the officers or the handling departments."""
        target = self.get_object()
        text = str(request.data.get("note", ""))
        allowed = request.user.can(Cap.REQUEST_HANDLE) or request.user.department_id in {
            target.department_id,
            *target.co_departments.values_list("pk", flat=True),
        }
        if not allowed:
            return Response({"detail": "您没有记录进展的权限。"}, status=status.HTTP_403_FORBIDDEN)
        try:
            services.request_note(
                actor=request.user, request=target, note=text, http_request=request._request
            )
        except services.IllegalTransition as exc:
            return Response(
                {"detail": str(exc), "status": target.status}, status=status.HTTP_409_CONFLICT
            )
        return Response(RequestSerializer(target).data)
