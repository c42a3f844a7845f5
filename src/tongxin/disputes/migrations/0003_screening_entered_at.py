"""The real entry time of a screening report and the reason a paper report comes late.
Reports filed before this have no other record of when they were entered: their entry
time is taken to be their filing time."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def entered_when_filed(apps, schema_editor):
    report = apps.get_model("disputes", "ScreeningReport")
    report.objects.update(entered_at=F("filed_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0002_screening_start_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="screeningreport",
            name="entered_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="录入时间"),
        ),
        migrations.AddField(
            model_name="screeningreport",
            name="paper_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="补录说明"),
        ),
        migrations.RunPython(entered_when_filed, migrations.RunPython.noop),
    ]
