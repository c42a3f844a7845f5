"""Code tables of the registry (configuration kept as data, with national codes)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class StaySource(models.TextChoices):
    VISIT = "visit", _("入户走访")
    WINDOW = "window", _("窗口登记")
    POLICE = "police", _("公安数据")
    PORTAL = "portal", _("网上申报")
    IMPORT = "import", _("批量导入")


class ExpectedDuration(models.TextChoices):
    UNDER_6M = "lt6m", _("半年以下")
    M6_12 = "6to12m", _("半年至一年")
    Y1_3 = "1to3y", _("一至三年")
    OVER_3Y = "gt3y", _("三年以上")
    UNKNOWN = "unknown", _("不确定")


class HousingKind(models.TextChoices):
    RENTED = "rented", _("租赁房屋")
    OWN = "own", _("自有房屋")
    DORMITORY = "dormitory", _("单位宿舍")
    WORK_SITE = "work_site", _("工地工棚")
    SHOP = "shop", _("经营场所")
    OTHER = "other", _("其他")


class Education(models.TextChoices):  # GB/T 4658 main levels
    NONE = "90", _("未上过学")
    PRIMARY = "80", _("小学")
    JUNIOR = "70", _("初中")
    SENIOR = "60", _("高中/中专/技校")
    COLLEGE = "30", _("大学专科")
    BACHELOR = "20", _("大学本科")
    POSTGRADUATE = "10", _("研究生")


class Occupation(models.TextChoices):  # GB/T 6565-2015 major groups
    MANAGER = "1", _("单位负责人")
    PROFESSIONAL = "2", _("专业技术人员")
    CLERK = "3", _("办事人员和有关人员")
    SERVICE = "4", _("社会生产服务和生活服务人员")
    FARMING = "5", _("农林牧渔业生产及辅助人员")
    PRODUCTION = "6", _("生产制造及有关人员")
    MILITARY = "7", _("军人")
    OTHER = "8", _("不便分类的其他从业人员")
    NONE = "0", _("无业/学生/离退休")


class MaritalStatus(models.TextChoices):  # GB/T 2261.2
    SINGLE = "10", _("未婚")
    MARRIED = "20", _("已婚")
    WIDOWED = "30", _("丧偶")
    DIVORCED = "40", _("离婚")
    UNKNOWN = "90", _("未说明")


class IncomeBand(models.TextChoices):
    LOW = "lt2k", _("月收入 2000 元以下")
    MID_LOW = "2to5k", _("2000–5000 元")
    MID = "5to10k", _("5000–10000 元")
    HIGH = "gt10k", _("10000 元以上")
    UNKNOWN = "unknown", _("未说明")


class NativeScript(models.TextChoices):
    UYGHUR = "ug", _("维吾尔文")
    TIBETAN = "bo", _("藏文")
    KOREAN = "ko", _("朝鲜文")
    MONGOLIAN = "mn", _("蒙古文")
    KAZAKH = "kk", _("哈萨克文")
    OTHER = "other", _("其他文字")


class Relationship(models.TextChoices):  # GB/T 4761-2008 main codes
    HEAD = "02", _("户主")
    SPOUSE = "10", _("配偶")
    SON = "20", _("子")
    DAUGHTER = "30", pgettext_lazy("relationship", "女")  # not the sex: 女 is also "female"
    GRANDCHILD = "40", _("孙子女")
    PARENT = "50", _("父母")
    SIBLING = "70", _("兄弟姐妹")
    OTHER_RELATIVE = "97", _("其他亲属")
    NON_RELATIVE = "99", _("非亲属")


class Schooling(models.TextChoices):
    NOT_SCHOOL_AGE = "na", _("非学龄")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学在读")
    JUNIOR = "junior", _("初中在读")
    SENIOR = "senior", _("高中在读")
    NOT_ENROLLED = "not_enrolled", _("适龄未入学")
    DROPPED_OUT = "dropped_out", _("辍学")


class InsuranceKind(models.TextChoices):
    PENSION = "pension", _("养老保险")
    MEDICAL = "medical", _("医疗保险")
    UNEMPLOYMENT = "unemployment", _("失业保险")
    INJURY = "injury", _("工伤保险")
    MATERNITY = "maternity", _("生育保险")


class FactCategory(models.TextChoices):
    ASSISTANCE = "assistance", _("救助")
    PROPERTY = "property", _("房产")
    CREDIT = "credit", _("信用")
    TAX = "tax", _("纳税")
    MARRIAGE = "marriage", _("婚姻")
    HEALTH = "health", _("卫生计生")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")


# Which department kinds' liaisons may read each category of department fact. Officers of
# the ethnic-affairs line (street, bureau) see all; grid workers and community officers see
# none (their duty is registration and service, not case files of other departments).
FACT_READERS_BY_DEPARTMENT = {
    FactCategory.ASSISTANCE: {"civil_affairs"},
    FactCategory.PROPERTY: {"housing"},
    FactCategory.CREDIT: {"banking", "market"},
    FactCategory.TAX: {"finance"},
    FactCategory.MARRIAGE: {"civil_affairs"},
    FactCategory.HEALTH: {"health"},
    FactCategory.SOCIAL_INSURANCE: {"human_resources"},
}
FACT_READER_ROLES = {"street_officer", "bureau_officer"}
