from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.roles import Cap

# The sidebar: (url name, label, capability). Shown only where the user has the capability.
NAVIGATION = [
    ("home", _("工作台"), None),
    ("registry:person_list", _("人员信息"), Cap.PERSON_READ),
    ("registry:household_list", _("家庭户"), Cap.PERSON_READ),
    ("registry:housing_list", _("房屋信息"), Cap.PERSON_READ),
    ("services:request_list", _("诉求服务"), Cap.REQUEST_READ),
    ("services:metrics", _("诉求统计"), Cap.DASHBOARD),
    ("disputes:screening_list", _("矛盾纠纷排查"), Cap.DISPUTE_READ),
    ("disputes:dispute_list", _("矛盾纠纷调处"), Cap.DISPUTE_READ),
    ("disputes:statistics", _("纠纷统计"), Cap.DASHBOARD),
    ("analytics:dashboard", _("数据看板"), Cap.DASHBOARD),
    ("reports:index", _("统计报表"), Cap.DASHBOARD),
    ("coordination:task_list", _("督查督办"), Cap.COORDINATION_READ),
    ("coordination:inspection_list", _("监督检查"), Cap.COORDINATION_READ),
    ("coordination:meeting_list", _("联席会议"), Cap.COORDINATION_READ),
    ("coordination:region_list", _("流出地协作"), Cap.COOPERATION_READ),
    ("exchange:import_list", _("批量导入"), Cap.PERSON_IMPORT),
    ("geo:root", _("辖区与网格"), Cap.GEO_READ),
    ("accounts:department_list", _("成员单位"), Cap.GEO_READ),
    ("accounts:user_list", _("账户管理"), Cap.ACCOUNT_MANAGE),
    ("accounts:policy", _("安全策略"), Cap.POLICY_MANAGE),
    ("work_calendar", _("节假日安排"), Cap.CALENDAR_MANAGE),
    ("audit:events", _("审计日志"), Cap.AUDIT_READ),
]


def _opens_forms(user) -> bool:
    from tongxin.reports.selectors import opens_forms

    return opens_forms(user)


# Entries shown only where, beyond the capability, the page has something for the user.
CONDITIONS = {"reports:index": _opens_forms}


def shell(request):
    user = getattr(request, "user", None)
    nav = []
    unread = 0
    if user is not None and user.is_authenticated:
        nav = [
            (name, label)
            for name, label, cap in NAVIGATION
            if (cap is None or user.can(cap)) and (name not in CONDITIONS or CONDITIONS[name](user))
        ]
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "nav_items": nav,
        "demo_mode": settings.DEMO,
        "languages": settings.LANGUAGES,
        "unread": unread,
    }
