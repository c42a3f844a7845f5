from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import visible_departments, visible_units
from tongxin.accounts.services import login_attempt, password_expired
from tongxin.audit.models import Action, AuditEvent
from tongxin.audit.selectors import audit_events_for
from tongxin.audit.services import Outcome, audit_record
from tongxin.core.validators import validate_calendar_year
from tongxin.geo.models import Level, Unit

from .permissions import capability
from .serializers import (
    AuditEventSerializer,
    DepartmentSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UnitSerializer,
)


class TokenView(APIView):
    """Exchange username and password (and a TOTP code where required) for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = login_attempt(
            request._request, data.validated_data["username"], data.validated_data["password"]
        )
        if result.user is None:
            code = status.HTTP_403_FORBIDDEN if result.locked else status.HTTP_400_BAD_REQUEST
            return Response({"detail": result.error}, status=code)
        user = result.user
        if password_expired(user):
            # No token for a password that must be changed first (on the password page).
            return Response(
                {"detail": _("该账户的密码已过期或为管理员设置的初始密码，请先在网页上修改密码。")},
                status=status.HTTP_403_FORBIDDEN,
            )
        if user.needs_second_factor() and not settings.DEMO:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            otp = data.validated_data.get("otp")
            if device is None or not otp or not device.verify_token(otp):
                audit_record(
                    action=Action.OTP_FAILED,
                    actor=user,
                    request=request._request,
                    outcome=Outcome.FAILURE,
                )
                return Response(
                    {"otp": ["该账户须提供正确的动态口令。"]}, status=status.HTTP_400_BAD_REQUEST
                )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class UnitFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Level.choices)
    parent = filters.CharFilter(field_name="parent__code")

    class Meta:
        model = Unit
        fields = ["level", "parent"]


class UnitList(generics.ListAPIView):
    serializer_class = UnitSerializer
    permission_classes = [capability(Cap.GEO_READ)]
    filterset_class = UnitFilter

    def get_queryset(self):
        return visible_units(self.request.user).select_related("parent").order_by("path")


class DepartmentList(generics.ListAPIView):
    serializer_class = DepartmentSerializer
    permission_classes = [capability(Cap.GEO_READ)]

    def get_queryset(self):
        return visible_departments(self.request.user).select_related("unit").order_by("code")


class CalendarYearDateTimeField(IsoDateTimeField):
    """An ISO date and time within the years a filter may name: 0001-01-01 in the city's
    time zone is before the first UTC moment Python can hold, and the query crashed."""

    default_validators = [validate_calendar_year]


class CalendarYearDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = CalendarYearDateTimeField


class AuditEventFilter(filters.FilterSet):
    actor = filters.CharFilter(field_name="actor_username")
    date_from = CalendarYearDateTimeFilter(field_name="at", lookup_expr="gte")
    date_to = CalendarYearDateTimeFilter(field_name="at", lookup_expr="lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "object_type", "outcome"]


class AuditEventList(generics.ListAPIView):
    serializer_class = AuditEventSerializer
    permission_classes = [capability(Cap.AUDIT_READ)]
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return audit_events_for(self.request.user)


@login_required
def api_docs(request):
    """Swagger UI from node_modules (npm swagger-ui-dist), no inline script."""
    return render(request, "api/docs.html")
