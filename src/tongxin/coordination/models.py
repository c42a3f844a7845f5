"""Coordination of the member departments (seeds 000 五, 003 三(三)–(五)):

- supervision tasks (督查督办) created by the leading group office, assigned to departments
  and streets with due dates, progress reports, overdue alerts and a completion review;
  circulation notices (通报) printed as documents; the annual assessment of units with
  configurable criteria and a veto (一票否决) for a major incident;
- inspections of window units from checklist templates, with findings, a rectification
  deadline and re-inspection until closed;
- joint meetings (联席会议): members, agenda, attendance, minutes, decisions that become
  action items tracked like supervision tasks; a warning after six months without one; the
  annual origin–destination meeting;
- cooperation with origin regions: partner regions, liaison stations, contacts, exchange
  records, and the accounts of their liaison staff, who see only what is shared with them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.roles import Cap
from tongxin.core import crypto

# --- supervision tasks ---------------------------------------------------------------------


class TaskKind(models.TextChoices):
    SUPERVISION = "supervision", _("督查督办事项")
    MEETING_ACTION = "meeting_action", _("联席会议议定事项")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    DONE = "done", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


class SupervisionTask(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    kind = models.CharField(
        _("类别"), max_length=16, choices=TaskKind.choices, default=TaskKind.SUPERVISION
    )
    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("内容和要求"))
    source = models.CharField(_("任务来源"), max_length=200, blank=True)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("交办单位")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    due_date = models.DateField(_("办结时限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    decision = models.OneToOneField(
        "MeetingDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="task",
        verbose_name=_("会议议定事项"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    # The office sees its tasks by path; an assignee sees them through its assignment
    # (selectors.task_list_for); a department liaison only those assigned to its department.
    scope_capability = Cap.COORDINATION_READ
    scope_path_field = "unit_path"
    scope_department_fields = ("assignments__department",)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("督查督办事项")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    SUBMITTED = "submitted", _("待审核")
    DONE = "done", _("已办结")


ASSIGNMENT_OPEN = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.IN_PROGRESS,
    AssignmentStatus.SUBMITTED,
)


class TaskAssignment(models.Model):
    """A task for one department or one unit (district or street), with its own due date."""

    task = models.ForeignKey(SupervisionTask, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办部门"),
    )
    unit = models.ForeignKey(
        "geo.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办单位"),
    )
    assignee_path = models.CharField(max_length=15, db_index=True, editable=False)
    due_date = models.DateField(_("办结时限"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ASSIGNED,
    )
    submitted_at = models.DateTimeField(_("申请办结时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("审核办结时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_capability = Cap.COORDINATION_READ
    scope_path_field = "assignee_path"
    scope_department_fields = ("department",)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("承办任务")
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False, unit__isnull=True)
                | Q(department__isnull=True, unit__isnull=False),
                name="assignment_department_xor_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.assignee_name}"

    @property
    def assignee_name(self) -> str:
        return str(self.department or self.unit)

    @property
    def overdue(self) -> bool:
        return self.status in ASSIGNMENT_OPEN and self.due_date < timezone.localdate()

    @property
    def on_time(self) -> bool | None:
        if self.status != AssignmentStatus.DONE or self.submitted_at is None:
            return None
        return timezone.localtime(self.submitted_at).date() <= self.due_date


class TaskProgress(models.Model):
    """Progress reports and the review steps of an assignment (its history)."""

    assignment = models.ForeignKey(
        TaskAssignment, on_delete=models.CASCADE, related_name="progress"
    )
    kind = models.CharField(max_length=10)  # report · submit · approve · return
    note = models.TextField()
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.kind}"


class SentAlert(models.Model):
    """One row per alert sent (e.g. `task-overdue:12:2026-W10`): the jobs are idempotent."""

    key = models.CharField(max_length=80, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class NoticeKind(models.TextChoices):
    PROGRESS = "progress", _("情况通报")
    COMMENDATION = "commendation", _("通报表扬")
    CRITICISM = "criticism", _("通报批评")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")


class CirculationNotice(models.Model):
    """通报: generated from the tasks of a period, edited, issued and printed on A4."""

    number = models.CharField(_("文号"), max_length=40, blank=True)
    kind = models.CharField(_("类别"), max_length=12, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("印发单位")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    period_from = models.DateField(_("通报期间自"))
    period_to = models.DateField(_("至"))
    body = models.TextField(_("正文"))
    rows = models.JSONField(default=list)  # the table of assignments as it was at generation
    status = models.CharField(
        _("状态"), max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)

    scope_capability = Cap.COORDINATION_MANAGE  # drafts: the office; issued: selectors
    scope_path_field = "unit_path"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("通报")

    def __str__(self) -> str:
        return self.title


# --- annual assessment ---------------------------------------------------------------------


class Metric(models.TextChoices):
    MANUAL = "manual", _("人工评分")
    SCREENING = "screening", _("月度排查按时填报率")
    TASKS = "tasks", _("督办事项按时办结率")
    INSPECTIONS = "inspections", _("检查问题整改完成率")
    MAJOR_INCIDENT = "major_incident", _("发生重大、特别重大突发事件")


class AssessmentCriterion(models.Model):
    """A line of the annual assessment (configuration). A veto criterion scores nothing: when
    it applies the unit fails the year whatever its score (一票否决)."""

    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("考核内容"), max_length=200)
    max_score = models.DecimalField(_("分值"), max_digits=5, decimal_places=1, default=0)
    metric = models.CharField(_("评分依据"), max_length=16, choices=Metric.choices)
    is_veto = models.BooleanField(_("一票否决"), default=False)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("考核指标")

    def __str__(self) -> str:
        return self.name


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("评分中")
    FINAL = "final", _("已定档")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Assessment(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("被考核单位")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=6, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1, default=0)
    veto = models.BooleanField(_("一票否决"), default=False)
    veto_reason = models.TextField(_("否决事由"), blank=True)  # from the data and by hand
    manual_veto_reason = models.TextField(_("其他否决事由"), blank=True)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finalized_at = models.DateTimeField(null=True, blank=True)

    # Streets see their own result; the offices above see those below (dashboard.read, which
    # department liaisons do not hold).
    scope_capability = Cap.DASHBOARD
    scope_path_field = "unit_path"

    class Meta:
        ordering = ["-year", "unit_path"]
        verbose_name = _("年度考核")
        constraints = [
            models.UniqueConstraint(fields=["year", "unit"], name="one_assessment_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id}"


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(AssessmentCriterion, on_delete=models.PROTECT, related_name="+")
    suggested = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, default=0)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["criterion__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="one_score_each")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.criterion_id} {self.score}"


# --- inspections -----------------------------------------------------------------------------


class WindowKind(models.TextChoices):
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    HOTEL = "hotel", _("宾馆酒店")
    STATION = "station", _("车站")
    AIRPORT = "airport", _("机场")
    SCENIC = "scenic", _("旅游景区")
    MARKET = "market", _("市场")
    OTHER = "other", _("其他窗口单位")


class Topic(models.TextChoices):
    HALAL = "halal", _("清真餐饮")
    LANGUAGE = "language", _("民族语言服务")
    EQUAL = "equal", _("平等对待")
    PUBLICITY = "publicity", _("宣传展示")
    OTHER = "other", _("其他")


class ChecklistTemplate(models.Model):
    """A checklist (configuration): which window kinds it is for, and its items."""

    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kinds = models.CharField(_("适用窗口单位"), max_length=100, blank=True)  # comma list
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("检查表")

    def __str__(self) -> str:
        return self.name

    def applies_to(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds.split(",")

    @property
    def kind_names(self) -> str:
        labels = dict(WindowKind.choices)
        return "、".join(str(labels.get(k, k)) for k in self.kinds.split(",") if k)


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    topic = models.CharField(_("方面"), max_length=10, choices=Topic.choices)
    text = models.CharField(_("检查内容"), max_length=300)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class WindowUnit(models.Model):
    """A window unit inspected: a school, hospital, hotel, station, airport, scenic spot…"""

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=10, choices=WindowKind.choices)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在辖区")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主管部门"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_capability = Cap.COORDINATION_READ
    scope_path_field = "unit_path"
    scope_department_fields = ("department",)

    class Meta:
        ordering = ["unit_path", "name"]
        verbose_name = _("窗口单位")

    def __str__(self) -> str:
        return self.name


class InspectionStatus(models.TextChoices):
    PASSED = "passed", _("合格")
    RECTIFYING = "rectifying", _("限期整改")
    REINSPECTED = "reinspected", _("已复查")


class Inspection(models.Model):
    """One visit. Failed items set a rectification deadline; a re-inspection checks them
    again (the previous round becomes "re-inspected"); the case is closed when a round passes."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    window_unit = models.ForeignKey(
        WindowUnit, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("窗口单位")
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查表")
    )
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_round"
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=300)
    summary = models.TextField(_("检查情况"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=InspectionStatus.choices)
    rectification_due = models.DateField(_("整改期限"), null=True, blank=True)
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_capability = Cap.COORDINATION_READ
    scope_path_field = "unit_path"
    scope_department_fields = ("window_unit__department",)

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        verbose_name = _("监督检查")

    def __str__(self) -> str:
        return self.number

    @property
    def overdue(self) -> bool:
        return (
            self.status == InspectionStatus.RECTIFYING
            and self.rectification_due is not None
            and self.rectification_due < timezone.localdate()
        )

    def chain(self) -> list[Inspection]:
        """All rounds of this case, the first first."""
        first: Inspection = self
        while first.previous_id:
            first = Inspection.objects.get(pk=first.previous_id)
        rounds = [first]
        while True:
            following = Inspection.objects.filter(previous=rounds[-1]).first()
            if following is None:
                return rounds
            rounds.append(following)


class FindingResult(models.TextChoices):
    PASS = "pass", _("符合")
    FAIL = "fail", _("不符合")
    NOT_APPLICABLE = "na", _("不适用")


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.CharField(max_length=10, choices=Topic.choices)
    text = models.CharField(max_length=300)  # the item's text at the time
    result = models.CharField(_("结果"), max_length=4, choices=FindingResult.choices)
    note = models.CharField(_("问题和整改要求"), max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.result}"


# --- joint meetings --------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("联席会议")
    SPECIAL = "special", _("专题会议")
    ORIGIN_DESTINATION = "origin_destination", _("输出地与输入地联席会议")


# The joint meeting of the coordination body is held at least every six months (seed 003
# 三(三)); the origin–destination meeting once a year (三(四)).
BODY_MEETINGS = (MeetingKind.REGULAR, MeetingKind.SPECIAL)


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("已安排")
    HELD = "held", _("已召开")


class JointMeeting(models.Model):
    title = models.CharField(_("会议名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=20, choices=MeetingKind.choices)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("召集单位")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    date = models.DateField(_("会议日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    chair = models.CharField(_("主持人"), max_length=100, blank=True)
    agenda = models.TextField(_("议程"))
    minutes = models.TextField(_("会议纪要"), blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    partner_regions = models.ManyToManyField(  # type: ignore[var-annotated]
        "PartnerRegion", blank=True, related_name="meetings", verbose_name=_("参加的流出地")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_capability = Cap.COORDINATION_READ
    scope_path_field = "unit_path"
    scope_department_fields = ("attendances__department",)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("联席会议")

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def scope_liaison_q(user) -> Q:
        """An origin region's liaison sees the meetings held with their region."""
        return Q(partner_regions__liaisons__user=user, status=MeetingStatus.HELD)


class Attendance(models.Model):
    """A member department invited (with who came) or another attendee."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="attendances")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("出席人"), max_length=200, blank=True)
    present = models.BooleanField(_("出席"), default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "department"],
                condition=Q(department__isnull=False),
                name="one_attendance_per_department",
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.department_id or self.name}"


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("议定事项"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:50]


# --- origin-region cooperation ---------------------------------------------------------------


class PartnerRegion(models.Model):
    """An origin region we cooperate with (流出地), e.g. 新疆维吾尔自治区和田地区."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("区划代码"), max_length=12, blank=True)  # GB/T 2260
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("协作单位")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    agreement = models.TextField(_("协作内容"), blank=True)
    since = models.DateField(_("建立协作日期"), null=True, blank=True)
    active = models.BooleanField(_("协作中"), default=True)

    scope_capability = Cap.COOPERATION_READ
    scope_path_field = "unit_path"

    class Meta:
        ordering = ["name"]
        verbose_name = _("流出地")
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="one_partner_region_per_unit")
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def scope_liaison_q(user) -> Q:
        return Q(liaisons__user=user)


class RegionLiaison(models.Model):
    """A liaison account (role origin_liaison) and the one region it works for."""

    region = models.ForeignKey(PartnerRegion, on_delete=models.CASCADE, related_name="liaisons")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="liaison_of"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} → {self.region_id}"


class LiaisonStation(models.Model):
    """流出地驻本地工作站 / 联系服务站."""

    region = models.ForeignKey(PartnerRegion, on_delete=models.CASCADE, related_name="stations")
    name = models.CharField(_("名称"), max_length=200)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    phone = models.CharField(_("办公电话"), max_length=30, blank=True)
    established_on = models.DateField(_("设立日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class RegionContact(models.Model):
    """A contact person of the region or its station; the phone is encrypted at rest."""

    region = models.ForeignKey(PartnerRegion, on_delete=models.CASCADE, related_name="contacts")
    station = models.ForeignKey(
        LiaisonStation, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=100)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    organisation = models.CharField(_("单位"), max_length=200, blank=True)
    phone_enc = models.TextField(editable=False, blank=True)
    languages = models.CharField(_("工作语言"), max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""


class ExchangeKind(models.TextChoices):
    INFORMATION = "information", _("信息互通")
    JOINT_CASE = "joint_case", _("联合调处")
    CADRE = "cadre", _("干部交流")
    VISIT = "visit", _("走访慰问")
    TRAINING = "training", _("培训")
    OTHER = "other", _("其他")


class ExchangeRecord(models.Model):
    region = models.ForeignKey(PartnerRegion, on_delete=models.CASCADE, related_name="exchanges")
    kind = models.CharField(_("类别"), max_length=12, choices=ExchangeKind.choices)
    date = models.DateField(_("日期"))
    title = models.CharField(_("事由"), max_length=200)
    content = models.TextField(_("内容"))
    shared = models.BooleanField(_("与流出地共享"), default=True)
    dispute_number = models.CharField(_("相关纠纷编号"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_capability = Cap.COOPERATION_READ
    scope_path_field = "region__unit_path"

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("交流记录")

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def scope_liaison_q(user) -> Q:
        return Q(region__liaisons__user=user, shared=True)
