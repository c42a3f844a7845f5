"""Append-only, hash-chained audit events (ADR 0003)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账户锁定")
    LOGOUT = "logout", _("退出")
    SESSION_TIMEOUT = "session_timeout", _("会话超时")
    OTP_FAILED = "otp_failed", _("动态口令错误")
    READ = "read", _("查看个人信息")
    BREAK_GLASS = "break_glass", _("紧急授权访问")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    PERMISSION = "permission", _("权限变更")
    PASSWORD = "password", _("密码变更")
    POLICY = "policy", _("安全策略变更")
    VERIFY = "verify", _("审计链校验")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_username = models.CharField(_("操作人"), max_length=150, blank=True, db_index=True)
    actor_unit = models.CharField(_("操作人单位"), max_length=15, blank=True)
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True, db_index=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    purpose = models.CharField(_("目的"), max_length=300, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    client_ip = models.CharField(_("客户端地址"), max_length=45, blank=True)
    detail = models.TextField(_("详情"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.actor_username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")


class ChainHead(models.Model):
    """One row: the last sequence number and hash, so a deleted tail is detected too."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"#{self.last_seq}"
