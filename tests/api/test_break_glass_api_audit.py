"""Reading a person through the API under a break-the-glass grant is audited as a
break-the-glass read, as the person page audits it."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent
from tongxin.geo.models import Unit
from tongxin.registry import services

from ..conftest import login_as
from ..registry.factories import GRID_A, grid, register


@pytest.mark.django_db
def test_api_read_through_break_glass_is_audited_as_break_glass(client):
    officer = User.objects.get(username="street_officer")
    outside = (
        Unit.objects.filter(level="grid")
        .exclude(path__startswith=officer.unit.path)
        .order_by("code")
        .first()
    )
    person = register(User.objects.get(username="city_admin"), "杨慧静", grid_unit=outside)
    login_as(client, "street_officer")
    url = reverse("api:persons-detail", args=[person.pk])
    assert client.get(url).status_code == 404
    services.break_glass(
        actor=officer,
        id_type="citizen_id",
        id_number=person.id_number,
        reason="紧急就医联系家属需要",
    )
    before = AuditEvent.objects.filter(actor_username="street_officer").count()
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.filter(actor_username="street_officer").order_by("-seq").first()
    assert AuditEvent.objects.filter(actor_username="street_officer").count() == before + 1
    assert (event.action, event.object_id) == ("break_glass", str(person.pk))
    assert '"break_glass": true' in event.detail


@pytest.mark.django_db
def test_api_read_in_scope_stays_an_ordinary_read(client):
    person = register(User.objects.get(username="city_admin"), "马明", grid_unit=grid(GRID_A))
    login_as(client, "street_officer")
    assert client.get(reverse("api:persons-detail", args=[person.pk])).status_code == 200
    event = AuditEvent.objects.filter(actor_username="street_officer").order_by("-seq").first()
    assert (event.action, event.object_id) == ("read", str(person.pk))
    assert '"break_glass": false' in event.detail
