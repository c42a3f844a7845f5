"""The requester's phone encrypted at rest like every other phone: the plain column's values
are encrypted into the new one, then the plain column goes."""

from django.db import migrations, models

from tongxin.core import crypto


def same_key_as_the_data(apps) -> None:
    """The plain column goes in this migration: with another data key than the one the
    registry was encrypted with (a new `var/` without the key), the phones would be sealed
    under a key nobody has. Refuse, as `serve` and the writing commands do."""
    from tongxin.core.keycheck import current_fingerprint

    KeyCheck = apps.get_model("core", "KeyCheck")
    fingerprint = current_fingerprint()
    stored, created = KeyCheck.objects.get_or_create(pk=1, defaults={"fingerprint": fingerprint})
    if not created and stored.fingerprint != fingerprint:
        raise RuntimeError(
            "TONGXIN_DATA_KEY 与数据库中数据加密时使用的密钥不一致：诉求人电话未加密，迁移已停止。"
            "请设置正确的密钥（或恢复 var/data_key）后再运行 migrate。"
        )


def encrypt_phones(apps, schema_editor):
    ServiceRequest = apps.get_model("services", "ServiceRequest")
    pending = ServiceRequest.objects.exclude(requester_phone="").only("pk", "requester_phone")
    if not pending.exists():
        return
    same_key_as_the_data(apps)
    cipher = crypto.FieldCrypto.current()
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
        ("core", "0001_key_check"),
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
