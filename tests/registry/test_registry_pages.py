"""Registry pages: the household visit, the person file, break the glass, export, merge."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.audit.models import AuditEvent
from tongxin.geo.divisions import county_level_name
from tongxin.geo.models import Unit
from tongxin.registry import services
from tongxin.registry.models import BreakGlassGrant, Household, HouseholdMember, Person, VisitDraft

from ..conftest import login_as
from .factories import GRID_A, GRID_B, fresh_id, grid, register


def _reg(name, **data):
    return register(User.objects.get(username="city_admin"), name, grid_unit=grid(GRID_A), **data)


def _member(name="马明", sex="1", birth=date(1985, 4, 2), relationship="02", **extra):
    data = {
        "name": name,
        "sex": sex,
        "ethnicity": "03",
        "id_type": "citizen_id",
        "id_number": fresh_id(birth, sex),
        "birth_date": birth.isoformat(),
        "phone": "",
        "relationship": relationship,
        "schooling": "na",
        "arrival_date": "2024-03-01",
        "reason": "work",
        "expected_duration": "1to3y",
    }
    data.update(extra)
    return {f"m-{k}": v for k, v in data.items()}


def _start_visit(client) -> int:
    response = client.post(reverse("registry:visit_new"))
    return int(response["Location"].rstrip("/").split("/")[-1])


@pytest.mark.django_db
def test_household_visit_creates_housing_household_members_and_stays(client):
    login_as(client, "grid_worker_a")
    pk = _start_visit(client)
    url = reverse("registry:visit_edit", args=[pk])
    response = client.post(
        url,
        {
            "action": "housing",
            "h-address": "新华社区9号院2号楼301室",
            "h-grid": GRID_A,
            "h-kind": "rented",
            "h-landlord_name": "王伟",
        },
    )
    assert response.status_code == 302
    client.post(url, {"action": "member", **_member()})
    client.post(
        url,
        {
            "action": "member",
            **_member(name="白兰", sex="2", birth=date(1987, 9, 9), relationship="10"),
        },
    )
    child = _member(name="马小虎", birth=date(2016, 6, 1), relationship="20", schooling="primary")
    client.post(url, {"action": "member", **child})
    assert len(VisitDraft.objects.get(pk=pk).data["members"]) == 3
    response = client.post(reverse("registry:visit_submit", args=[pk]))
    assert response.status_code == 302
    head = Person.objects.get(name="马明")
    assert response["Location"] == reverse("registry:person_detail", args=[head.pk])
    household = Household.objects.get(members__person=head)
    assert household.housing.address == "新华社区9号院2号楼301室"
    assert sorted(m.person.name for m in household.members.all()) == ["白兰", "马小虎", "马明"]
    assert household.members.get(person__name="马小虎").schooling == "primary"
    assert all(
        p.present and p.unit_path == GRID_A
        for p in Person.objects.filter(memberships__household=household)
    )
    assert not VisitDraft.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_visit_keeps_what_was_typed_when_a_member_is_wrong(client):
    login_as(client, "grid_worker_a")
    pk = _start_visit(client)
    url = reverse("registry:visit_edit", args=[pk])
    bad = _member()
    bad["m-id_number"] = bad["m-id_number"][:-1] + ("1" if bad["m-id_number"][-1] != "1" else "2")
    page = client.post(url, {"action": "member", **bad}).content.decode()
    assert "校验位不正确" in page
    assert VisitDraft.objects.get(pk=pk).data["members"] == []
    # The draft kept the input: reopening the page shows it again.
    page = client.get(url).content.decode()
    assert bad["m-id_number"] in page
    assert "马明" in page


@pytest.mark.django_db
def test_inline_check_returns_the_message_for_the_field_being_typed(client):
    login_as(client, "grid_worker_a")
    pk = _start_visit(client)
    data = _member(birth_date="1999-01-01")
    response = client.post(reverse("registry:visit_check", args=[pk]), data)
    html = response.content.decode()
    assert 'id="id_m-birth_date_errors"' in html
    assert "出生日期与公民身份号码不一致" in html
    assert 'hx-swap-oob="true"' in html


@pytest.mark.django_db
def test_visit_blocks_a_registered_document_with_a_link(client):
    existing = _reg("沙建")
    login_as(client, "grid_worker_a")
    pk = _start_visit(client)
    data = _member(
        name="沙建", id_number=existing.id_number, birth_date=existing.birth_date.isoformat()
    )
    page = client.post(
        reverse("registry:visit_edit", args=[pk]), {"action": "member", **data}
    ).content.decode()
    assert "该证件号码已登记" in page
    assert reverse("registry:person_detail", args=[existing.pk]) in page


@pytest.mark.django_db
def test_visit_warns_of_probable_duplicates_before_saving(client):
    existing = _reg("古丽", sex="2", birth=date(1990, 2, 2))
    login_as(client, "grid_worker_a")
    pk = _start_visit(client)
    url = reverse("registry:visit_edit", args=[pk])
    client.post(url, {"action": "member", **_member(name="古丽", sex="2", birth=date(1990, 2, 2))})
    page = client.get(url).content.decode()
    assert "疑似重复" in page
    assert reverse("registry:person_detail", args=[existing.pk]) in page


@pytest.mark.django_db
def test_another_users_draft_is_404(client):
    login_as(client, "grid_worker_a")
    pk = _start_visit(client)
    login_as(client, "grid_worker_b")
    assert client.get(reverse("registry:visit_edit", args=[pk])).status_code == 404
    assert client.post(reverse("registry:visit_submit", args=[pk])).status_code == 404


@pytest.mark.django_db
def test_person_page_shows_history_and_who_looked(client):
    person = _reg("马明")
    officer = User.objects.get(username="street_officer")
    services.person_update(
        actor=officer, person=person, values={"employer": "清真餐馆"}, reason="回访更新"
    )
    login_as(client, "grid_worker_a")
    client.get(reverse("registry:person_detail", args=[person.pk]), {"purpose": "入户核实"})
    login_as(client, "street_officer")
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "回访更新" in page
    assert "清真餐馆" in page
    log = page.split('id="access-log"')[1]
    assert "grid_worker_a" in log and "入户核实" in log
    assert person.id_number in page  # street officers see the full number on the detail page


def history_entries(page: str) -> list[str]:
    """The change-history list of a person page, one text per entry, newest first."""
    section = page.split('id="change-history">')[1].split("</ul>")[0]
    return [li.split("</li>")[0] for li in section.split("<li>")[1:]]


@pytest.mark.django_db
def test_person_page_history_tells_a_move_and_a_phone_change(client):
    person = _reg("马明", phone="13912345678")
    officer = User.objects.get(username="street_officer")
    services.person_update(
        actor=officer, person=person, values={"phone": "13700001111"}, reason="电话更换"
    )
    new_grid = grid(GRID_B)
    moved = timezone.localdate()
    services.stay_move(actor=officer, person=person, move_date=moved, grid=new_grid, reason="work")
    login_as(client, "street_officer")
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    arrived, left, phone, created = history_entries(page)[:4]
    # The move: the new stay opened with its grid and date, the old one closed.
    assert "辖区内迁入" in arrived and new_grid.name in arrived and moved.isoformat() in arrived
    assert f"离开日期：（空） → {moved.isoformat()}" in left and "辖区内迁出" in left
    # The phone masked on both sides, as in every list; not "(encrypted)".
    assert "手机号码：139****5678 → 137****1111" in phone and "电话更换" in phone
    assert "登记居住" in created and grid(GRID_A).name in created
    # The copies of the stay kept on the person do not appear as raw fields.
    assert GRID_B not in "".join(history_entries(page))


@pytest.mark.django_db
def test_grid_worker_sees_masked_numbers_only(client):
    person = _reg("马明", phone="13912345678")
    login_as(client, "grid_worker_a")
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert person.id_number not in page
    assert person.id_number_masked in page
    assert "139****5678" in page
    listing = client.get(reverse("registry:person_list"), {"q": "马明"}).content.decode()
    assert person.id_number not in listing and person.id_number_masked in listing


@pytest.mark.django_db
def test_department_facts_are_shown_by_duty(client):
    person = _reg("马明")
    civil = Department.objects.get(code="410100-civil_affairs")
    health = Department.objects.get(code="410100-health")
    actor = User.objects.get(username="city_admin")
    services.fact_record(
        actor=actor,
        person=person,
        category="assistance",
        value="低保在册",
        as_of=date(2026, 1, 1),
        department=civil,
    )
    services.fact_record(
        actor=actor,
        person=person,
        category="health",
        value="已建健康档案",
        as_of=date(2026, 1, 1),
        department=health,
    )
    login_as(client, "street_officer")
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "低保在册" in page and "已建健康档案" in page
    login_as(client, "grid_worker_a")
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "低保在册" not in page and "已建健康档案" not in page
    liaison = User.objects.get(username="police_liaison")
    liaison.department = civil
    liaison.save()
    login_as(client, "police_liaison")
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "低保在册" in page and "已建健康档案" not in page


@pytest.mark.django_db
def test_break_the_glass_gives_time_limited_flagged_read_only_access(client):
    from tongxin.accounts.services import user_create
    from tongxin.geo.models import Unit

    person = _reg("马明")
    other = user_create(
        actor=None,
        username="other_street",
        password="x",
        unit=Unit.objects.get(code="410104002"),
        roles={"street_officer"},
        data_scope="subtree",
        validate=False,
    )
    client.force_login(other)
    detail = reverse("registry:person_detail", args=[person.pk])
    assert client.get(detail).status_code == 404
    response = client.post(
        reverse("registry:break_glass"),
        {"id_type": "citizen_id", "id_number": person.id_number, "reason": "急"},
    )
    assert "至少 5 个字" in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    response = client.post(
        reverse("registry:break_glass"),
        {
            "id_type": "citizen_id",
            "id_number": person.id_number,
            "reason": "当事人在本街道突发疾病送医，需联系家属",
        },
    )
    assert response["Location"] == detail
    page = client.get(detail).content.decode()
    assert "紧急授权访问辖区外人员" in page
    assert (
        AuditEvent.objects.filter(
            action="break_glass", actor_username="other_street", object_id=str(person.pk)
        ).count()
        == 2
    )
    assert client.get(reverse("registry:person_edit", args=[person.pk])).status_code == 403
    BreakGlassGrant.objects.update(expires_at=timezone.now())
    assert client.get(detail).status_code == 404


@pytest.mark.django_db
def test_break_glass_miss_is_recorded_too(client):
    login_as(client, "street_officer")
    response = client.post(
        reverse("registry:break_glass"),
        {
            "id_type": "citizen_id",
            "id_number": fresh_id(date(1970, 1, 1)),
            "reason": "核实一名求助人员身份",
        },
    )
    assert "没有找到" in response.content.decode()
    assert AuditEvent.objects.filter(action="break_glass", outcome="failure").exists()


@pytest.mark.django_db
def test_export_is_scoped_masked_neutralised_and_audited(client):
    _reg("=马明"[1:])
    person = _reg("买买提·艾力", employer="x", origin_code="652801")
    login_as(client, "community_officer")
    response = client.get(
        reverse("registry:person_export"), {"unit": GRID_A, "purpose": "月度核对", "format": "csv"}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    officer = User.objects.get(username="community_officer")
    assert rows[0][0].startswith(f"# 导出人：community_officer（{officer.full_name}）")
    names = [r[0] for r in rows[2:]]
    assert "买买提·艾力" in names
    grid_name = Unit.objects.get(code=GRID_A).name
    assert rows[1][6:10] == ["流出地", "流出地代码", "网格", "网格编码"]
    assert all(r[8:10] == [grid_name, GRID_A] for r in rows[2:])  # names as the page shows
    [row] = [r for r in rows[2:] if r[0] == "买买提·艾力"]
    person.refresh_from_db()
    assert row[6:8] == [county_level_name("652801"), "652801"] and "库尔勒" in row[6]
    assert (row[2], row[10]) == (person.birth_date.isoformat(), person.arrival_date.isoformat())
    assert person.id_number not in text and person.id_number_masked in text
    event = AuditEvent.objects.filter(action="export", actor_username="community_officer").get()
    assert event.purpose == "月度核对"
    # Unmasked export needs the right and a purpose.
    assert (
        client.get(reverse("registry:person_export"), {"unmasked": "1", "purpose": "x"}).status_code
        == 400
    )


@pytest.mark.django_db
def test_exported_cells_are_text_dates_as_iso_text():
    """Text all through: the Excel writer's quick path takes rows of text only."""
    from tongxin.registry.exports import export_rows

    person = _reg("马明")
    [row] = export_rows(Person.objects.filter(pk=person.pk), full=True)
    assert all(isinstance(cell, str) for cell in row)
    assert row[2] == person.birth_date.isoformat() and row[4] == person.id_number


def test_formula_cells_are_neutralised():
    from tongxin.core.cells import neutralise

    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert neutralise("+1") == "'+1" and neutralise("@a") == "'@a" and neutralise("-2") == "'-2"
    assert neutralise("\t=1") == "'\t=1" and neutralise("\r=1") == "'\r=1"
    assert neutralise("马明") == "马明" and neutralise("1+1") == "1+1"


@pytest.mark.django_db
def test_merge_page_moves_records_and_keeps_trail(client):
    a = _reg("马明", birth=date(1980, 1, 1))
    b = _reg("马明", birth=date(1980, 1, 1))
    login_as(client, "street_officer")
    page = client.get(reverse("registry:duplicates")).content.decode()
    assert reverse("registry:merge", args=[a.pk, b.pk]) in page
    response = client.post(
        reverse("registry:merge", args=[a.pk, b.pk]), {"reason": "同一人两次登记"}
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert a.stays.count() == 2
    assert "同一人两次登记" in client.get(
        reverse("registry:person_detail", args=[b.pk])
    ).content.decode() or b.history.first().history_change_reason.endswith("同一人两次登记")


@pytest.mark.django_db
def test_move_within_the_city_from_the_page(client):
    person = _reg("马明")
    login_as(client, "community_officer")
    response = client.post(
        reverse("registry:stay_move", args=[person.pk]),
        {
            "grid": "410104001001002",
            "arrival_date": timezone.localdate().isoformat(),
            "reason": "work",
            "expected_duration": "unknown",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.unit_path == "410104001001002" and person.present
    assert [s.departure_date is None for s in person.stays.order_by("arrival_date", "pk")] == [
        False,
        True,
    ]


def _linked_ids(page: str) -> set[int]:
    import re

    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    return {int(pk) for pk in re.findall(r'href="/registry/persons/(\d+)/"', rows)}


@pytest.mark.django_db
def test_list_filters_by_age_band_and_school_age_children(client):
    login_as(client, "city_admin")
    today = timezone.localdate()
    everyone = list(Person.objects.filter(merged_into__isnull=True))
    assert len(everyone) <= 50  # one page
    children = {p.pk for p in everyone if 6 <= p.age_on(today) <= 14}
    assert children, "the demo data has school-age children"
    page = client.get(reverse("registry:person_list"), {"age_band": "6-14"}).content.decode()
    assert _linked_ids(page) == children
    families = {
        m.person_id
        for m in HouseholdMember.objects.filter(household__members__person_id__in=children)
    }
    page = client.get(
        reverse("registry:person_list"), {"school_age_children": "on"}
    ).content.decode()
    assert _linked_ids(page) == families


@pytest.mark.django_db
def test_duplicate_rules_are_configuration(client):
    from tongxin.registry.models import DuplicateRule

    login_as(client, "street_officer")
    response = client.post(
        reverse("registry:duplicate_rules"),
        {"action": "add", "name": "单字段", "compare": ["name"]},
    )
    assert "至少选择两个字段" in response.content.decode()
    client.post(
        reverse("registry:duplicate_rules"),
        {"action": "add", "name": "同名同民族同性别", "compare": ["name", "ethnicity", "sex"]},
    )
    rule = DuplicateRule.objects.get(name="同名同民族同性别")
    assert rule.field_list() == ["name", "ethnicity", "sex"]
    a = _reg("哈米", birth=date(1970, 1, 1))
    b = _reg("哈米", birth=date(1971, 1, 1))
    page = client.get(reverse("registry:duplicates")).content.decode()
    assert reverse("registry:merge", args=[a.pk, b.pk]) in page
    client.post(reverse("registry:duplicate_rules"), {"action": "toggle", "rule": rule.pk})
    assert DuplicateRule.objects.get(pk=rule.pk).active is False
    page = client.get(reverse("registry:duplicates")).content.decode()
    assert reverse("registry:merge", args=[a.pk, b.pk]) not in page
    assert AuditEvent.objects.filter(object_type="registry.duplicaterule", action="update").exists()


@pytest.mark.django_db
def test_history_shows_a_change_the_mask_hides():
    from tongxin.registry.history import change_history

    person = _reg("马明", phone="13912345678")
    officer = User.objects.get(username="street_officer")
    # Same first three and last four digits: the masks are equal, the numbers are not.
    services.person_update(
        actor=officer, person=person, values={"phone": "13900005678"}, reason="电话更正"
    )
    [entry] = [c for c in change_history(person) if c.reason == "电话更正"]
    assert entry.fields == [("手机号码", "139****5678", "139****5678（已更改）")]


@pytest.mark.django_db
def test_the_unmasked_export_asks_for_a_purpose_and_keeps_the_filters(client):
    from openpyxl import load_workbook

    person = _reg("买买提·艾力")
    login_as(client, "community_officer")  # may export, but not full ID numbers
    page = client.get(reverse("registry:person_list")).content.decode()
    assert "export-full" not in page
    login_as(client, "street_officer")
    page = client.get(reverse("registry:person_list"), {"unit": GRID_A}).content.decode()
    start = page.index('class="export-full"')
    form = page[start : page.index("</details>", start)]
    assert f'name="unit" value="{GRID_A}"' in form and 'name="unmasked" value="1"' in form
    assert 'name="purpose" required' in form
    response = client.get(
        reverse("registry:person_export"), {"unit": GRID_A, "unmasked": "1", "purpose": "核对社保"}
    )
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert person.id_number in [r[4] for r in rows[2:]]
    assert "含完整个人信息" in rows[0][0] and book.properties.keywords == "含完整个人信息"
    event = AuditEvent.objects.filter(action="export", purpose="核对社保").get()
    assert '"unmasked": true' in event.detail


@pytest.mark.django_db
def test_a_wrong_filter_is_named_and_never_widens_the_list_or_its_export(client):
    """One wrong value (a date no calendar holds, an unknown code typed into the address
    bar) used to drop every filter: the page listed, and the export wrote, the whole scope
    where a community had been asked for. Now the page names the field and lists nothing,
    and the export is refused with the same reason."""
    login_as(client, "district_officer")
    query = {"unit": "410104001001", "arrival_from": "2026-02-30"}
    page = client.get(reverse("registry:person_list"), query).content.decode()
    assert "筛选条件有误" in page and "来本地日期起" in page
    assert "没有找到符合条件的人员" in page
    assert 'id="id_arrival_from_errors"' in page
    export = client.get(reverse("registry:person_export"), {**query, "format": "csv"})
    assert export.status_code == 400 and "筛选条件有误" in export.content.decode()
    for url, wrong in (
        ("registry:housing_list", {"kind": "bogus"}),
        ("registry:household_list", {"schooling": "all"}),
    ):
        page = client.get(reverse(url), wrong).content.decode()
        assert "值无效" in page, url
        export = client.get(reverse(url.replace("_list", "_export")), {**wrong, "format": "csv"})
        assert export.status_code == 400 and "值无效" in export.content.decode(), url
