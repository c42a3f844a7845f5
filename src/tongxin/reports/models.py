"""Statistics: counts per unit and month kept current from the registry (ADR 0014), the
report forms' configuration (templates and their columns) and the forms units submit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.roles import Cap


class UnitMonth(models.Model):
    """How many persons a unit counts for one month: `vector` holds one number per key of
    `counts.KEYS` (`present`, `in`, `eth:03`, `age:7`, …), compressed (`counts.pack`; a
    million persons' five years take about a tenth of what JSON would). Structure keys are
    as of the month's last day (today for the running month); flow keys are the month's
    arrivals, departures and moves. Grids are computed from the registry, every other unit
    is the sum of its children."""

    unit = models.ForeignKey("geo.Unit", on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=15)
    month = models.DateField()
    vector = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="unit_month_unique")]
        indexes = [models.Index(fields=["month", "unit_path"], name="unit_month_path")]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.month:%Y-%m}"


class CountedMonth(models.Model):
    """A month whose counts exist, and the day they describe (the month's last day once it
    has ended; before that the day they were last computed)."""

    month = models.DateField(unique=True)
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    # `counts.LAYOUT`: vectors written under another list of keys are recomputed.
    layout = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} as of {self.as_of}"


class CountsState(models.Model):
    """One row: refreshes take it FOR UPDATE, so two never recompute the same counts."""

    refreshed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"counts refreshed at {self.refreshed_at}"


class ReportTemplate(models.Model):
    """A statistical form (填报表) and its deadlines: the Nth working day after the period's
    end, by the level of the unit that files it."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    title = models.CharField(_("表名"), max_length=100)
    deadline_days = models.JSONField(_("报送时限（期末后第几个工作日，按层级）"), default=dict)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("统计报表")

    def __str__(self) -> str:
        return self.title


class ReportColumn(models.Model):
    """One column of a form: which counts it adds up (`keys`, see `columns.parse`), under
    which group header. Configuration: a city adds its own columns here."""

    template = models.ForeignKey(ReportTemplate, on_delete=models.CASCADE, related_name="columns")
    code = models.SlugField(_("代码"), max_length=40)
    group = models.CharField(_("分组表头"), max_length=50, blank=True)
    label = models.CharField(_("列名"), max_length=50)
    keys = models.CharField(_("统计口径"), max_length=1000)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("报表列")
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="report_column_code")
        ]

    def __str__(self) -> str:
        return f"{self.group}·{self.label}" if self.group else self.label


class FormStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已上报")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已审核通过")


class StatForm(models.Model):
    """A unit's form for one period as submitted: frozen values that later registry changes
    never alter (`data`: the columns as they were, one row per child unit, the total)."""

    template = models.ForeignKey(ReportTemplate, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=15, db_index=True)
    period = models.CharField(_("报告期"), max_length=8)
    status = models.CharField(_("状态"), max_length=10, choices=FormStatus.choices)
    data = models.JSONField(default=dict)
    preparer = models.CharField(_("填表人"), max_length=50)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("上报时间"))
    deadline = models.DateField(_("报送时限"))
    late = models.BooleanField(_("逾期"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True)
    comment = models.CharField(_("审核意见"), max_length=500, blank=True)

    scope_capability = Cap.DASHBOARD
    scope_path_field = "unit_path"

    class Meta:
        verbose_name = _("报表")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "unit", "period"], name="one_form_per_unit_and_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period}"


class FormEvent(models.Model):
    """What happened to a form: submitted, returned with a comment, accepted."""

    form = models.ForeignKey(StatForm, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.form_id} {self.action}"


class FormReminder(models.Model):
    """A reminder sent about a form not in: at most one per unit, form, period and kind
    (due_soon, overdue; `below` for the unit above, naming its late units)."""

    template = models.ForeignKey(ReportTemplate, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("geo.Unit", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8)
    kind = models.CharField(max_length=10)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["template", "unit", "period", "kind"], name="one_form_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.kind}"
