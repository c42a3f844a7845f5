"""The requester's phone: encrypted at rest, masked on the page and in exports, in full only
to those who handle the request, on asking, with an audit event."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from django.db import connection
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent
from tongxin.services import services
from tongxin.services.models import Category, ServiceRequest

from ..conftest import login_as

PHONE = "13912345678"


def receive(officer, phone=PHONE) -> ServiceRequest:
    return services.request_receive(
        actor=officer,
        category=Category.objects.get(code="residence"),
        channel="window",
        description="办理居住证",
        requester_name="马明",
        requester_phone=phone,
    )


@pytest.mark.django_db
def test_the_phone_is_stored_encrypted_and_read_back():
    item = receive(User.objects.get(username="community_officer"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT requester_phone_enc FROM services_servicerequest WHERE id = %s", [item.pk]
        )
        [stored] = cursor.fetchone()
    assert stored and PHONE not in stored and "5678" not in stored
    assert ServiceRequest.objects.get(pk=item.pk).requester_phone == PHONE


@pytest.mark.django_db
def test_the_page_masks_the_phone_and_shows_it_in_full_on_asking_audited(client):
    officer = User.objects.get(username="community_officer")
    item = receive(officer)
    login_as(client, "community_officer")
    url = reverse("services:request_detail", args=[item.pk])
    page = client.get(url).content.decode()
    assert "139****5678" in page and PHONE not in page and 'id="show-phone"' in page
    reads = AuditEvent.objects.filter(action="read", object_type="services.servicerequest")
    assert reads.filter(object_id=str(item.pk)).count() == 1  # the page names the requester
    page = client.get(url, {"phone": "1"}).content.decode()
    assert PHONE in page and 'id="show-phone"' not in page
    assert reads.filter(object_id=str(item.pk), purpose="联系诉求人").count() == 1


def test_the_migration_encrypts_the_phones_already_stored_and_back(tmp_path):
    """On a database of its own: back to the plain column, a request stored the old way,
    then forward — refused under another data key than the registry's, then, with the
    right one, the phone is encrypted, none lost; and back again restores it."""
    env = {
        **os.environ,
        "TONGXIN_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/m.sqlite3",
        "DJANGO_SETTINGS_MODULE": "tongxin.settings",
    }
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.db.migrations.loader import MigrationLoader
        from django.utils import timezone
        from tongxin.accounts.models import User

        def state(name):
            return MigrationLoader(connection).project_state(("services", name)).apps

        call_command("migrate", verbosity=0)
        call_command("migrate", "services", "0005", verbosity=0)
        old = state("0005_notification_kind").get_model("services", "ServiceRequest")
        user = User.objects.create(username="window")
        for number, phone in (("SQ1", "13912345678"), ("SQ2", "")):
            old.objects.create(
                number=number, channel="window", category_id=1, requester_name="马明",
                requester_phone=phone, description="办理居住证", received_at=timezone.now(),
                due_at=timezone.now(), received_by_id=user.pk, unit_path="41",
            )
        from tongxin.core.keycheck import current_fingerprint
        from tongxin.core.models import KeyCheck
        KeyCheck.objects.update_or_create(pk=1, defaults={"fingerprint": "0" * 64})
        try:  # another data key than the registry's: refused, nothing changed
            call_command("migrate", "services", verbosity=0)
        except RuntimeError as exc:
            print("refused" if "密钥不一致" in str(exc) else exc)
        print(old.objects.get(number="SQ1").requester_phone)
        KeyCheck.objects.filter(pk=1).update(fingerprint=current_fingerprint())
        call_command("migrate", "services", verbosity=0)
        from tongxin.services.models import ServiceRequest
        by_number = {r.number: r for r in ServiceRequest.objects.all()}
        print(by_number["SQ1"].requester_phone, "5678" in by_number["SQ1"].requester_phone_enc)
        print(repr(by_number["SQ2"].requester_phone_enc))
        call_command("migrate", "services", "0005", verbosity=0)
        print(old.objects.get(number="SQ1").requester_phone)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:5] == [
        "refused",
        "13912345678",
        "13912345678 False",
        "''",
        "13912345678",
    ]


@pytest.mark.django_db
def test_a_colleague_who_did_not_receive_the_request_sees_the_phone_masked(client):
    from tongxin.accounts.roles import Role

    from ..disputes.helpers import account

    item = receive(User.objects.get(username="community_officer"))
    colleague = account("community_b", "410104001001", Role.COMMUNITY_OFFICER)
    client.force_login(colleague)
    url = reverse("services:request_detail", args=[item.pk])
    page = client.get(url, {"phone": "1"}).content.decode()
    assert "139****5678" in page and PHONE not in page and 'id="show-phone"' not in page
    login_as(client, "street_officer")  # may see full personal data in the street
    assert PHONE in client.get(url, {"phone": "1"}).content.decode()
