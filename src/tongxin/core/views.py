from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import scoped
from tongxin.registry.models import Person


@login_required
def home(request):
    user = request.user
    present = None
    if user.can(Cap.PERSON_READ):
        present = scoped(user, Person.objects.filter(present=True)).count()
    return render(request, "core/home.html", {"present": present})


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
