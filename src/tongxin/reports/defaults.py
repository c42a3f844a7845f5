"""The basic-situation form (少数民族流动人口基本情况统计表, seed 000 附件2) as shipped.

Plain data: migration 0002 seeds it, and tests restore it after a database flush. A city
changes the columns on the configuration page (or adds its own); this list stays as shipped.
"""

from django.utils.translation import gettext_noop as N_

_MAIN_ETHNICITIES = [
    ("hui", N_("回族"), "03"),
    ("uyghur", N_("维吾尔族"), "05"),
    ("tibetan", N_("藏族"), "04"),
    ("mongol", N_("蒙古族"), "02"),
    ("korean", N_("朝鲜族"), "10"),
    ("manchu", N_("满族"), "11"),
    ("tujia", N_("土家族"), "15"),
    ("miao", N_("苗族"), "06"),
    ("zhuang", N_("壮族"), "08"),
    ("kazakh", N_("哈萨克族"), "17"),
]
_MAIN_ORIGINS = [
    ("xinjiang", N_("新疆"), "65"),
    ("ningxia", N_("宁夏"), "64"),
    ("gansu", N_("甘肃"), "62"),
    ("qinghai", N_("青海"), "63"),
    ("tibet", N_("西藏"), "54"),
    ("henan", N_("河南（省内）"), "41"),
    ("jilin", N_("吉林"), "22"),
    ("inner_mongolia", N_("内蒙古"), "15"),
]

BASIC_TEMPLATE = {
    "code": "basic",
    "title": N_("少数民族流动人口基本情况统计表"),
    # The Nth working day after the period's end, by the level of the unit filing.
    "deadline_days": {"community": 3, "street": 5, "district": 7, "city": 10},
}

# (code, group, label, keys)
BASIC_COLUMNS = [
    ("present", "", N_("期末人数"), "present"),
    ("arrivals", N_("人数变动"), N_("本期流入"), "in"),
    ("departures", N_("人数变动"), N_("本期流出"), "out"),
    ("moved_in", N_("人数变动"), N_("辖区内迁入"), "move_in"),
    ("moved_out", N_("人数变动"), N_("辖区内迁出"), "move_out"),
    ("male", N_("性别"), N_("男"), "sex:1"),
    ("female", N_("性别"), N_("女"), "sex:2"),
    *[(f"eth_{code}", N_("民族"), name, f"eth:{n}") for code, name, n in _MAIN_ETHNICITIES],
    (
        "eth_other",
        N_("民族"),
        N_("其他"),
        "eth:* " + " ".join(f"-eth:{n}" for _c, _name, n in _MAIN_ETHNICITIES),
    ),
    ("age_0_2", N_("年龄"), N_("0–2岁"), "age:0..2"),
    ("age_3_5", N_("年龄"), N_("3–5岁"), "age:3..5"),
    ("age_6_14", N_("年龄"), N_("6–14岁"), "age:6..14"),
    ("age_15_17", N_("年龄"), N_("15–17岁"), "age:15..17"),
    ("age_18_59", N_("年龄"), N_("18–59岁"), "age:18..59"),
    ("age_60", N_("年龄"), N_("60岁及以上"), "age:60..100"),
    ("reason_work", N_("流动原因"), N_("务工"), "rsn:work"),
    ("reason_business", N_("流动原因"), N_("经商"), "rsn:business"),
    ("reason_study", N_("流动原因"), N_("就学"), "rsn:study"),
    ("reason_family", N_("流动原因"), N_("随迁家属"), "rsn:family"),
    ("reason_relatives", N_("流动原因"), N_("投亲靠友"), "rsn:relatives"),
    ("reason_medical", N_("流动原因"), N_("就医"), "rsn:medical"),
    ("reason_other", N_("流动原因"), N_("其他"), "rsn:other"),
    ("housing_rented", N_("住房类别"), N_("租赁房屋"), "hk:rented"),
    ("housing_own", N_("住房类别"), N_("自有房屋"), "hk:own"),
    ("housing_dormitory", N_("住房类别"), N_("单位宿舍"), "hk:dormitory"),
    ("housing_work_site", N_("住房类别"), N_("工地工棚"), "hk:work_site"),
    ("housing_shop", N_("住房类别"), N_("经营场所"), "hk:shop"),
    ("housing_other", N_("住房类别"), N_("其他或未登记"), "hk:other hk:none"),
    *[(f"origin_{code}", N_("流出地"), name, f"orig:{n}") for code, name, n in _MAIN_ORIGINS],
    (
        "origin_other",
        N_("流出地"),
        N_("其他"),
        "orig:* " + " ".join(f"-orig:{n}" for _c, _name, n in _MAIN_ORIGINS),
    ),
    ("stay_lt6m", N_("居住时长"), N_("不满6个月"), "los:lt6m"),
    ("stay_6to12m", N_("居住时长"), N_("6–12个月"), "los:6to12m"),
    ("stay_1to3y", N_("居住时长"), N_("1–3年"), "los:1to3y"),
    ("stay_gt3y", N_("居住时长"), N_("3年以上"), "los:gt3y"),
    ("school_age", N_("学龄儿童（6–14岁）"), N_("人数"), "school_age"),
    ("school_enrolled", N_("学龄儿童（6–14岁）"), N_("在校"), "enrolled"),
    ("insured", "", N_("参加社会保险"), "insured"),
    ("requests_received", N_("诉求服务"), N_("受理"), "req:received"),
    ("requests_resolved", N_("诉求服务"), N_("办结"), "req:resolved"),
    ("disputes_found", N_("矛盾纠纷"), N_("排查发现"), "dsp:found"),
    ("disputes_resolved", N_("矛盾纠纷"), N_("化解"), "dsp:resolved"),
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
