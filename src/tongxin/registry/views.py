from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import get_scoped_or_404, scoped
from tongxin.audit.services import Action, audit_record
from tongxin.core.codes import ETHNICITY_NAMES
from tongxin.geo.models import Unit

from .models import Person, mask_phone


@capability_required(Cap.PERSON_READ)
def person_list(request):
    persons = scoped(request.user, Person.objects.all()).order_by("-id")
    page = Paginator(persons, 50).get_page(request.GET.get("page"))
    grids = {u.path: u for u in Unit.objects.filter(path__in={p.unit_path for p in page})}
    rows = [(p, grids.get(p.unit_path), ETHNICITY_NAMES.get(p.ethnicity, "")) for p in page]
    return render(request, "registry/person_list.html", {"page": page, "rows": rows})


@capability_required(Cap.PERSON_READ)
def person_detail(request, pk: int):
    person = get_scoped_or_404(request.user, Person.objects.all(), pk=pk)
    full = request.user.can(Cap.PERSON_FULL_ID)
    audit_record(
        action=Action.READ,
        request=request,
        obj=person,
        purpose=request.GET.get("purpose", "") or "查看人员档案",
        detail={"full_id": full},
    )
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "id_number": person.id_number if full else person.id_number_masked,
            "phone": person.phone if full else mask_phone(person.phone),
            "ethnicity": ETHNICITY_NAMES.get(person.ethnicity, ""),
            "stays": person.stays.select_related("grid"),
        },
    )
