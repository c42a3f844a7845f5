"""One head per household, kept by the database: the service's check let two officers who
added a head at the same moment both through.

A household that already has more than one keeps its first head (the earliest member row);
the others become 其他亲属 (97), each change written to the member's history with the reason,
so an officer can see it and correct the relationship."""

from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone

HEAD, OTHER_RELATIVE = "02", "97"
REASON = "一户只能有一位户主：迁移时改为其他亲属，请核实"


def demote_extra_heads(apps, schema_editor):
    Member = apps.get_model("registry", "HouseholdMember")
    History = apps.get_model("registry", "HistoricalHouseholdMember")
    crowded = (
        Member.objects.filter(relationship=HEAD)
        .values("household_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("household_id", flat=True)
    )
    now = timezone.now()
    for household_id in list(crowded):
        heads = Member.objects.filter(household_id=household_id, relationship=HEAD).order_by("id")
        for member in list(heads)[1:]:
            member.relationship = OTHER_RELATIVE
            member.save(update_fields=["relationship"])
            History.objects.create(
                id=member.id,
                household_id=member.household_id,
                person_id=member.person_id,
                relationship=OTHER_RELATIVE,
                schooling=member.schooling,
                history_date=now,
                history_type="~",
                history_change_reason=REASON,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_no_pattern_indexes_on_keys"),
    ]

    operations = [
        migrations.RunPython(demote_extra_heads, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="householdmember",
            constraint=models.UniqueConstraint(
                condition=models.Q(("relationship", "02")),
                fields=("household",),
                name="one_head_per_household",
            ),
        ),
    ]
