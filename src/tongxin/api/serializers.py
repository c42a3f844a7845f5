from __future__ import annotations

from rest_framework import serializers

from tongxin.accounts.models import Department
from tongxin.audit.models import AuditEvent
from tongxin.geo.models import Unit


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.RegexField(
        r"^\d{6}$", required=False, help_text="TOTP code, for accounts that need a second factor"
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class UnitSerializer(serializers.ModelSerializer):
    parent: serializers.SlugRelatedField = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )

    class Meta:
        model = Unit
        fields = ["code", "name", "level", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    unit: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Department
        fields = ["code", "name", "kind", "unit"]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "at",
            "actor",
            "actor_unit",
            "action",
            "object_type",
            "object_id",
            "purpose",
            "outcome",
            "client_ip",
            "detail",
            "prev_hash",
            "hash",
        ]
