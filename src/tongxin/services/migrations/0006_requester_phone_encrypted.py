"""The requester's phone encrypted at rest like every other phone: the plain column's values
are encrypted into the new one, then the plain column goes."""

from django.db import migrations, models

from tongxin.core import crypto


def encrypt_phones(apps, schema_editor):
    ServiceRequest = apps.get_model("services", "ServiceRequest")
    cipher = crypto.FieldCrypto.current()
    pending = ServiceRequest.objects.exclude(requester_phone="").only("pk", "requester_phone")
    batch = []
    for item in pending.iterator(chunk_size=2000):
        item.requester_phone_enc = cipher.encrypt(item.requester_phone.strip())
        batch.append(item)
        if len(batch) == 2000:
            ServiceRequest.objects.bulk_update(batch, ["requester_phone_enc"])
            batch = []
    ServiceRequest.objects.bulk_update(batch, ["requester_phone_enc"])


def decrypt_phones(apps, schema_editor):
    ServiceRequest = apps.get_model("services", "ServiceRequest")
    cipher = crypto.FieldCrypto.current()
    for item in ServiceRequest.objects.exclude(requester_phone_enc="").iterator(chunk_size=2000):
        item.requester_phone = cipher.decrypt(item.requester_phone_enc)
        item.save(update_fields=["requester_phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0005_notification_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="requester_phone_enc",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveField(model_name="servicerequest", name="requester_phone"),
    ]
