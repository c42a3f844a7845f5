"""The demo city: 郑州市 (410100) with its real divisions, grids, member departments,
one account per role, and synthetic persons. Deterministic for a given seed."""

from __future__ import annotations

import random
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tongxin.accounts.models import Department, DepartmentKind, User
from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import department_save, user_create
from tongxin.core import crypto
from tongxin.core.bulk import analyze, deferred_indexes
from tongxin.geo.models import Level, Unit
from tongxin.geo.services import divisions_load, grids_draw

from .changes import grids_changed
from .codes import ExpectedDuration, HousingKind, Relationship, Schooling, StayReason, StaySource
from .models import Household, HouseholdMember, Housing, Person, Stay, mask_document
from .search_keys import search_keys

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
    ("654002", "17"),
    ("652301", "17"),
    ("422801", "15"),
    ("640302", "03"),
    ("620102", "03"),
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


LANGUAGE_BY_GROUP = {"05": "ug", "04": "bo", "10": "ko", "02": "mn", "17": "kk"}
KAZAKH = ["努尔兰", "阿依达尔", "叶尔兰", "古丽娜尔", "别克", "阿斯哈尔", "哈纳提", "赛力克"]


def _name(rng: random.Random, ethnicity: str) -> str:
    if ethnicity == "17":
        return f"{rng.choice(KAZAKH)}·{rng.choice(KAZAKH)}"
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


def load_demo_city(
    *, persons: int = 0, seed: int = 1, password: str | None = None, progress=None
) -> dict[str, int]:
    """The city, its departments and accounts in one transaction; then the persons, each
    batch committed on its own (a million persons is one run of minutes, not one giant
    transaction)."""
    from django.utils.module_loading import import_string

    with transaction.atomic():
        result = _load_city(password or settings.DEMO_PASSWORD)
    result["persons"] = load_demo_persons(persons, seed=seed, progress=progress) if persons else 0
    # The other apps' demo data (settings.DEMO_LOADERS): disputes, coordination…
    for loader in settings.DEMO_LOADERS:
        import_string(loader)(seed=seed, password=password or settings.DEMO_PASSWORD)
    return result


def _load_city(password: str) -> dict[str, int]:
    """Divisions, grids, member departments and the demo accounts."""
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
    return {"divisions": divisions["total"], "grids": grids}


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


# Arrivals peak after the Spring Festival (February–March); departures before it
# (seasonality the dashboards should show).
ARRIVAL_MONTH_WEIGHTS = [4, 11, 14, 9, 7, 6, 6, 7, 9, 8, 6, 4]
DEPARTURE_MONTH_WEIGHTS = [14, 6, 4, 5, 6, 7, 6, 6, 6, 7, 9, 16]
# Where 肉孜节 (Eid al-Fitr) and 古尔邦节 (Eid al-Adha) are public holidays — Xinjiang,
# Ningxia, Linxia — many migrants go home for them: some families of those origins leave in
# the fortnight before one and come back within three weeks after 肉孜节. The holidays
# follow the lunar calendar, eleven days earlier each year.
EID_ORIGINS = ("65", "64", "622901")
EID_AL_FITR_2024 = date(2024, 4, 10)
LUNAR_YEAR_DAYS = 354.367
EID_AL_ADHA_AFTER_FITR = timedelta(days=67)
EID_SHARE = 0.4


def eid_al_fitr_between(start: date, end: date) -> list[date]:
    """肉孜节 (the first day) in [start, end], to within a day (the lunar year's mean
    length from 2024's; the announced day depends on the moon's sighting)."""
    first = int((start - EID_AL_FITR_2024).days // LUNAR_YEAR_DAYS)
    last = int((end - EID_AL_FITR_2024).days // LUNAR_YEAR_DAYS) + 1
    days = (
        EID_AL_FITR_2024 + timedelta(days=round(k * LUNAR_YEAR_DAYS))
        for k in range(first, last + 1)
    )
    return [d for d in days if start <= d <= end]


def _eid_arrival(rng: random.Random, start: date, end: date) -> date | None:
    """Back within three weeks after a 肉孜节 in [start, end], or None if there is none."""
    eids = eid_al_fitr_between(start - timedelta(days=3), end - timedelta(days=3))
    if not eids:
        return None
    eid = rng.choice(eids)
    return eid + timedelta(days=rng.randint(3, min(21, (end - eid).days)))


def _eid_departure(rng: random.Random, start: date, end: date) -> date | None:
    """Gone in the fortnight before a 肉孜节 or 古尔邦节 in [start, end], or None."""
    fitr = eid_al_fitr_between(start - EID_AL_ADHA_AFTER_FITR, end + timedelta(days=14))
    holidays = fitr + [d + EID_AL_ADHA_AFTER_FITR for d in fitr]
    days = [d - timedelta(days=rng.randint(1, 14)) for d in holidays]
    days = [d for d in days if start <= d <= end]
    return rng.choice(days) if days else None


DEMO_BATCH = 5000


def _anniversary(day: date, years: int) -> date:
    """The same day `years` later; 29 February falls on the 28th in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _lease(arrival: date, departure: date | None, today: date) -> tuple[date, date]:
    """A rented home's current lease: signed on arrival and renewed a year at a time; for a
    household that left, the last one, ended on departure; for one still here, running out
    within a year of today, some lapsed in the last six weeks — so the housing list's
    "leases ending" filters have rows. Drawn from the dates alone, not the generator's
    random stream (the demo stays the same for a seed)."""
    if departure is not None:
        years = departure.year - arrival.year
        while years > 0 and _anniversary(arrival, years) >= departure:
            years -= 1
        return _anniversary(arrival, years), departure
    years = max(1, today.year - arrival.year - 1)
    while _anniversary(arrival, years) <= today - timedelta(days=45):
        years += 1
    return _anniversary(arrival, years - 1), _anniversary(arrival, years)


def _seasonal_date(rng: random.Random, start: date, end: date, weights: list[int]) -> date:
    for _attempt in range(20):
        year = rng.randint(start.year, end.year)
        month = rng.choices(range(1, 13), weights=weights)[0]
        day = date(year, month, rng.randint(1, 28))
        if start <= day <= end:
            return day
    return start + timedelta(days=rng.randrange(max((end - start).days, 1)))


class _DemoWriter:
    """Writes generated families set-wise (as imports do): a million persons in minutes."""

    def __init__(self) -> None:
        from tongxin.core.bulk import Inserter

        self.persons = Inserter(Person)
        self.person_history = Inserter(Person.history.model, include_pk=False)
        self.housing = Inserter(Housing)
        self.households = Inserter(Household)
        self.members = Inserter(HouseholdMember)
        self.stays = Inserter(Stay)
        self.now = timezone.now()

    def write(self, families: list[dict]) -> int:
        from tongxin.core.bulk import allocate_ids, history_from_rows

        from .fulltext import FullTextDeferred

        persons = [p for f in families for p in f["persons"]]
        stays = [s for f in families for s in f["stays"]]
        with transaction.atomic():
            person_ids = allocate_ids(Person, len(persons))
            for pk, row in zip(person_ids, persons, strict=True):
                row["id"] = pk
            housing_ids = allocate_ids(Housing, len(families))
            household_ids = allocate_ids(Household, len(families))
            for family, housing_id, household_id in zip(
                families, housing_ids, household_ids, strict=True
            ):
                family["housing"]["id"] = housing_id
                family["household"].update(id=household_id, housing_id=housing_id)
                for member in family["members"]:
                    member["household_id"] = household_id
                    member["person_id"] = member.pop("person")["id"]
                for stay in family["stays"]:
                    stay["person_id"] = stay.pop("person")["id"]
                    stay["housing_id"] = housing_id
            stay_ids = allocate_ids(Stay, len(stays))
            for pk, row in zip(stay_ids, stays, strict=True):
                row["id"] = pk
            member_ids = allocate_ids(HouseholdMember, sum(len(f["members"]) for f in families))
            for pk, row in zip(
                member_ids, [m for f in families for m in f["members"]], strict=True
            ):
                row["id"] = pk
            history_fields = {f.attname for f in Person.history.model._meta.concrete_fields}
            with FullTextDeferred(person_ids[0], person_ids[-1]):
                self.persons.insert(persons)
            self.person_history.insert(
                [
                    {k: v for k, v in p.items() if k in history_fields}
                    | {
                        "history_date": self.now,
                        "history_type": "+",
                        "history_change_reason": "演示数据",
                    }
                    for p in persons
                ]
            )
            self.housing.insert([f["housing"] for f in families])
            self.households.insert([f["household"] for f in families])
            self.members.insert([m for f in families for m in f["members"]])
            self.stays.insert(stays)
            # The stays' history, so that a person's change history shows where they lived
            # (copied by the database, as an import's are).
            history_from_rows(
                Stay,
                stay_ids,
                when=connection.ops.adapt_datetimefield_value(self.now),
                kind="+",
                reason="演示数据",
                user_id=None,
            )
            grids_changed((s["grid_id"], s["arrival_date"]) for s in stays)
        return len(persons)


# A first load of this many persons or more builds the tables' secondary indexes once at
# the end instead of row by row (core.bulk.deferred_indexes).
DEFER_INDEXES_FROM = 200_000


def load_demo_persons(
    count: int,
    *,
    seed: int,
    progress=None,
    defer_indexes: bool | None = None,
    today: date | None = None,
) -> int:
    """Synthetic families in rented flats and dormitories across the city's grids (the demo
    grid workers' grids first): ID numbers whose address codes are their origin regions,
    five years of arrivals with seasonality, moves within the city and departures.

    `defer_indexes`: drop the registry tables' secondary indexes for the load and build them
    at the end; by default when the registry is empty and `count` is large. `today`: the day
    the five years end (the same seed and day give the same city)."""
    if defer_indexes is None:
        defer_indexes = count >= DEFER_INDEXES_FROM and not Person.objects.exists()
    tables = (
        Person,
        Person.history.model,
        Housing,
        Household,
        HouseholdMember,
        Stay,
        Stay.history.model,
    )
    with deferred_indexes(*tables) if defer_indexes else nullcontext():
        written = _generate(count, seed=seed, progress=progress, today=today)
    analyze(*tables)
    return written


def _generate(count: int, *, seed: int, progress, today: date | None = None) -> int:
    rng = random.Random(seed)
    demo_grids = _demo_grids()
    street_grids = list(
        Unit.objects.filter(level=Level.GRID, path__startswith=STREET).order_by("path")
    )
    all_grids = list(
        Unit.objects.filter(level=Level.GRID, path__startswith="4101").order_by("path")
    )
    today = today or timezone.localdate()
    five_years_ago = today - timedelta(days=5 * 365 + 1)  # (replace(year=…) fails on 29 Feb)
    # Documents as integers: half the memory of the hex strings at ten million persons.
    seen: set[int] = {
        int(digest, 16) for digest in Person.objects.values_list("id_number_hash", flat=True)
    }
    serial = Person.objects.count()
    writer = _DemoWriter()
    families: list[dict] = []
    made = 0
    written = 0
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
        address = f"{community}{rng.randint(1, 120)}号院{rng.randint(1, 12)}号楼{rng.randint(101, 1806)}室"
        housing = {
            "address": address,
            "grid_id": grid.pk,
            "unit_path": grid.path,
            "kind": kind,
            "landlord_name": rng.choice(HAN_SURNAMES) + rng.choice(HAN_GIVEN)
            if kind == HousingKind.RENTED
            else "",
            "landlord_phone_enc": "",
            "rental_start": None,
            "rental_end": None,
            "created_by_id": None,
            "created_at": writer.now,
        }
        size = min(count - made, rng.choices([1, 2, 3, 4, 5], weights=[35, 20, 25, 15, 5])[0])
        head_birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
        eid = region.startswith(EID_ORIGINS) and rng.random() < EID_SHARE
        arrival = (
            eid and _eid_arrival(rng, five_years_ago, today - timedelta(days=1))
        ) or _seasonal_date(rng, five_years_ago, today - timedelta(days=1), ARRIVAL_MONTH_WEIGHTS)
        departed = made >= 10 and rng.random() < 0.12
        departure = (
            (eid and _eid_departure(rng, arrival + timedelta(days=30), today))
            or _seasonal_date(rng, arrival + timedelta(days=30), today, DEPARTURE_MONTH_WEIGHTS)
            if departed and (today - arrival).days > 60
            else None
        )
        moved_from = (
            rng.choice(all_grids)
            if made >= 10 and rng.random() < 0.1 and (today - arrival).days > 120
            else None
        )
        if kind == HousingKind.RENTED:
            housing["rental_start"], housing["rental_end"] = _lease(arrival, departure, today)
            phone = f"13{(arrival.toordinal() * 7919 + made) % 10**9:09d}"
            housing["landlord_phone_enc"] = crypto.encrypt(phone)
        reason = rng.choices(StayReason.values, weights=[50, 25, 6, 10, 5, 2, 2])[0]
        persons, members, stays = [], [], []
        head_sex = "1"
        for position in range(size):
            if position == 0:
                sex, birth, relation = rng.choice("12"), head_birth, Relationship.HEAD
                head_sex = sex
            elif position == 1:
                sex = "2" if head_sex == "1" else "1"
                birth, relation = (
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
            number = citizen_id(region, birth, serial % 499 * 2 + (1 if sex == "1" else 2))
            digest = crypto.blind_index(number, purpose="id_number")
            key = int(digest, 16)
            if key in seen:
                continue
            seen.add(key)
            adult = today.year - birth.year >= 16
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if adult else ""
            name = _name(rng, ethnicity)
            person = {
                "name": name,
                "name_as_typed": "",
                "native_name": "",
                "native_script": "",
                "latin_name": "",
                "former_names": "",
                "sex": sex,
                "birth_date": birth,
                "ethnicity": ethnicity,
                "ethnicity_other": "",
                "id_type": "citizen_id",
                "id_number_enc": crypto.encrypt(number),
                "id_number_hash": digest,
                "id_number_masked": mask_document(number),
                "phone_enc": crypto.encrypt(phone),
                "phone_hash": crypto.blind_index(phone, purpose="phone") if phone else "",
                "hukou_code": region,
                "hukou_address": "",
                "origin_code": region,
                "origin_province": region[:2],
                "education": rng.choice(["80", "70", "70", "60", "30", "20"]),
                "occupation": rng.choice("124466668") if adult else "0",
                "employer": rng.choice(
                    ["", "郑州市某餐饮有限公司", "个体经营", "某建筑公司", "某物流公司"]
                )
                if adult
                else "",
                "marital_status": "20"
                if relation in (Relationship.HEAD, Relationship.SPOUSE) and size > 1
                else "10",
                "languages": "zh"
                if ethnicity == "03"
                else "zh," + LANGUAGE_BY_GROUP.get(ethnicity, "zh"),
                "interpreter_needed": ethnicity in ("05", "04", "17") and rng.random() < 0.2,
                "insurance_kinds": rng.choice(
                    ["", "medical", "medical,pension", "injury,medical,pension"]
                )
                if adult
                else "medical",
                "insurance_place": "",
                "income_band": rng.choice(["lt2k", "2to5k", "2to5k", "5to10k", "unknown"]),
                "residence_permit_number": "",
                "residence_permit_valid_until": None,
                **search_keys(name),
                "unit_path": grid.path,
                "present": departure is None,
                "arrival_date": arrival,
                "stay_reason": reason,
                "merged_into_id": None,
                "created_by_id": None,
                "created_at": writer.now,
                "updated_at": writer.now,
            }
            persons.append(person)
            age = today.year - birth.year
            schooling = (
                _child_schooling(age)
                if relation in (Relationship.SON, Relationship.DAUGHTER)
                else Schooling.NOT_SCHOOL_AGE
            )
            if schooling == Schooling.PRIMARY and rng.random() < 0.05:
                schooling = Schooling.NOT_ENROLLED
            members.append({"person": person, "relationship": relation, "schooling": schooling})
            stay_base = {
                "expected_duration": ExpectedDuration.Y1_3,
                "source": StaySource.VISIT,
                "created_by_id": None,
                "reason": reason,
            }
            first_arrival = arrival
            if moved_from is not None:
                first_arrival = arrival - timedelta(days=rng.randrange(60, 400))
                stays.append(
                    stay_base
                    | {
                        "person": person,
                        "grid_id": moved_from.pk,
                        "unit_path": moved_from.path,
                        "address": "",
                        "arrival_date": first_arrival,
                        "resident_since": first_arrival,
                        "arrived_by_move": False,
                        "departure_date": arrival,
                        "left_by_move": True,
                        "destination": grid.name,
                    }
                )
            stays.append(
                stay_base
                | {
                    "person": person,
                    "grid_id": grid.pk,
                    "unit_path": grid.path,
                    "address": address,
                    "arrival_date": arrival,
                    "resident_since": first_arrival,
                    "arrived_by_move": moved_from is not None,
                    "departure_date": departure,
                    "left_by_move": False,
                    "destination": "返回原籍" if departure else "",
                }
            )
        if not persons:
            continue
        families.append(
            {
                "housing": housing,
                "household": {
                    "unit_path": grid.path,
                    "note": "",
                    "created_by_id": None,
                    "created_at": writer.now,
                },
                "persons": persons,
                "members": members,
                "stays": stays,
            }
        )
        made += len(persons)
        if made - written >= DEMO_BATCH:
            written += writer.write(families)
            families = []
            if progress is not None:
                progress(written)
    if families:
        written += writer.write(families)
        if progress is not None:
            progress(written)
    return written
