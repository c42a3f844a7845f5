"""Aid assessed before its approving department was recorded gets it now (the nearest
civil-affairs department above the request), so that department can open the request and
approve it without a referral. Aid above which there is none keeps it empty."""

from django.db import migrations

LEVELS = (2, 4, 6, 9, 12, 15)


def backfill(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    EmergencyAssistance = apps.get_model("services", "EmergencyAssistance")
    by_path = {}
    for department in Department.objects.filter(kind="civil_affairs").select_related("unit"):
        current = by_path.get(department.unit.path)
        if current is None or department.pk < current.pk:
            by_path[department.unit.path] = department
    if not by_path:
        return
    pending = EmergencyAssistance.objects.filter(department__isnull=True).select_related("request")
    for aid in pending.iterator(chunk_size=500):
        path = aid.request.unit_path
        for n in sorted((n for n in LEVELS if n <= len(path)), reverse=True):
            department = by_path.get(path[:n])
            if department is not None:
                aid.department = department
                aid.save(update_fields=["department"])
                break


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0008_category_deadline_bounds"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
