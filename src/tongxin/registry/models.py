"""Persons and their stays (the registry issue extends these into the full 一人一档)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.roles import Cap
from tongxin.core import crypto
from tongxin.core.codes import ETHNICITY_CHOICES, SEX_CHOICES


class IdType(models.TextChoices):
    CITIZEN_ID = "citizen_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_PERMIT = "hk_macao", _("港澳居民居住证/通行证")
    TAIWAN_PERMIT = "taiwan", _("台湾居民居住证/通行证")
    FOREIGNER_CARD = "foreigner", _("外国人永久居留身份证")


class StayReason(models.TextChoices):
    WORK = "work", _("务工")
    BUSINESS = "business", _("经商")
    STUDY = "study", _("就学")
    FAMILY = "family", _("随迁家属")
    RELATIVES = "relatives", _("投亲靠友")
    MEDICAL = "medical", _("就医")
    OTHER = "other", _("其他")


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=200)
    sex = models.CharField(_("性别"), max_length=1, choices=SEX_CHOICES)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY_CHOICES)
    id_type = models.CharField(
        _("证件类型"), max_length=12, choices=IdType.choices, default=IdType.CITIZEN_ID
    )
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=40, editable=False, db_index=True)
    # Shown in lists: region code and last four only (410105********1234).
    id_number_masked = models.CharField(_("证件号码"), max_length=40, editable=False)
    phone_enc = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=40, editable=False, blank=True, db_index=True)
    # Path of the grid of the current (or last) stay: the row's place in the jurisdiction tree.
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    present = models.BooleanField(_("在本地"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_capability = Cap.PERSON_READ
    scope_path_field = "unit_path"
    scope_owner_field = "created_by"

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_number_hash"], name="unique_person_document"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    def set_id_number(self, number: str) -> None:
        self.id_number_enc = crypto.encrypt(number)
        self.id_number_hash = crypto.blind_index(number.upper(), purpose="id_number")
        self.id_number_masked = mask_document(number)

    def set_phone(self, phone: str) -> None:
        self.phone_enc = crypto.encrypt(phone)
        self.phone_hash = crypto.blind_index(phone, purpose="phone")


def mask_document(number: str) -> str:
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return number[:1] + "*" * max(len(number) - 3, 1) + number[-2:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


class Stay(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="stays")
    grid = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="stays")
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    arrival_date = models.DateField(_("来本地日期"))
    reason = models.CharField(_("流动原因"), max_length=10, choices=StayReason.choices)
    departure_date = models.DateField(_("离开日期"), null=True, blank=True)

    scope_capability = Cap.PERSON_READ
    scope_path_field = "unit_path"

    class Meta:
        ordering = ["-arrival_date"]
        verbose_name = _("居住登记")

    def __str__(self) -> str:
        return f"{self.person_id}@{self.grid_id} {self.arrival_date}"
