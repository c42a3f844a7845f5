"""Roles, data scopes and what each role may do.

Capabilities are checked by views and the API; which rows a user sees is decided only by
`accounts.scoping`. 三员分立: the system admin manages accounts, the security admin the
policy, the auditor reads the audit log — none of the three reads personal data.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_OFFICER = "community_officer", _("社区专干")
    STREET_OFFICER = "street_officer", _("街道民宗专干")
    BUREAU_OFFICER = "bureau_officer", _("民宗局工作人员")
    DEPARTMENT_LIAISON = "department_liaison", _("部门联络员")
    LEADER = "leader", _("领导")
    ORIGIN_LIAISON = "origin_liaison", _("流出地联络员")
    SYSTEM_ADMIN = "sysadmin", _("系统管理员")
    SECURITY_ADMIN = "secadmin", _("安全管理员")
    AUDITOR = "auditor", _("安全审计员")


class DataScope(models.TextChoices):
    ALL = "all", _("全部数据")
    SUBTREE = "subtree", _("本单位及下级")
    UNIT = "unit", _("仅本单位")
    OWN = "own", _("仅本人录入")


class Cap(models.TextChoices):
    PERSON_READ = "person.read", _("查看人员信息")
    PERSON_WRITE = "person.write", _("登记人员信息")
    PERSON_FULL_ID = "person.full_id", _("查看完整证件号码")
    BREAK_GLASS = "person.break_glass", _("紧急授权访问辖区外人员")
    PERSON_MERGE = "person.merge", _("合并重复档案")
    PERSON_EXPORT = "person.export", _("导出人员名单")
    PERSON_IMPORT = "person.import", _("批量导入人员")
    # Lists of requests, disputes and tasks as Excel or CSV (masked, audited); persons have
    # their own right above.
    LIST_EXPORT = "list.export", _("导出工作清单")
    REQUEST_READ = "request.read", _("查看诉求")
    REQUEST_HANDLE = "request.handle", _("受理和转办诉求")
    REQUEST_DEPARTMENT = "request.department", _("部门办理诉求")
    GEO_MANAGE = "geo.manage", _("管理网格")
    GEO_READ = "geo.read", _("查看辖区")
    DEPARTMENT_MANAGE = "department.manage", _("管理成员单位")
    DASHBOARD = "dashboard.read", _("查看统计")
    REPORT_FILE = "report.file", _("填报统计报表")
    REPORT_REVIEW = "report.review", _("审核下级统计报表")
    REPORT_CONFIGURE = "report.configure", _("配置统计报表")
    SCREENING_FILE = "screening.file", _("填报月度矛盾纠纷排查")
    DISPUTE_READ = "dispute.read", _("查看矛盾纠纷")
    DISPUTE_WRITE = "dispute.write", _("登记和调处矛盾纠纷")
    DISPUTE_REVIEW = "dispute.review", _("复核涉民族因素认定")
    COORDINATION_READ = "coordination.read", _("查看督查督办、监督检查和联席会议")
    COORDINATION_MANAGE = "coordination.manage", _("交办督查任务、召开联席会议、年度考核")
    INSPECTION_MANAGE = "inspection.manage", _("开展窗口单位监督检查")
    COOPERATION_READ = "cooperation.read", _("查看流出地协作")
    COOPERATION_MANAGE = "cooperation.manage", _("管理流出地协作")
    ACCOUNT_MANAGE = "account.manage", _("管理账户")
    POLICY_MANAGE = "policy.manage", _("管理安全策略")
    AUDIT_READ = "audit.read", _("查看审计日志")
    CALENDAR_MANAGE = "calendar.manage", _("维护节假日安排")


_STAFF_READ = {Cap.PERSON_READ, Cap.GEO_READ, Cap.DASHBOARD, Cap.REQUEST_READ, Cap.REQUEST_HANDLE}
# Disputes are recorded where they arise (grid, community); the monthly screening report is
# the community's; "involves ethnic factors" is confirmed by a senior (street or above).
_DISPUTES = {Cap.DISPUTE_READ, Cap.DISPUTE_WRITE}
CAPABILITIES: dict[str, set[str]] = {
    Role.GRID_WORKER: _STAFF_READ | _DISPUTES | {Cap.PERSON_WRITE},
    Role.COMMUNITY_OFFICER: _STAFF_READ
    | _DISPUTES
    | {
        Cap.PERSON_WRITE,
        Cap.GEO_MANAGE,
        Cap.PERSON_EXPORT,
        Cap.PERSON_IMPORT,
        Cap.LIST_EXPORT,
        Cap.SCREENING_FILE,
        Cap.REPORT_FILE,
    },
    Role.STREET_OFFICER: _STAFF_READ
    | _DISPUTES
    | {
        Cap.SCREENING_FILE,
        Cap.REPORT_FILE,
        Cap.REPORT_REVIEW,
        Cap.DISPUTE_REVIEW,
        Cap.COORDINATION_READ,
        Cap.PERSON_WRITE,
        Cap.GEO_MANAGE,
        Cap.PERSON_FULL_ID,
        Cap.BREAK_GLASS,
        Cap.PERSON_MERGE,
        Cap.PERSON_EXPORT,
        Cap.PERSON_IMPORT,
        Cap.LIST_EXPORT,
    },
    Role.BUREAU_OFFICER: _STAFF_READ
    | _DISPUTES
    | {
        Cap.SCREENING_FILE,
        Cap.REPORT_FILE,
        Cap.REPORT_REVIEW,
        Cap.REPORT_CONFIGURE,
        Cap.DISPUTE_REVIEW,
        Cap.COORDINATION_READ,
        Cap.COORDINATION_MANAGE,
        Cap.INSPECTION_MANAGE,
        Cap.COOPERATION_READ,
        Cap.COOPERATION_MANAGE,
        Cap.PERSON_WRITE,
        Cap.GEO_MANAGE,
        Cap.DEPARTMENT_MANAGE,
        Cap.PERSON_FULL_ID,
        Cap.BREAK_GLASS,
        Cap.PERSON_MERGE,
        Cap.PERSON_EXPORT,
        Cap.PERSON_IMPORT,
        Cap.LIST_EXPORT,
    },
    Role.DEPARTMENT_LIAISON: {
        Cap.PERSON_READ,
        Cap.GEO_READ,
        Cap.REQUEST_READ,
        Cap.REQUEST_DEPARTMENT,
        Cap.COORDINATION_READ,  # the tasks, inspections and meetings of its department
        Cap.LIST_EXPORT,
    },
    Role.LEADER: {Cap.DASHBOARD, Cap.GEO_READ, Cap.COORDINATION_READ},
    # Staff of an origin region's working station see only what is shared with their region
    # (accounts.scoping, `scope_liaison_q`), nothing of the city's registry or jurisdiction.
    Role.ORIGIN_LIAISON: {Cap.COOPERATION_READ},
    Role.SYSTEM_ADMIN: {Cap.ACCOUNT_MANAGE, Cap.GEO_READ, Cap.CALENDAR_MANAGE},
    Role.SECURITY_ADMIN: {Cap.POLICY_MANAGE},
    Role.AUDITOR: {Cap.AUDIT_READ},
}

# Roles that must log in with a second factor (等保 level 3: administrators).
SECOND_FACTOR_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}
