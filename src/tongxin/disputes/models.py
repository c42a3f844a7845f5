"""Dispute screening and mediation (矛盾纠纷排查调处): the communities' monthly screening
reports, dispute cases with their parties, mediation sessions, result and follow-up, and
incidents (突发事件) escalated at once to the district and the city.

A dispute is classified on its facts. "Involves ethnic factors" defaults to no; setting it
needs a written reason and the confirmation of a second, senior reviewer (seed 001 三(三)).
Nothing here scores or lists people: the risk level is the dispute's, not a person's.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.roles import Cap


class Kind(models.TextChoices):
    WAGES = "wages", _("劳资纠纷")
    BUSINESS = "business", _("经营和摊位纠纷")
    RENTAL = "rental", _("房屋租赁纠纷")
    NEIGHBOURHOOD = "neighbourhood", _("邻里纠纷")
    CONSUMER = "consumer", _("消费纠纷")
    FAMILY = "family", _("婚姻家庭纠纷")
    TRAFFIC = "traffic", _("交通事故纠纷")
    OTHER = "other", _("其他纠纷")


class Source(models.TextChoices):
    SCREENING = "screening", _("排查发现")
    GRID = "grid", _("网格员上报")
    PARTY = "party", _("当事人反映")
    DEPARTMENT = "department", _("部门转来")
    HOTLINE = "hotline", _("服务热线")


class RiskLevel(models.TextChoices):
    """How likely the dispute is to escalate (a property of the case, never of a person)."""

    LOW = "low", _("一般")
    MEDIUM = "medium", _("较大")
    HIGH = "high", _("可能激化")


class Status(models.TextChoices):
    OPEN = "open", _("待调解")
    MEDIATING = "mediating", _("调解中")
    CONCLUDED = "concluded", _("已结案")


class Result(models.TextChoices):
    AGREEMENT = "agreement", _("达成调解协议")
    COURT = "court", _("引导诉讼")
    ARBITRATION = "arbitration", _("申请仲裁")
    POLICE = "police", _("移交公安")
    WITHDRAWN = "withdrawn", _("当事人撤回")


# A dispute counts as resolved (化解) when the parties agreed or withdrew; a referral to a
# court, arbitration or the police concludes the case without resolving it at grassroots.
RESOLVED_RESULTS = (Result.AGREEMENT, Result.WITHDRAWN)


class EthnicReview(models.TextChoices):
    NONE = "", _("未认定")
    PENDING = "pending", _("待复核")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未予确认")


def month_start(day: date) -> date:
    return day.replace(day=1)


def last_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    return month_start(month_start(day) - timedelta(days=1))


class ScreeningRule(models.Model):
    """When the monthly report is due and when reminders go out (one row; defaults until the
    bureau saves it)."""

    deadline_working_day = models.PositiveSmallIntegerField(
        _("截止日期：次月第几个工作日"), default=5
    )
    reminder_working_days = models.PositiveSmallIntegerField(_("截止前几个工作日提醒"), default=2)
    starts_on = models.DateField(_("自该月起填报"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度排查规则")

    def __str__(self) -> str:
        return str(_("月度排查规则"))

    @classmethod
    def current(cls) -> ScreeningRule:
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def required(self, period: date) -> bool:
        """Is a report due for this month (months before the system's start are not)?"""
        return self.starts_on is None or period >= self.starts_on.replace(day=1)


class ScreeningReport(models.Model):
    """One community's report for one month: a zero report, or the disputes found."""

    unit = models.ForeignKey(
        "geo.Unit",
        on_delete=models.PROTECT,
        related_name="screening_reports",
        verbose_name=_("社区"),
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    period = models.DateField(_("月份"))  # the first day of the month
    is_zero = models.BooleanField(_("零报告"), default=False)
    visits = models.PositiveIntegerField(_("走访排查（户次）"), default=0)
    notes = models.TextField(_("排查情况"), blank=True)
    tendencies = models.TextField(_("苗头性、倾向性问题"), blank=True)
    deadline = models.DateField(_("填报截止日期"))
    late = models.BooleanField(_("逾期填报"), default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # When the report was handed in: the moment it is entered, or a paper report's date.
    filed_at = models.DateTimeField(_("填报时间"), default=timezone.now)
    # When it was really entered in the system (never backdated), and why a paper report
    # was entered only after its deadline (see services.report_file for what it decides).
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    paper_reason = models.CharField(_("补录说明"), max_length=300, blank=True)

    scope_capability = Cap.DISPUTE_READ
    scope_path_field = "unit_path"
    scope_owner_field = "filed_by"

    class Meta:
        ordering = ["-period", "unit_path"]
        verbose_name = _("月度排查报告")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="one_screening_per_month")
        ]
        indexes = [models.Index(fields=["period", "unit_path"], name="screening_period_path")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period:%Y-%m}"

    @property
    def on_paper(self) -> bool:
        """Entered on a later day than the paper report's date."""
        return timezone.localdate(self.filed_at) != timezone.localdate(self.entered_at)

    @property
    def backfilled(self) -> bool:
        """Counted on time by its paper date, though entered after the deadline (补录)."""
        return not self.late and timezone.localdate(self.entered_at) > self.deadline


class ScreeningReminder(models.Model):
    """A reminder sent for a missing report: at most one per community, month and kind."""

    unit = models.ForeignKey("geo.Unit", on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    kind = models.CharField(max_length=10)  # "due_soon" or "overdue"
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period", "kind"], name="one_screening_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.kind}"


class Dispute(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="disputes", verbose_name=_("所属单位")
    )
    grid = models.ForeignKey(
        "geo.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_disputes",
        verbose_name=_("网格"),
    )
    # The grid's path when a grid is given, else the unit's: grid workers see their grid's.
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    report = models.ForeignKey(
        ScreeningReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("月度排查报告"),
    )
    kind = models.CharField(_("纠纷类别"), max_length=15, choices=Kind.choices)
    source = models.CharField(
        _("来源"), max_length=12, choices=Source.choices, default=Source.SCREENING
    )
    place = models.CharField(_("发生地点"), max_length=200)
    occurred_on = models.DateField(_("发生日期"))
    found_on = models.DateField(_("发现日期"))
    facts = models.TextField(_("事实经过"))
    risk_level = models.CharField(
        _("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    result = models.CharField(_("调处结果"), max_length=12, choices=Result.choices, blank=True)
    result_note = models.TextField(_("结果说明"), blank=True)
    concluded_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    involves_ethnic_factors = models.BooleanField(_("涉及民族因素"), default=False)
    ethnic_factors_reason = models.TextField(_("涉及民族因素的理由"), blank=True)
    ethnic_review = models.CharField(
        _("民族因素复核"), max_length=10, choices=EthnicReview.choices, blank=True, default=""
    )
    ethnic_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ethnic_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ethnic_reviewed_at = models.DateTimeField(null=True, blank=True)
    ethnic_review_note = models.TextField(_("复核意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_capability = Cap.DISPUTE_READ
    scope_path_field = "unit_path"
    scope_owner_field = "created_by"

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("矛盾纠纷")
        indexes = [
            models.Index(fields=["found_on", "unit_path"], name="dispute_found_path"),
            models.Index(fields=["ethnic_review"], name="dispute_ethnic_review"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def resolved(self) -> bool:
        return self.status == Status.CONCLUDED and self.result in RESOLVED_RESULTS


EVENT_LABELS = {
    "create": _("登记"),
    "edit": _("修改"),
    "party": _("添加当事人"),
    "ethnic_set": _("认定涉及民族因素，提请复核"),
    "ethnic_confirmed": _("复核确认涉及民族因素"),
    "ethnic_rejected": _("复核不予确认民族因素"),
    "session": _("调解"),
    "conclude": _("结案"),
    "reopen": _("重新调解"),
    "follow_up": _("回访"),
    "document": _("上传材料"),
    "escalate": _("升级为突发事件"),
}


class DisputeEvent(models.Model):
    """The case's history: every step with who, when and what was said."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请方")
    RESPONDENT = "respondent", _("被申请方")
    OTHER = "other", _("其他当事人")


class Party(models.Model):
    """A party: a registered person (in the recorder's scope) or a name as given."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("姓名或名称"), max_length=300)
    role = models.CharField(_("身份"), max_length=10, choices=PartyRole.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)  # e.g. 房东, 摊主
    interpreter_needed = models.BooleanField(_("需要翻译"), default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("当事人")

    def __str__(self) -> str:
        return self.name


class MediationSession(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("调解日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    mediators = models.CharField(_("调解人员"), max_length=300)
    participants = models.CharField(_("参加人员"), max_length=500, blank=True)
    interpreter = models.CharField(_("翻译"), max_length=100, blank=True)
    outcome = models.TextField(_("调解情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = _("调解记录")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.held_on}"


class FollowUpHonoured(models.TextChoices):
    YES = "yes", _("已履行")
    PARTLY = "partly", _("部分履行")
    NO = "no", _("未履行")
    NOT_APPLICABLE = "na", _("不适用")


class FollowUp(models.Model):
    """回访 after the case is concluded: is the agreement kept, is the dispute settled?"""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    on = models.DateField(_("回访日期"))
    method = models.CharField(_("方式"), max_length=50)
    honoured = models.CharField(_("协议履行"), max_length=6, choices=FollowUpHonoured.choices)
    note = models.TextField(_("回访情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["on", "pk"]
        verbose_name = _("回访记录")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.on}"


def document_path(instance, filename: str) -> str:
    return f"disputes/{timezone.now():%Y/%m}/{instance.dispute_id}-{filename[-80:]}"


class DisputeDocument(models.Model):
    """The agreement (调解协议书) and other papers; personal data, served through the scope."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_path)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    is_agreement = models.BooleanField(_("调解协议书"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Severity(models.TextChoices):
    """The four grades of 突发事件 (国家突发公共事件总体应急预案)."""

    GENERAL = "general", _("一般")
    LARGER = "larger", _("较大")
    MAJOR = "major", _("重大")
    EXTREME = "extreme", _("特别重大")


MAJOR_SEVERITIES = (Severity.MAJOR, Severity.EXTREME)


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("处置中")
    CLOSED = "closed", _("已处置")


class Incident(models.Model):
    """突发事件: reported at once to the district and the city."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("发生单位")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    dispute = models.OneToOneField(
        Dispute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident",
        verbose_name=_("由矛盾纠纷升级"),
    )
    occurred_at = models.DateTimeField(_("发生时间"))
    place = models.CharField(_("地点"), max_length=200)
    summary = models.TextField(_("事件概况"))
    severity = models.CharField(_("等级"), max_length=8, choices=Severity.choices)
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=0)
    measures = models.TextField(_("处置措施"), blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("上报时间"), default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_capability = Cap.DISPUTE_READ
    scope_path_field = "unit_path"
    scope_owner_field = "reported_by"

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("突发事件")

    def __str__(self) -> str:
        return self.number

    @property
    def major(self) -> bool:
        return self.severity in MAJOR_SEVERITIES
