"""The import jobs a user may see — their own — for the import list, its export and each
job's pages alike."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ImportJob


def import_jobs_for(user) -> QuerySet[ImportJob]:
    """The user's own import jobs, newest first."""
    return ImportJob.objects.filter(user=user).select_related("user").order_by("-created_at", "-pk")
