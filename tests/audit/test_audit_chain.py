import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from tongxin.audit.models import AppendOnlyError, AuditEvent
from tongxin.audit.services import audit_record, audit_verify
from tongxin.registry.models import Person

from ..conftest import login_as


def _events(n=3):
    return [
        audit_record(action="update", username="tester", object_type="x", object_id=i)
        for i in range(n)
    ]


@pytest.mark.django_db
def test_intact_chain_verifies(capsys):
    _events()
    call_command("audit_verify")
    assert "审计链完整" in capsys.readouterr().out


@pytest.mark.django_db
def test_altering_a_row_in_the_database_is_detected_and_named():
    events = _events()
    target = events[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_username = %s WHERE seq = %s",
            ["mallory", target.seq],
        )
    with pytest.raises(CommandError, match=f"#{target.seq} 的内容已被改动"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_deleting_a_middle_row_is_detected_and_named():
    events = _events()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [events[1].seq])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == events[1].seq


@pytest.mark.django_db
def test_deleting_the_last_row_is_detected():
    events = _events()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [events[-1].seq])
    result = audit_verify()
    assert not result.ok
    assert "链尾不符" in result.reason


@pytest.mark.django_db
def test_recomputed_hash_after_edit_still_breaks_the_link():
    events = _events()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET hash = %s WHERE seq = %s", ["f" * 64, events[0].seq]
        )
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == events[0].seq


@pytest.mark.django_db
def test_the_app_cannot_edit_or_delete_events():
    event = _events(1)[0]
    event.actor_username = "someone else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_username == "tester"


@pytest.mark.django_db
def test_reading_a_person_is_audited_with_purpose(client):
    user = login_as(client, "grid_worker_a")
    person = Person.objects.filter(unit_path=user.unit.path).first()
    client.get(reverse("registry:person_detail", args=[person.pk]), {"purpose": "入户走访核实"})
    event = AuditEvent.objects.filter(action="read", actor_username="grid_worker_a").first()
    assert event.object_id == str(person.pk)
    assert event.object_type == "registry.person"
    assert event.purpose == "入户走访核实"
    assert event.actor_unit == user.unit.code


@pytest.mark.django_db
def test_auditor_searches_events_by_actor_and_action(client):
    login_as(client, "grid_worker_a")
    client.get(reverse("home"))
    login_as(client, "auditor")
    audit_record(action="login_failed", username="grid_worker_a", outcome="failure")
    audit_record(action="login_failed", username="leader", outcome="failure")
    page = client.get(
        reverse("audit:events"), {"actor": "grid_worker_a", "action": "login_failed"}
    ).content.decode()
    assert "grid_worker_a" in page
    assert "leader" not in page.split("<tbody>")[1]
    response = client.post(reverse("audit:events"))
    assert "审计链完整" in response.content.decode()


@pytest.mark.django_db
def test_audit_api_filters_for_the_auditor_only(client):
    audit_record(action="export", username="street_officer", object_type="registry.person")
    audit_record(action="export", username="leader", object_type="registry.person")
    login_as(client, "auditor")
    data = client.get(
        reverse("api:audit_events"), {"actor": "street_officer", "action": "export"}
    ).json()
    assert data["count"] == 1
    assert data["results"][0]["actor"] == "street_officer"
    login_as(client, "sysadmin")
    assert client.get(reverse("api:audit_events")).status_code == 403
