"""The basic-situation form and its columns (reports.defaults), and the refresh lock row."""

from django.db import migrations


def seed(apps, schema_editor):
    from tongxin.reports.defaults import seed as seed_basic

    seed_basic(
        apps.get_model("reports", "ReportTemplate"), apps.get_model("reports", "ReportColumn")
    )
    apps.get_model("reports", "CountsState").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
