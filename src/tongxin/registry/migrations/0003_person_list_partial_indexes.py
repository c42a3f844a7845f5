"""Partial indexes for the person lists (docs/performance.md).

The foreign key index on `merged_into` (NULL for nearly every person) is replaced by a
partial one over the merged persons: on SQLite the full index let the planner answer
`merged_into IS NULL ORDER BY id DESC` by walking every person in id order (0.5 s for a rare
pinyin prefix among 1,000,000 persons). Two partial indexes over the persons that are not
merged serve the first page of a unit's (or an origin province's) persons.

Only the index is dropped: an AlterField would make Django rebuild the whole table on
SQLite, and a rebuilt table loses the full-text triggers of migration 0002.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_INDEX = "registry_person_merged_into_id_729f6004"  # Django's name for the FK index


def drop_fk_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "registry_person")
    for name, info in constraints.items():
        if (
            info["index"]
            and not info["primary_key"]
            and not info["unique"]
            and info["columns"] == ["merged_into_id"]
            and name != "person_merged_into"
        ):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_fk_index(apps, schema_editor):
    schema_editor.execute(
        f"CREATE INDEX {schema_editor.quote_name(OLD_INDEX)} ON registry_person (merged_into_id)"
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_search_index_and_duplicate_rules")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="registry.person",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_fk_index, create_fk_index)],
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="person_merged_into",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", True)),
                fields=["unit_path", "present"],
                name="person_live_unit_present",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", True)),
                fields=["origin_province"],
                name="person_live_origin",
            ),
        ),
    ]
