"""The basic information database (一人一档): persons, households, housing, stays, and facts
shared by departments. Every model keeps its change history; writes go through services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tongxin.accounts.roles import Cap
from tongxin.core import crypto
from tongxin.core.codes import ETHNICITY_CHOICES, SEX_CHOICES

from .codes import (
    Education,
    ExpectedDuration,
    FactCategory,
    HousingKind,
    IdType,
    IncomeBand,
    MaritalStatus,
    NativeScript,
    Occupation,
    Relationship,
    Schooling,
    StayReason,
    StaySource,
)

ENCRYPTED_FIELDS = {"id_number_enc", "phone_enc", "landlord_phone_enc"}


def mask_document(number: str) -> str:
    """Region code and last four only for ID numbers: 410105********1234."""
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return number[:1] + "*" * max(len(number) - 3, 1) + number[-2:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else ("****" if phone else "")


class Person(models.Model):
    # Names (民委发〔2016〕33号): the legal name in Chinese characters with "·" between parts.
    name = models.CharField(_("姓名"), max_length=300)
    name_as_typed = models.CharField(_("录入时的姓名"), max_length=300, blank=True)
    native_name = models.CharField(_("本民族文字姓名"), max_length=300, blank=True)
    native_script = models.CharField(
        _("本民族文字"), max_length=8, choices=NativeScript.choices, blank=True
    )
    latin_name = models.CharField(_("拉丁字母转写"), max_length=300, blank=True)
    former_names = models.CharField(_("曾用名"), max_length=300, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=SEX_CHOICES)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY_CHOICES)
    ethnicity_other = models.CharField(_("其他民族名称"), max_length=50, blank=True)
    id_type = models.CharField(
        _("证件类型"), max_length=12, choices=IdType.choices, default=IdType.CITIZEN_ID
    )
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=40, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=40, editable=False)
    phone_enc = models.TextField(editable=False, blank=True)
    # Matched exactly (and the name keys below by range): on PostgreSQL their LIKE twins
    # (varchar_pattern_ops) are dropped by migration 0006, only ever written.
    phone_hash = models.CharField(max_length=40, editable=False, blank=True, db_index=True)
    hukou_code = models.CharField(_("户籍地区划代码"), max_length=6, blank=True)
    hukou_address = models.CharField(_("户籍地址"), max_length=300, blank=True)
    origin_code = models.CharField(_("流出地区划代码"), max_length=6, blank=True)
    origin_province = models.CharField(max_length=2, blank=True, editable=False)
    education = models.CharField(_("文化程度"), max_length=2, choices=Education.choices, blank=True)
    occupation = models.CharField(_("职业"), max_length=1, choices=Occupation.choices, blank=True)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    marital_status = models.CharField(
        _("婚姻状况"), max_length=2, choices=MaritalStatus.choices, blank=True
    )
    languages = models.CharField(_("使用语言"), max_length=100, blank=True)
    interpreter_needed = models.BooleanField(_("需要翻译"), default=False)
    insurance_kinds = models.CharField(_("参加社会保险"), max_length=100, blank=True)
    insurance_place = models.CharField(_("参保地"), max_length=100, blank=True)
    income_band = models.CharField(
        _("家庭月收入"), max_length=8, choices=IncomeBand.choices, blank=True
    )
    residence_permit_number = models.CharField(_("居住证号码"), max_length=30, blank=True)
    residence_permit_valid_until = models.DateField(_("居住证有效期至"), null=True, blank=True)

    # Search keys, kept by the services: characters separated by spaces for the full-text
    # index (phrase queries find any substring), pinyin and Latin keys for prefix ranges.
    search_chars = models.TextField(editable=False, blank=True)
    pinyin_full = models.CharField(max_length=300, editable=False, blank=True, db_index=True)
    pinyin_initials = models.CharField(max_length=100, editable=False, blank=True, db_index=True)
    latin_key = models.CharField(max_length=300, editable=False, blank=True, db_index=True)

    # Copied from the current (or last) stay by the services, for fast filtering: the grid's
    # path, whether a stay is open, its arrival date and reason.
    unit_path = models.CharField(max_length=15, editable=False)
    present = models.BooleanField(_("在本地"), default=True)
    arrival_date = models.DateField(_("来本地日期"), null=True, editable=False)
    stay_reason = models.CharField(
        _("流动原因"), max_length=10, choices=StayReason.choices, blank=True, editable=False
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,  # almost always NULL: see the partial indexes in Meta
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["search_chars", "updated_at"],
        # History is read per person; its copies of the search indexes would only slow writes.
        no_db_index=[
            "phone_hash",
            "pinyin_full",
            "pinyin_initials",
            "latin_key",
            "merged_into",
            "created_by",
        ],
    )

    scope_capability = Cap.PERSON_READ
    scope_path_field = "unit_path"
    scope_owner_field = "created_by"

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            # Hash first: the same index answers lookups by document number alone.
            models.UniqueConstraint(
                fields=["id_number_hash", "id_type"], name="unique_person_document"
            )
        ]
        indexes = [
            models.Index(fields=["unit_path", "present"], name="person_unit_present"),
            models.Index(fields=["ethnicity", "unit_path"], name="person_ethnicity_unit"),
            models.Index(fields=["origin_province", "unit_path"], name="person_origin_unit"),
            models.Index(fields=["birth_date"], name="person_birth"),
            # Lists (person_list_for) always exclude merged persons; on SQLite a full index on
            # merged_into (NULL for nearly every row) made the planner walk all rows in id
            # order for them. Partial indexes instead: for "who was merged into X", and for the
            # first page of a unit's or an origin province's persons (docs/performance.md).
            models.Index(
                fields=["merged_into"],
                name="person_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
            models.Index(
                fields=["unit_path", "present"],
                name="person_live_unit_present",
                condition=models.Q(merged_into__isnull=True),
            ),
            models.Index(
                fields=["origin_province"],
                name="person_live_origin",
                condition=models.Q(merged_into__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def scope_grant_q(user) -> models.Q:
        """Persons the user may open through an unexpired break-the-glass grant."""
        return models.Q(
            break_glass_grants__user=user, break_glass_grants__expires_at__gt=timezone.now()
        )

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def age_on(self, day) -> int:
        return (
            day.year
            - self.birth_date.year
            - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
        )


class Housing(models.Model):
    address = models.CharField(_("地址"), max_length=300)
    grid = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("网格")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    kind = models.CharField(_("房屋类别"), max_length=10, choices=HousingKind.choices)
    landlord_name = models.CharField(_("房东（产权人）"), max_length=100, blank=True)
    landlord_phone_enc = models.TextField(editable=False, blank=True)
    rental_start = models.DateField(_("租期起"), null=True, blank=True)
    rental_end = models.DateField(_("租期止"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(no_db_index=["grid", "unit_path", "created_by"])

    scope_capability = Cap.PERSON_READ
    scope_path_field = "unit_path"
    scope_owner_field = "created_by"

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")

    def __str__(self) -> str:
        return self.address

    @property
    def landlord_phone(self) -> str:
        return crypto.decrypt(self.landlord_phone_enc)


class Household(models.Model):
    housing = models.ForeignKey(
        Housing, on_delete=models.PROTECT, null=True, blank=True, related_name="households"
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(no_db_index=["housing", "unit_path", "created_by"])

    scope_capability = Cap.PERSON_READ
    scope_path_field = "unit_path"
    scope_owner_field = "created_by"

    class Meta:
        verbose_name = _("家庭户")
        verbose_name_plural = _("家庭户")

    def __str__(self) -> str:
        head = self.members.filter(relationship=Relationship.HEAD).select_related("person").first()
        return f"{head.person.name}户" if head else f"#{self.pk}"


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    relationship = models.CharField(_("与户主关系"), max_length=2, choices=Relationship.choices)
    schooling = models.CharField(
        _("就学状况"), max_length=16, choices=Schooling.choices, default=Schooling.NOT_SCHOOL_AGE
    )
    history = HistoricalRecords(no_db_index=["household", "person"])

    class Meta:
        verbose_name = _("家庭成员")
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="unique_household_member"),
            # Two officers adding a head to the same household at once both pass the
            # service's check; the database keeps the second out.
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(relationship=Relationship.HEAD),
                name="one_head_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.person_id}"


class Stay(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="stays")
    housing = models.ForeignKey(
        Housing, on_delete=models.PROTECT, null=True, blank=True, related_name="stays"
    )
    address = models.CharField(_("现居住地址"), max_length=300, blank=True)
    grid = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="stays", verbose_name=_("网格")
    )
    unit_path = models.CharField(max_length=15, db_index=True, editable=False)
    arrival_date = models.DateField(_("来本地日期"))
    # A move within the city closes one stay and opens the next: statistics count such
    # stays as moves, not as arrivals and departures, and the length of residence runs
    # from the first arrival of the chain.
    resident_since = models.DateField(_("在本市连续居住起始日期"))
    arrived_by_move = models.BooleanField(_("辖区内迁入"), default=False)
    left_by_move = models.BooleanField(_("辖区内迁出"), default=False)
    reason = models.CharField(_("流动原因"), max_length=10, choices=StayReason.choices)
    expected_duration = models.CharField(
        _("预计居住时间"),
        max_length=8,
        choices=ExpectedDuration.choices,
        default=ExpectedDuration.UNKNOWN,
    )
    departure_date = models.DateField(_("离开日期"), null=True, blank=True)
    destination = models.CharField(_("去向"), max_length=200, blank=True)
    source = models.CharField(
        _("信息来源"), max_length=8, choices=StaySource.choices, default=StaySource.VISIT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords(
        no_db_index=["person", "housing", "grid", "unit_path", "created_by"]
    )

    scope_capability = Cap.PERSON_READ
    scope_path_field = "unit_path"
    scope_owner_field = "created_by"

    class Meta:
        ordering = ["-arrival_date", "-pk"]
        verbose_name = _("居住登记")
        verbose_name_plural = _("居住登记")
        indexes = [models.Index(fields=["arrival_date", "unit_path"], name="stay_arrival_unit")]
        constraints = [
            # A person has at most one open stay: the moment they are "present".
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(departure_date__isnull=True),
                name="one_open_stay",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.grid_id} {self.arrival_date}"


class GridChange(models.Model):
    """A journal for the statistics: what they count on this grid may have changed from
    `since` on. Written in the same transaction as the change (services and bulk paths),
    read and cleared by `reports.counts.refresh`, so no change is missed or counted twice."""

    grid = models.ForeignKey("geo.Unit", on_delete=models.CASCADE, related_name="+")
    since = models.DateField()

    def __str__(self) -> str:
        return f"{self.grid_id} since {self.since}"


class DepartmentFact(models.Model):
    """A fact a department shares about a person (assistance, tax, health…)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="facts")
    category = models.CharField(_("类别"), max_length=20, choices=FactCategory.choices)
    value = models.CharField(_("内容"), max_length=500)
    as_of = models.DateField(_("截至日期"))
    source_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("来源部门"),
    )
    history = HistoricalRecords(no_db_index=["person", "source_department"])

    class Meta:
        ordering = ["category", "-as_of"]
        verbose_name = _("部门信息")

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.value}"


class BreakGlassGrant(models.Model):
    """Time-limited access to one person outside the user's scope, with a stated reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="break_glass_grants")
    reason = models.CharField(_("事由"), max_length=300)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "person", "expires_at"], name="break_glass_lookup")]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.person_id}"


class DuplicateRule(models.Model):
    """A rule for probable duplicates: persons equal on all these fields (configuration)."""

    name = models.CharField(_("规则名称"), max_length=100)
    fields = models.CharField(_("比对字段"), max_length=200, help_text=_("逗号分隔的字段名"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("疑似重复规则")

    def __str__(self) -> str:
        return self.name

    def field_list(self) -> list[str]:
        return [f.strip() for f in self.fields.split(",") if f.strip()]


class PersonMerge(models.Model):
    """Who merged which duplicate into which person, with the duplicate as it was."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField()
    moved = models.JSONField(default=dict)
    reason = models.CharField(_("合并理由"), max_length=300)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.merged_id}→{self.survivor_id}"


class VisitDraft(models.Model):
    """A household visit in progress, saved as typed so nothing is lost (encrypted)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data_enc = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"visit draft {self.pk}"

    @property
    def data(self) -> dict:
        import json

        return json.loads(crypto.decrypt(self.data_enc) or "{}")

    @data.setter
    def data(self, value: dict) -> None:
        import json

        self.data_enc = crypto.encrypt(json.dumps(value, ensure_ascii=False))
