"""Demo coordination for the demo city: two supervision tasks (one assignment overdue), a
circulation notice, an assessment in progress, two window units inspected (one to rectify),
the city's joint meeting two months ago with a decision turned into an action item (the
district has held none: its six-month warning shows), the partner region 新疆和田地区 with
its working station, contacts, exchanges, the annual origin–destination meeting, and the
demo account `origin_liaison`. Deterministic for a seed (dates relative to today)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import user_create
from tongxin.disputes.models import Dispute
from tongxin.geo.models import Unit

from . import services
from .defaults import ensure_defaults
from .models import (
    Attendance,
    ChecklistTemplate,
    PartnerRegion,
    SupervisionTask,
    TaskAssignment,
)

CITY, DISTRICT, STREET = "410100", "410104", "410104001"
REGION = "新疆维吾尔自治区和田地区"


def _at(day, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _department(kind: str, unit: str = CITY) -> Department:
    return Department.objects.get(code=f"{unit}-{kind}")


def load_demo_coordination(*, seed: int, password: str = "") -> int:
    """Returns 1 when loaded, 0 when the demo city has its coordination data already."""
    ensure_defaults()
    city = Unit.objects.filter(code=CITY).first()
    admin = User.objects.filter(username="city_admin").first()
    street_officer = User.objects.filter(username="street_officer").first()
    if city is None or admin is None or street_officer is None:
        return 0
    if PartnerRegion.objects.filter(unit=city, name=REGION).exists():
        return 0
    rng = random.Random(seed)
    today = timezone.localdate()
    street = Unit.objects.get(code=STREET)
    with transaction.atomic():
        # Supervision: the special inspection of the year, one assignment already late.
        task = services.task_create(
            actor=admin,
            title="开展少数民族流动人口服务管理工作专项督查",
            description="对照实施方案逐项自查服务管理工作落实情况，形成书面报告报市领导小组办公室。",
            source="市领导小组第一次全体会议部署",
            due_date=today + timedelta(days=20),
            assignees=[
                services.Assignee(unit=street),
                services.Assignee(department=_department("education")),
                services.Assignee(department=_department("human_resources", DISTRICT)),
            ],
        )
        SupervisionTask.objects.filter(pk=task.pk).update(created_at=_at(today - timedelta(30)))
        late = task.assignments.get(department__code=f"{DISTRICT}-human_resources")
        TaskAssignment.objects.filter(pk=late.pk).update(due_date=today - timedelta(days=5))
        services.progress_report(
            actor=street_officer,
            assignment=task.assignments.get(unit=street),
            note="已完成 7 个社区的自查，正在汇总问题清单。",
            percent=60,
        )
        done = services.task_create(
            actor=admin,
            title="做好开斋节期间少数民族流动人口服务保障",
            description="节日期间加强清真食品市场供应和价格巡查，做好矛盾纠纷排查。",
            source="市民宗局部署",
            due_date=today + timedelta(days=1),
            assignees=[services.Assignee(unit=street)],
        )
        SupervisionTask.objects.filter(pk=done.pk).update(created_at=_at(today - timedelta(50)))
        assignment = done.assignments.get()
        TaskAssignment.objects.filter(pk=assignment.pk).update(due_date=today - timedelta(days=30))
        assignment.refresh_from_db()
        services.assignment_submit(
            actor=street_officer,
            assignment=assignment,
            note="节日期间巡查清真食品经营户 46 户，排查化解纠纷 2 起，未发生影响民族团结的事件。",
        )
        TaskAssignment.objects.filter(pk=assignment.pk).update(
            submitted_at=_at(today - timedelta(days=32), 17)
        )
        assignment.refresh_from_db()
        services.assignment_review(actor=admin, assignment=assignment, approve=True)
        notice = services.notice_generate(
            actor=admin,
            kind="progress",
            title="关于上半年督查督办事项办理情况的通报",
            period_from=today - timedelta(days=90),
            period_to=today,
        )
        services.notice_update(
            actor=admin,
            notice=notice,
            title=notice.title,
            number=f"郑民宗督〔{today.year}〕1号",
            body=notice.body,
        )
        services.notice_issue(actor=admin, notice=notice)
        services.assessment_open(actor=admin, year=today.year, unit=street)

        # Inspections of window units.
        hotel = services.window_unit_create(
            actor=admin,
            name="商城路宾馆",
            kind="hotel",
            unit=street,
            address="管城回族区商城路 18 号",
            department=_department("culture_tourism"),
        )
        school = services.window_unit_create(
            actor=admin,
            name="北下街小学",
            kind="school",
            unit=street,
            address="管城回族区北下街 5 号",
            department=_department("education"),
        )
        catering = ChecklistTemplate.objects.get(code="catering")
        items = list(catering.items.filter(active=True))
        results = {i.pk: ("pass", "") for i in items}
        results[items[1].pk] = ("fail", "清真餐饮窗口无规范标识，餐具未分开存放；限期整改。")
        services.inspection_record(
            actor=admin,
            window_unit=hotel,
            template=catering,
            inspected_on=today - timedelta(days=20),
            inspectors="市民宗局 李某、市文广旅局 王某",
            summary="宾馆设有清真餐厅，总体规范，个别问题须整改。",
            rectification_due=today + timedelta(days=10),
            results=results,
        )
        general = ChecklistTemplate.objects.get(code="window_general")
        services.inspection_record(
            actor=admin,
            window_unit=school,
            template=general,
            inspected_on=today - timedelta(days=35),
            inspectors="市民宗局 李某、市教育局 赵某",
            results={i.pk: ("pass", "") for i in general.items.filter(active=True)},
        )

        # The partner region, its station, contacts, exchanges and liaison account.
        region = services.region_create(
            actor=admin,
            name=REGION,
            code="653200",
            unit=city,
            agreement="信息互通、矛盾纠纷联合调处、干部双向挂职交流、每年召开一次联席会议。",
            since=today.replace(month=1, day=1) - timedelta(days=365 * 2),
        )
        station = services.station_add(
            actor=admin,
            region=region,
            name="和田地区驻郑州市工作站",
            address="郑州市管城回族区紫荆山南路 66 号",
            phone="0371-66000000",
            established_on=today - timedelta(days=700),
        )
        services.contact_add(
            actor=admin,
            region=region,
            station=station,
            name="艾尔肯·吐尔逊",
            position="站长",
            organisation="和田地区驻郑州市工作站",
            phone=f"139{rng.randrange(10**8):08d}",
            languages="维吾尔语、汉语",
        )
        services.contact_add(
            actor=admin,
            region=region,
            name="阿依古丽·买买提",
            position="科长",
            organisation="和田地区民族宗教事务委员会",
            phone=f"0903-{rng.randrange(10**7):07d}",
            languages="维吾尔语、汉语",
        )
        case = Dispute.objects.filter(unit_path__startswith=STREET, kind="wages").first()
        services.exchange_add(
            actor=admin,
            region=region,
            kind="information",
            date=today - timedelta(days=40),
            title="通报来郑务工人员就业和子女入学情况",
            content="向工作站通报本季度来郑务工人员就业培训 3 期、子女入学 12 人的情况。",
        )
        services.exchange_add(
            actor=admin,
            region=region,
            kind="joint_case",
            date=today - timedelta(days=100),
            title="联合调处一起劳资纠纷",
            content="工作站派员参加调解并担任翻译，欠薪已结清。",
            dispute_number=case.number if case else "",
        )
        services.exchange_add(
            actor=admin,
            region=region,
            kind="cadre",
            date=today - timedelta(days=150),
            title="干部双向挂职交流方案（内部讨论稿）",
            content="拟选派 2 名干部赴和田地区挂职一年，人选待定。",
            shared=False,
        )
        liaison = User.objects.filter(username="origin_liaison").first()
        if liaison is None:
            liaison = user_create(
                actor=None,
                username="origin_liaison",
                password=password,
                unit=city,
                roles={Role.ORIGIN_LIAISON},
                data_scope=DataScope.UNIT,
                full_name="和田地区驻郑工作站联络员",
                validate=False,
            )
        if not hasattr(liaison, "liaison_of"):
            services.liaison_link(actor=admin, region=region, user=liaison)

        # Joint meetings: the city's body two months ago, the annual origin–destination one.
        meeting = services.meeting_create(
            actor=admin,
            title="少数民族流动人口服务管理工作联席会议",
            kind="regular",
            date=today - timedelta(days=60),
            place="市民宗局三楼会议室",
            chair="分管副市长",
            agenda="一、通报上半年工作情况；二、研究流动人口子女入学和就业培训问题；三、部署下半年工作。",
        )
        present = {
            a.pk: f"{a.department.name}负责同志"
            for a in meeting.attendances.select_related("department")
            if a.department and rng.random() < 0.8
        }
        services.meeting_record(
            actor=admin,
            meeting=meeting,
            minutes="会议听取了各成员单位工作汇报，研究了子女入学和就业培训问题，形成两项议定事项。",
            present=present,
            others=["和田地区驻郑州市工作站站长"],
        )
        first = services.decision_add(
            actor=admin,
            meeting=meeting,
            text="市人社局牵头，年内为少数民族流动人口举办两期清真餐饮技能培训。",
        )
        services.decision_add(
            actor=admin,
            meeting=meeting,
            text="市教育局会同各区做好随迁子女秋季入学工作，开学前报送安排情况。",
        )
        services.decision_to_task(
            actor=admin,
            decision=first,
            assignees=[
                services.Assignee(department=_department("human_resources")),
                services.Assignee(department=_department("civil_affairs")),
            ],
            due_date=today + timedelta(days=45),
        )
        annual = services.meeting_create(
            actor=admin,
            title=f"{today.year}年郑州市—和田地区少数民族流动人口服务管理联席会议",
            kind="origin_destination",
            date=max(today - timedelta(days=90), today.replace(month=1, day=1)),
            place="郑州市",
            chair="市民宗局局长",
            agenda="双方通报流动人口服务管理情况，商定信息互通和联合调处机制。",
            partner_regions=[region],
        )
        services.meeting_record(
            actor=admin,
            meeting=annual,
            minutes="双方同意每月互通来郑务工人员信息，重大纠纷 24 小时内通报并联合调处。",
            present={
                a.pk: "" for a in annual.attendances.filter(department__kind="ethnic_affairs")
            },
            others=["和田地区民族宗教事务委员会代表", "和田地区驻郑州市工作站站长"],
        )
        services.decision_add(
            actor=admin, meeting=annual, text="建立每月信息互通和重大纠纷 24 小时通报机制。"
        )
        Attendance.objects.filter(meeting=annual, name="").update(name="市民宗局负责同志")
    return 1
