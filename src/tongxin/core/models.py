from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyCheck(models.Model):
    """A keyed hash of a fixed text, made with the data key the data was encrypted with, so a
    process started with another key refuses to run instead of writing unreadable data."""

    fingerprint = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.fingerprint[:8]


class DeferredIndex(models.Model):
    """An index dropped for a first bulk load, to be built again (`core.bulk`). Written in
    the transaction that drops it, so a load killed halfway leaves the list of what to
    rebuild; `restore_indexes` builds them and deletes the rows."""

    table = models.CharField(max_length=100)
    name = models.CharField(max_length=200, unique=True)
    definition = models.TextField()
    dropped_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A holiday or an adjusted working day (调休上班) of the State Council's yearly notice,
    entered by hand: the chinese-calendar package is released weeks after the notice, and
    until then its next year is Monday to Friday. An entered day wins over the package."""

    day = models.DateField(_("日期"), unique=True)
    workday = models.BooleanField(_("上班"))
    name = models.CharField(_("说明"), max_length=50)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("节假日安排")

    def __str__(self) -> str:
        return f"{self.day} {self.name}"
