"""The basic-situation form (少数民族流动人口基本情况统计表, seed 000 附件2) as shipped.

Plain data: migration 0002 seeds it, and tests restore it after a database flush. A city
changes the columns on the configuration page (or adds its own); this list stays as shipped.
"""

from django.utils.translation import gettext_noop

_MAIN_ETHNICITIES = [
    ("hui", gettext_noop("回族"), "03"),
    ("uyghur", gettext_noop("维吾尔族"), "05"),
    ("tibetan", gettext_noop("藏族"), "04"),
    ("mongol", gettext_noop("蒙古族"), "02"),
    ("korean", gettext_noop("朝鲜族"), "10"),
    ("manchu", gettext_noop("满族"), "11"),
    ("tujia", gettext_noop("土家族"), "15"),
    ("miao", gettext_noop("苗族"), "06"),
    ("zhuang", gettext_noop("壮族"), "08"),
    ("kazakh", gettext_noop("哈萨克族"), "17"),
]
_MAIN_ORIGINS = [
    ("xinjiang", gettext_noop("新疆"), "65"),
    ("ningxia", gettext_noop("宁夏"), "64"),
    ("gansu", gettext_noop("甘肃"), "62"),
    ("qinghai", gettext_noop("青海"), "63"),
    ("tibet", gettext_noop("西藏"), "54"),
    ("henan", gettext_noop("河南（省内）"), "41"),
    ("jilin", gettext_noop("吉林"), "22"),
    ("inner_mongolia", gettext_noop("内蒙古"), "15"),
]

BASIC_TEMPLATE = {
    "code": "basic",
    "title": gettext_noop("少数民族流动人口基本情况统计表"),
    # The Nth working day after the period's end, by the level of the unit filing.
    "deadline_days": {"community": 3, "street": 5, "district": 7, "city": 10},
}

# (code, group, label, keys)
BASIC_COLUMNS = [
    ("present", "", gettext_noop("期末人数"), "present"),
    ("arrivals", gettext_noop("人数变动"), gettext_noop("本期流入"), "in"),
    ("departures", gettext_noop("人数变动"), gettext_noop("本期流出"), "out"),
    ("moved_in", gettext_noop("人数变动"), gettext_noop("辖区内迁入"), "move_in"),
    ("moved_out", gettext_noop("人数变动"), gettext_noop("辖区内迁出"), "move_out"),
    ("male", gettext_noop("性别"), gettext_noop("男"), "sex:1"),
    ("female", gettext_noop("性别"), gettext_noop("女"), "sex:2"),
    *[
        (f"eth_{code}", gettext_noop("民族"), name, f"eth:{n}")
        for code, name, n in _MAIN_ETHNICITIES
    ],
    (
        "eth_other",
        gettext_noop("民族"),
        gettext_noop("其他"),
        "eth:* " + " ".join(f"-eth:{n}" for _c, _name, n in _MAIN_ETHNICITIES),
    ),
    ("age_0_2", gettext_noop("年龄"), gettext_noop("0–2岁"), "age:0..2"),
    ("age_3_5", gettext_noop("年龄"), gettext_noop("3–5岁"), "age:3..5"),
    ("age_6_14", gettext_noop("年龄"), gettext_noop("6–14岁"), "age:6..14"),
    ("age_15_17", gettext_noop("年龄"), gettext_noop("15–17岁"), "age:15..17"),
    ("age_18_59", gettext_noop("年龄"), gettext_noop("18–59岁"), "age:18..59"),
    ("age_60", gettext_noop("年龄"), gettext_noop("60岁及以上"), "age:60..100"),
    ("reason_work", gettext_noop("流动原因"), gettext_noop("务工"), "rsn:work"),
    ("reason_business", gettext_noop("流动原因"), gettext_noop("经商"), "rsn:business"),
    ("reason_study", gettext_noop("流动原因"), gettext_noop("就学"), "rsn:study"),
    ("reason_family", gettext_noop("流动原因"), gettext_noop("随迁家属"), "rsn:family"),
    ("reason_relatives", gettext_noop("流动原因"), gettext_noop("投亲靠友"), "rsn:relatives"),
    ("reason_medical", gettext_noop("流动原因"), gettext_noop("就医"), "rsn:medical"),
    ("reason_other", gettext_noop("流动原因"), gettext_noop("其他"), "rsn:other"),
    ("housing_rented", gettext_noop("住房类别"), gettext_noop("租赁房屋"), "hk:rented"),
    ("housing_own", gettext_noop("住房类别"), gettext_noop("自有房屋"), "hk:own"),
    ("housing_dormitory", gettext_noop("住房类别"), gettext_noop("单位宿舍"), "hk:dormitory"),
    ("housing_work_site", gettext_noop("住房类别"), gettext_noop("工地工棚"), "hk:work_site"),
    ("housing_shop", gettext_noop("住房类别"), gettext_noop("经营场所"), "hk:shop"),
    ("housing_other", gettext_noop("住房类别"), gettext_noop("其他或未登记"), "hk:other hk:none"),
    *[
        (f"origin_{code}", gettext_noop("流出地"), name, f"orig:{n}")
        for code, name, n in _MAIN_ORIGINS
    ],
    (
        "origin_other",
        gettext_noop("流出地"),
        gettext_noop("其他"),
        "orig:* " + " ".join(f"-orig:{n}" for _c, _name, n in _MAIN_ORIGINS),
    ),
    ("stay_lt6m", gettext_noop("居住时长"), gettext_noop("不满6个月"), "los:lt6m"),
    ("stay_6to12m", gettext_noop("居住时长"), gettext_noop("6–12个月"), "los:6to12m"),
    ("stay_1to3y", gettext_noop("居住时长"), gettext_noop("1–3年"), "los:1to3y"),
    ("stay_gt3y", gettext_noop("居住时长"), gettext_noop("3年以上"), "los:gt3y"),
    ("school_age", gettext_noop("学龄儿童（6–14岁）"), gettext_noop("人数"), "school_age"),
    ("school_enrolled", gettext_noop("学龄儿童（6–14岁）"), gettext_noop("在校"), "enrolled"),
    ("insured", "", gettext_noop("参加社会保险"), "insured"),
    ("requests_received", gettext_noop("诉求服务"), gettext_noop("受理"), "req:received"),
    ("requests_resolved", gettext_noop("诉求服务"), gettext_noop("办结"), "req:resolved"),
    ("disputes_found", gettext_noop("矛盾纠纷"), gettext_noop("排查发现"), "dsp:found"),
    ("disputes_resolved", gettext_noop("矛盾纠纷"), gettext_noop("化解"), "dsp:resolved"),
]


def seed(ReportTemplate, ReportColumn) -> None:
    """Create the basic form and its columns unless it exists (models passed in, so the
    migration can use its historical ones)."""
    template, created = ReportTemplate.objects.get_or_create(
        code=BASIC_TEMPLATE["code"],
        defaults={
            "title": BASIC_TEMPLATE["title"],
            "deadline_days": BASIC_TEMPLATE["deadline_days"],
        },
    )
    if not created:
        return
    ReportColumn.objects.bulk_create(
        [
            ReportColumn(
                template=template, code=code, group=group, label=label, keys=keys, order=i * 10
            )
            for i, (code, group, label, keys) in enumerate(BASIC_COLUMNS, start=1)
        ]
    )


def restore_defaults() -> None:
    """Put the shipped form back if it is missing (a flushed test database, the demo)."""
    from .models import CountsState, ReportColumn, ReportTemplate

    seed(ReportTemplate, ReportColumn)
    CountsState.objects.get_or_create(pk=1)
