"""Stays learn whether they began or ended with a move within the city and since when the
person has lived in the city; a journal of grids whose counts changed (for the statistics).

Existing stays are filled in from their order: a stay that begins on the day the person's
previous stay ended continues it (that is how `stay_move` and the import record a move)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    Stay = apps.get_model("registry", "Stay")
    HistoricalStay = apps.get_model("registry", "HistoricalStay")
    HistoricalStay.objects.update(resident_since=F("arrival_date"))
    rows = Stay.objects.order_by("person_id", "arrival_date", "id").values_list(
        "id", "person_id", "arrival_date", "departure_date"
    )
    changed: list = []
    previous = None  # (id, person_id, departure_date, resident_since)
    for pk, person_id, arrival, departure in rows.iterator(chunk_size=5000):
        since, by_move = arrival, False
        if previous and previous[1] == person_id and previous[2] == arrival:
            since, by_move = previous[3], True
            changed.append(Stay(id=previous[0], left_by_move=True))
        changed.append(Stay(id=pk, resident_since=since, arrived_by_move=by_move))
        previous = (pk, person_id, departure, since)
        if len(changed) >= 5000:
            _save(Stay, changed)
            changed = []
    _save(Stay, changed)


def _save(Stay, stays) -> None:
    left = [s for s in stays if s.resident_since is None]
    Stay.objects.filter(id__in=[s.id for s in left]).update(left_by_move=True)
    rest = [s for s in stays if s.resident_since is not None]
    Stay.objects.bulk_update(rest, ["resident_since", "arrived_by_move"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("registry", "0004_lighter_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="stay",
            name="resident_since",
            field=models.DateField(null=True, verbose_name="在本市连续居住起始日期"),
        ),
        migrations.AddField(
            model_name="historicalstay",
            name="resident_since",
            field=models.DateField(null=True, verbose_name="在本市连续居住起始日期"),
        ),
        migrations.AddField(
            model_name="stay",
            name="arrived_by_move",
            field=models.BooleanField(default=False, verbose_name="辖区内迁入"),
        ),
        migrations.AddField(
            model_name="historicalstay",
            name="arrived_by_move",
            field=models.BooleanField(default=False, verbose_name="辖区内迁入"),
        ),
        migrations.AddField(
            model_name="stay",
            name="left_by_move",
            field=models.BooleanField(default=False, verbose_name="辖区内迁出"),
        ),
        migrations.AddField(
            model_name="historicalstay",
            name="left_by_move",
            field=models.BooleanField(default=False, verbose_name="辖区内迁出"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="stay",
            name="resident_since",
            field=models.DateField(verbose_name="在本市连续居住起始日期"),
        ),
        migrations.AlterField(
            model_name="historicalstay",
            name="resident_since",
            field=models.DateField(verbose_name="在本市连续居住起始日期"),
        ),
        migrations.CreateModel(
            name="GridChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("since", models.DateField()),
                (
                    "grid",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="geo.unit",
                    ),
                ),
            ],
        ),
    ]
