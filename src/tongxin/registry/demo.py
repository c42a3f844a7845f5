"""The demo city: 郑州市 (410100) with its real divisions, grids, member departments,
one account per role, and synthetic persons. Deterministic for a given seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tongxin.accounts.models import Department, DepartmentKind, User
from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import department_save, user_create
from tongxin.core import crypto
from tongxin.geo.models import Level, Unit
from tongxin.geo.services import divisions_load, grids_draw

from .codes import ExpectedDuration, HousingKind, Relationship, Schooling, StayReason, StaySource
from .models import Household, HouseholdMember, Housing, Person, Stay, mask_document
from .search_keys import set_search_keys

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
HAN_SURNAMES = "王李张刘陈杨赵黄周吴"
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
    surnames = {"10": KOREAN_SURNAMES, "03": HUI_SURNAMES}.get(ethnicity, HAN_SURNAMES)
    surname = rng.choice(surnames)
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


SURNAME_FOR_KOREAN = KOREAN_SURNAMES


def _child_schooling(age: int) -> str:
    if age < 3:
        return Schooling.NOT_SCHOOL_AGE
    if age < 6:
        return Schooling.KINDERGARTEN
    if age < 12:
        return Schooling.PRIMARY
    if age < 15:
        return Schooling.JUNIOR
    if age < 18:
        return Schooling.SENIOR
    return Schooling.NOT_SCHOOL_AGE


def load_demo_persons(count: int, *, seed: int) -> int:
    """Synthetic families in rented flats and dormitories across the city's grids (the demo
    grid workers' grids first), with their stays; about one in ten has left again."""
    rng = random.Random(seed)
    demo_grids = _demo_grids()
    street_grids = list(
        Unit.objects.filter(level=Level.GRID, path__startswith=STREET).order_by("path")
    )
    all_grids = list(
        Unit.objects.filter(level=Level.GRID, path__startswith="4101").order_by("path")
    )
    today = timezone.localdate()
    seen: set[str] = set(Person.objects.values_list("id_number_hash", flat=True))
    serial = Person.objects.count()
    families: list[tuple[Unit, Housing, list[tuple[Person, str, str]], date, str, date | None]] = []
    made = 0
    while made < count:
        if made < len(demo_grids) * 5:
            grid = (
                demo_grids[(made // 5) % len(demo_grids)] if made < 10 else rng.choice(demo_grids)
            )
        elif rng.random() < 0.3:
            grid = rng.choice(street_grids)
        else:
            grid = rng.choice(all_grids)
        region, ethnicity = rng.choice(ORIGINS)
        kind = rng.choices(HousingKind.values, weights=[60, 5, 15, 8, 10, 2])[0]
        community = grid.name.split("第")[0]
        housing = Housing(
            address=f"{community}{rng.randint(1, 120)}号院{rng.randint(1, 12)}号楼{rng.randint(101, 1806)}室",
            grid=grid,
            unit_path=grid.path,
            kind=kind,
            landlord_name=rng.choice(HAN_SURNAMES) + rng.choice(HAN_GIVEN)
            if kind == HousingKind.RENTED
            else "",
        )
        size = min(count - made, rng.choices([1, 2, 3, 4, 5], weights=[35, 20, 25, 15, 5])[0])
        head_birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
        members: list[tuple[Person, str, str]] = []
        for position in range(size):
            if position == 0:
                sex, birth, relation = rng.choice("12"), head_birth, Relationship.HEAD
                head_sex = sex
            elif position == 1:
                sex, birth, relation = (
                    "2" if head_sex == "1" else "1",
                    head_birth + timedelta(days=rng.randrange(-900, 1500)),
                    Relationship.SPOUSE,
                )
            else:
                sex = rng.choice("12")
                birth = min(
                    today - timedelta(days=30),
                    head_birth + timedelta(days=rng.randrange(365 * 20, 365 * 40)),
                )
                relation = Relationship.SON if sex == "1" else Relationship.DAUGHTER
            serial += 1
            sequence = serial % 499 * 2 + (1 if sex == "1" else 2)
            number = citizen_id(region, birth, sequence)
            if crypto.blind_index(number, purpose="id_number") in seen:
                continue
            phone = (
                f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                if today.year - birth.year >= 16
                else ""
            )
            person = Person(
                name=_name(rng, ethnicity),
                sex=sex,
                birth_date=birth,
                ethnicity=ethnicity,
                hukou_code=region,
                origin_code=region,
                origin_province=region[:2],
                occupation=rng.choice("124466668") if today.year - birth.year >= 16 else "0",
                education=rng.choice(["80", "70", "70", "60", "30", "20"]),
                marital_status="20"
                if relation in (Relationship.HEAD, Relationship.SPOUSE) and size > 1
                else "10",
                languages="zh"
                if ethnicity == "03"
                else "zh," + {"05": "ug", "04": "bo", "10": "ko", "02": "mn"}.get(ethnicity, "zh"),
                interpreter_needed=ethnicity in ("05", "04") and rng.random() < 0.2,
                employer=rng.choice(
                    ["", "郑州市某餐饮有限公司", "个体经营", "某建筑公司", "某物流公司"]
                ),
                id_number_enc=crypto.encrypt(number),
                id_number_hash=crypto.blind_index(number, purpose="id_number"),
                id_number_masked=mask_document(number),
                phone_enc=crypto.encrypt(phone),
                phone_hash=crypto.blind_index(phone, purpose="phone") if phone else "",
                unit_path=grid.path,
                present=True,
            )
            set_search_keys(person)
            seen.add(person.id_number_hash)
            age = person.age_on(today)
            schooling = (
                _child_schooling(age)
                if relation in (Relationship.SON, Relationship.DAUGHTER)
                else Schooling.NOT_SCHOOL_AGE
            )
            if schooling == Schooling.PRIMARY and rng.random() < 0.05:
                schooling = Schooling.NOT_ENROLLED
            members.append((person, relation, schooling))
        if not members:
            continue
        arrival = today - timedelta(days=rng.randrange(1, 365 * 6))
        departure = (
            arrival + timedelta(days=rng.randrange(1, (today - arrival).days + 1))
            if rng.random() < 0.1 and made >= 10
            else None
        )
        families.append((grid, housing, members, arrival, rng.choice(StayReason.values), departure))
        made += len(members)

    Housing.objects.bulk_create([f[1] for f in families], batch_size=500)
    for _grid, _housing, members, arrival, reason, departure in families:
        for person, _rel, _school in members:
            person.arrival_date, person.stay_reason, person.present = (
                arrival,
                reason,
                departure is None,
            )
    persons = [p for f in families for p, _r, _s in f[2]]
    bulk_create_with_history(persons, Person, batch_size=500, default_change_reason="演示数据")
    households = [Household(housing=f[1], unit_path=f[0].path) for f in families]
    Household.objects.bulk_create(households, batch_size=500)
    HouseholdMember.objects.bulk_create(
        [
            HouseholdMember(household=h, person=p, relationship=r, schooling=s)
            for h, f in zip(households, families, strict=True)
            for p, r, s in f[2]
        ],
        batch_size=500,
    )
    Stay.objects.bulk_create(
        [
            Stay(
                person=p,
                grid=grid,
                unit_path=grid.path,
                housing=housing,
                address=housing.address,
                arrival_date=arrival,
                reason=reason,
                departure_date=departure,
                destination="返回原籍" if departure else "",
                source=StaySource.VISIT,
                expected_duration=ExpectedDuration.Y1_3,
            )
            for grid, housing, members, arrival, reason, departure in families
            for p, _r, _s in members
        ],
        batch_size=500,
    )
    return len(persons)
