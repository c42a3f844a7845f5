"""PostgreSQL: drop the `varchar_pattern_ops` twins Django adds beside each indexed CharField
for the phone hash and the three name keys. These columns are matched exactly or by a
range (`selectors._prefix`), never with LIKE, so the twins were never read, only written:
four fewer indexes for every person an import creates. Nothing to do on SQLite."""

from django.db import migrations

TWINS = [
    "registry_person_phone_hash_7b9ae9f6_like",
    "registry_person_pinyin_full_5662815b_like",
    "registry_person_pinyin_initials_d6b145d2_like",
    "registry_person_latin_key_b86bf872_like",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TWINS:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        # A first load killed before this migration listed them to be built again.
        apps.get_model("core", "DeferredIndex").objects.filter(name__in=TWINS).delete()


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TWINS:
            column = name.removeprefix("registry_person_").rsplit("_", 2)[0]
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON registry_person ({column} varchar_pattern_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_deferred_index"),
        ("registry", "0005_stay_residence_and_moves"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
