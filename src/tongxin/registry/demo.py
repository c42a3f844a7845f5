"""The demo city: 郑州市 (410100) with its real divisions, grids, member departments,
one account per role, and synthetic persons. Deterministic for a given seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import Department, DepartmentKind, User
from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import department_save, user_create
from tongxin.core.crypto import blind_index, encrypt
from tongxin.geo.models import Level, Unit
from tongxin.geo.services import divisions_load, grids_draw

from .models import Person, Stay, StayReason, mask_document

CITY = "410100"
DISTRICT = "410104"  # 管城回族区
STREET = "410104001"  # 北下街街道
COMMUNITY = "410104001001"  # 新华社区
GRIDS_PER_COMMUNITY = 2

CITY_DEPARTMENTS = [
    DepartmentKind.ETHNIC_AFFAIRS,
    DepartmentKind.POLICE,
    DepartmentKind.EDUCATION,
    DepartmentKind.HEALTH,
    DepartmentKind.HUMAN_RESOURCES,
    DepartmentKind.CIVIL_AFFAIRS,
    DepartmentKind.JUSTICE,
    DepartmentKind.FINANCE,
    DepartmentKind.MARKET,
    DepartmentKind.URBAN_MANAGEMENT,
    DepartmentKind.HOUSING,
    DepartmentKind.CULTURE_TOURISM,
    DepartmentKind.TRANSPORT,
    DepartmentKind.RAILWAY,
    DepartmentKind.AIRPORT,
    DepartmentKind.BANKING,
    DepartmentKind.MEDIA,
    DepartmentKind.SUPERVISION,
]
DISTRICT_DEPARTMENTS = CITY_DEPARTMENTS[:8] + [DepartmentKind.HOUSING, DepartmentKind.MARKET]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    unit: str  # code, or "grid1"/"grid2" for the demo community's grids
    roles: tuple[str, ...]
    scope: str
    department: str = ""


DEMO_USERS = [
    DemoUser("city_admin", "民宗局管理员", CITY, (Role.BUREAU_OFFICER,), DataScope.ALL),
    DemoUser(
        "district_officer", "管城区民宗局干部", DISTRICT, (Role.BUREAU_OFFICER,), DataScope.SUBTREE
    ),
    DemoUser("street_officer", "北下街街道专干", STREET, (Role.STREET_OFFICER,), DataScope.SUBTREE),
    DemoUser(
        "community_officer", "新华社区专干", COMMUNITY, (Role.COMMUNITY_OFFICER,), DataScope.SUBTREE
    ),
    DemoUser("grid_worker_a", "网格员甲", "grid1", (Role.GRID_WORKER,), DataScope.UNIT),
    DemoUser("grid_worker_b", "网格员乙", "grid2", (Role.GRID_WORKER,), DataScope.UNIT),
    DemoUser(
        "police_liaison",
        "公安局联络员",
        CITY,
        (Role.DEPARTMENT_LIAISON,),
        DataScope.SUBTREE,
        "police",
    ),
    DemoUser("leader", "分管领导", CITY, (Role.LEADER,), DataScope.SUBTREE),
    DemoUser("sysadmin", "系统管理员", CITY, (Role.SYSTEM_ADMIN,), DataScope.ALL),
    DemoUser("secadmin", "安全管理员", CITY, (Role.SECURITY_ADMIN,), DataScope.ALL),
    DemoUser("auditor", "安全审计员", CITY, (Role.AUDITOR,), DataScope.ALL),
]

# Origin regions (registered-residence county codes) and the groups most often from there.
ORIGINS = [
    ("650102", "05"),
    ("653101", "05"),
    ("652801", "05"),
    ("650104", "05"),
    ("640104", "03"),
    ("622901", "03"),
    ("630102", "03"),
    ("410104", "03"),
    ("540102", "04"),
    ("632301", "04"),
    ("513301", "04"),
    ("222401", "10"),
    ("220104", "10"),
    ("150102", "02"),
    ("152502", "02"),
    ("210102", "11"),
    ("522601", "06"),
    ("451302", "08"),
    ("433101", "15"),
    ("532901", "14"),
]
HUI_SURNAMES = "马白杨米哈金丁沙穆海纳虎撒"
HAN_GIVEN = "明华英军芳玉兰伟强丽敏静建国志刚秀梅燕海涛慧"
UYGHUR = [
    "买买提",
    "艾力",
    "阿不都",
    "热依拉",
    "古丽",
    "阿依",
    "努尔",
    "吐尔逊",
    "帕提古丽",
    "依明",
    "阿布拉",
    "麦尔丹",
]
TIBETAN = ["扎西", "次仁", "卓玛", "多吉", "央金", "平措", "格桑", "拉姆", "旦增", "德吉"]
KOREAN_SURNAMES = "金李朴崔郑"
MONGOL = ["巴特尔", "其其格", "乌云", "额尔敦", "苏和", "娜仁", "宝音", "图雅"]


def _name(rng: random.Random, ethnicity: str) -> str:
    if ethnicity == "05":
        return f"{rng.choice(UYGHUR)}·{rng.choice(UYGHUR)}"
    if ethnicity == "04":
        return rng.choice(TIBETAN) + rng.choice(TIBETAN)
    if ethnicity == "02":
        return rng.choice(MONGOL) + ("·" + rng.choice(MONGOL) if rng.random() < 0.3 else "")
    surname = rng.choice(KOREAN_SURNAMES if ethnicity == "10" else HUI_SURNAMES)
    return surname + "".join(rng.choice(HAN_GIVEN) for _ in range(rng.choice((1, 2))))


def citizen_id(region: str, birth: date, sequence: int) -> str:
    """A GB 11643 number with a correct check character (odd sequence = male)."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def _demo_grids() -> list[Unit]:
    return list(Unit.objects.filter(parent__code=COMMUNITY, level=Level.GRID).order_by("code")[:2])


@transaction.atomic
def load_demo_city(
    *, persons: int = 0, seed: int = 1, password: str | None = None
) -> dict[str, int]:
    password = password or settings.DEMO_PASSWORD
    divisions = divisions_load(CITY)
    communities = list(Unit.objects.filter(level=Level.COMMUNITY, path__startswith="4101"))
    grids = grids_draw(actor=None, communities=communities, per_community=GRIDS_PER_COMMUNITY)
    units = {u.code: u for u in Unit.objects.filter(code__in=[CITY, DISTRICT])}
    for unit_code, kinds in ((CITY, CITY_DEPARTMENTS), (DISTRICT, DISTRICT_DEPARTMENTS)):
        unit = units[unit_code]
        for kind in kinds:
            code = f"{unit_code}-{kind}"
            if not Department.objects.filter(code=code).exists():
                department_save(
                    actor=None,
                    code=code,
                    name=f"{unit.name}{DepartmentKind(kind).label}部门",
                    kind=kind,
                    unit=unit,
                )
    grid1, grid2 = _demo_grids()
    for spec in DEMO_USERS:
        if User.objects.filter(username=spec.username).exists():
            continue
        unit = {"grid1": grid1, "grid2": grid2}.get(spec.unit) or Unit.objects.get(code=spec.unit)
        department = (
            Department.objects.get(code=f"{CITY}-{spec.department}") if spec.department else None
        )
        user = user_create(
            actor=None,
            username=spec.username,
            password=password,
            unit=unit,
            roles=set(spec.roles),
            data_scope=spec.scope,
            full_name=spec.full_name,
            department=department,
            validate=False,
        )
        if spec.department and department is not None and department.liaison_id is None:
            department.liaison = user
            department.save(update_fields=["liaison"])
    created = load_demo_persons(persons, seed=seed) if persons else 0
    return {"divisions": divisions["total"], "grids": grids, "persons": created}


def load_demo_persons(count: int, *, seed: int) -> int:
    """Synthetic persons spread over the city's grids; the demo grid workers' grids first."""
    rng = random.Random(seed)
    demo_grids = _demo_grids()
    street_grids = list(
        Unit.objects.filter(level=Level.GRID, path__startswith=STREET).order_by("path")
    )
    all_grids = list(
        Unit.objects.filter(level=Level.GRID, path__startswith="4101").order_by("path")
    )
    today = timezone.localdate()
    start = Person.objects.count()
    persons: list[Person] = []
    stays: list[tuple[int, Unit, date, str]] = []
    for i in range(count):
        if i < len(demo_grids) * 5:
            grid = demo_grids[i % len(demo_grids)]
        elif rng.random() < 0.3:
            grid = rng.choice(street_grids)
        else:
            grid = rng.choice(all_grids)
        region, ethnicity = rng.choice(ORIGINS)
        sex = rng.choice("12")
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 72))
        sequence = (start + i) % 499 * 2 + (1 if sex == "1" else 2)
        number = citizen_id(region, birth, sequence)
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        person = Person(
            name=_name(rng, ethnicity),
            sex=sex,
            birth_date=birth,
            ethnicity=ethnicity,
            id_number_enc=encrypt(number),
            id_number_hash=blind_index(number, purpose="id_number"),
            id_number_masked=mask_document(number),
            phone_enc=encrypt(phone),
            phone_hash=blind_index(phone, purpose="phone"),
            unit_path=grid.path,
            present=True,
        )
        persons.append(person)
        arrival = today - timedelta(days=rng.randrange(1, 365 * 6))
        stays.append((i, grid, arrival, rng.choice(StayReason.values)))
    # Duplicate document numbers (same region, birth date, sequence) are skipped, not doubled.
    seen: set[str] = set(Person.objects.values_list("id_number_hash", flat=True))
    unique = []
    for person, stay in zip(persons, stays, strict=True):
        if person.id_number_hash not in seen:
            seen.add(person.id_number_hash)
            unique.append((person, stay))
    Person.objects.bulk_create([p for p, _s in unique], batch_size=500)
    Stay.objects.bulk_create(
        [
            Stay(person=p, grid=g, unit_path=g.path, arrival_date=a, reason=r)
            for p, (_i, g, a, r) in unique
        ],
        batch_size=500,
    )
    return len(unique)
