"""The statistical form as JSON: `GET /api/v1/reports/stats/?unit=CODE&period=2026-10`."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from tongxin.accounts.roles import Cap
from tongxin.reports import exports, selectors
from tongxin.reports.periods import Period

from .permissions import capability


class StatsReport(APIView):
    """The basic-situation form of a unit for a period: the submitted (frozen) form when
    there is one, else the form as the registry fills it now (`status` says which). One row
    per child unit, keyed by the form's column codes, and the total."""

    permission_classes = [capability(Cap.DASHBOARD)]

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, required=True, description="单位代码，如 410104001"),
            OpenApiParameter(
                "period",
                str,
                required=True,
                description="2026-10（月）、2026-Q3（季）或 2026（年）",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        code = request.query_params.get("unit", "").strip()
        if not code:
            return Response({"unit": ["请提供单位代码。"]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            period = Period.parse(request.query_params.get("period", ""))
        except ValueError as exc:
            return Response({"period": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            unit = selectors.unit_for(request.user, code)
        except Http404:
            return Response({"detail": "未找到。"}, status=status.HTTP_404_NOT_FOUND)
        return Response(exports.as_json(exports.document(unit, period)))
