"""Service requests (诉求): intake, referral to departments, handling, follow-up; supervision
notices when late; emergency assistance; in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.roles import Cap
from tongxin.core import crypto


class Channel(models.TextChoices):
    WINDOW = "window", _("服务窗口")
    HOTLINE = "hotline", _("服务热线")
    PORTAL = "portal", _("网上申请")
    GRID_WORKER = "grid_worker", _("网格员代办")
    TRANSFER = "transfer", _("部门转来")


class Status(models.TextChoices):
    RECEIVED = "received", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    REFERRED = "referred", _("已转办")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已关闭")


OPEN_STATUSES = [Status.RECEIVED, Status.ACCEPTED, Status.REFERRED, Status.IN_PROGRESS]


class GreenChannel(models.TextChoices):
    NONE = "", _("无")
    ELDERLY = "elderly", _("老年人")
    DISABLED = "disabled", _("残疾人")
    PREGNANT = "pregnant", _("孕产妇")
    MINOR = "minor", _("未成年人")
    HARDSHIP = "hardship", _("生活困难")


# Bounds of a category's deadline: beyond them it is a typo (and counting millions of
# working days held the database for minutes).
MAX_DUE_WORKING_DAYS = 365
MAX_DUE_HOURS = 720


class Category(models.Model):
    """A kind of request and its deadline (configuration, seeded with the defaults)."""

    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    due_working_days = models.PositiveIntegerField(
        _("办理时限（工作日）"),
        default=5,
        validators=[
            MaxValueValidator(
                MAX_DUE_WORKING_DAYS,
                _("办理时限不能超过 %(limit_value)s 个工作日。"),
            )
        ],
    )
    due_hours = models.PositiveIntegerField(
        _("办理时限（小时，优先）"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, _("按小时计算的时限至少为 1 小时；不按小时计算请留空。")),
            MaxValueValidator(
                MAX_DUE_HOURS,
                _("办理时限不能超过 %(limit_value)s 小时；更长的时限请按工作日填写。"),
            ),
        ],
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("诉求类别")

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("类别"))
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    requester_name = models.CharField(_("诉求人"), max_length=300)
    # Encrypted at rest (crypto.encrypt); shown masked, in full only to those who handle the
    # request and with an audit event (services.views.request_detail).
    requester_phone_enc = models.TextField(editable=False, blank=True)
    language = models.CharField(_("使用语言"), max_length=30, blank=True)
    interpreter_needed = models.BooleanField(_("需要翻译"), default=False)
    description = models.TextField(_("诉求内容"))
    green_channel = models.CharField(
        _("绿色通道"), max_length=10, choices=GreenChannel.choices, blank=True, default=""
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("受理时间"))
    due_at = models.DateTimeField(_("办理时限"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("承办部门"),
    )
    co_departments = models.ManyToManyField(
        "accounts.Department", blank=True, related_name="co_requests", verbose_name=_("协办部门")
    )
    result = models.TextField(_("办理结果"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    follow_up_comment = models.CharField(_("回访意见"), max_length=500, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_capability = Cap.REQUEST_READ
    scope_path_field = "unit_path"
    scope_owner_field = "received_by"
    # A department sees what is referred to it, as handler or co-handler, and the
    # civil-affairs department asked to approve its emergency aid sees it too.
    scope_department_fields = ("department", "co_departments", "assistance__department")

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("诉求")
        indexes = [models.Index(fields=["status", "due_at"], name="request_status_due")]

    def __str__(self) -> str:
        return self.number

    @property
    def overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_at < timezone.now()

    @property
    def requester_phone(self) -> str:
        return crypto.decrypt(self.requester_phone_enc) if self.requester_phone_enc else ""


class RequestEvent(models.Model):
    """Every transition, with who, when and what was said."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"

    @property
    def action_label(self) -> str:
        """The action as the history shows it (受理, 转办…), not its code."""
        from .services import EVENT_LABELS

        return str(EVENT_LABELS.get(self.action, self.action))


class SupervisionNotice(models.Model):
    """督办单: issued when a request is late, once per request and week; the unit answers."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="notices")
    period = models.CharField(max_length=8)  # ISO year-week, e.g. 2026-W48
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "period"], name="one_notice_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.period}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, blank=True)  # "digest" for the daily summary
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text


class AssistanceStatus(models.TextChoices):
    ASSESSED = "assessed", _("已评估")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")
    DISBURSED = "disbursed", _("已发放")


class EmergencyAssistance(models.Model):
    """急难救助: assessed by the officer, approved by civil affairs, then paid out."""

    request = models.OneToOneField(
        ServiceRequest, on_delete=models.CASCADE, related_name="assistance"
    )
    assessment = models.TextField(_("情况评估"))
    kind = models.CharField(_("救助方式"), max_length=50)
    # The civil-affairs department that approves and pays out: the nearest one above the
    # request's unit, set on assessment (empty on aid assessed before it was recorded).
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aid_to_approve",
        verbose_name=_("审批部门"),
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=AssistanceStatus.choices,
        default=AssistanceStatus.ASSESSED,
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    disbursed_at = models.DateTimeField(null=True, blank=True)
    disbursement_note = models.CharField(_("发放记录"), max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.request_id} {self.amount}"


def attachment_path(instance, filename: str) -> str:
    return f"requests/{timezone.now():%Y/%m}/{instance.request_id}-{filename[-80:]}"


class RequestAttachment(models.Model):
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
