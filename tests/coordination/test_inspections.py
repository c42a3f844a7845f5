"""Inspections of window units: checklist results, a rectification deadline for failures,
re-inspection of what failed until a round passes, alerts and statistics."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.accounts.roles import Role
from tongxin.coordination import metrics, services
from tongxin.coordination.models import ChecklistTemplate, Inspection
from tongxin.services.models import Notification

from ..conftest import login_as
from ..disputes.helpers import STREET, account, at, unit


def setup_window():
    office = User.objects.get(username="district_officer")
    education = Department.objects.get(code="410104-education")
    liaison = account("deducation", "410104", Role.DEPARTMENT_LIAISON, department=education)
    education.liaison = liaison
    education.save()
    school = services.window_unit_create(
        actor=office, name="西大街小学", kind="school", unit=unit(STREET), department=education
    )
    return office, liaison, school


def results(template, fail=(), note="清真餐饮窗口未设标识，限期设置。"):
    items = list(template.items.filter(active=True))
    return items, {i.pk: ("fail", note) if n in fail else ("pass", "") for n, i in enumerate(items)}


@pytest.mark.django_db
def test_failed_items_need_a_deadline_then_reinspection_until_closed():
    office, liaison, school = setup_window()
    catering = ChecklistTemplate.objects.get(code="catering")
    items, answers = results(catering, fail=(0, 1))
    day = timezone.localdate() - timedelta(days=40)
    with pytest.raises(services.CoordinationError, match="请规定晚于检查日期的整改期限"):
        services.inspection_record(
            actor=office,
            window_unit=school,
            template=catering,
            inspected_on=day,
            inspectors="李某",
            results=answers,
        )
    _, unexplained = results(catering, fail=(0,), note="")
    with pytest.raises(services.CoordinationError, match="请写明不符合项的问题和整改要求"):
        services.inspection_record(
            actor=office,
            window_unit=school,
            template=catering,
            inspected_on=day,
            inspectors="李某",
            results=unexplained,
            rectification_due=day + timedelta(days=10),
        )
    with pytest.raises(services.CoordinationError, match="请逐项填写检查结果"):
        services.inspection_record(
            actor=office,
            window_unit=school,
            template=catering,
            inspected_on=day,
            inspectors="李某",
            results={},
        )
    first = services.inspection_record(
        actor=office,
        window_unit=school,
        template=catering,
        inspected_on=day,
        inspectors="李某、赵某",
        results=answers,
        rectification_due=day + timedelta(days=10),
    )
    assert (first.status, first.round, first.findings.filter(result="fail").count()) == (
        "rectifying",
        1,
        2,
    )
    assert Notification.objects.get(user=liaison).text == (
        f"西大街小学 检查发现 2 项问题，须于 {day + timedelta(days=10):%Y-%m-%d} 前整改。"
    )

    # Re-inspection checks only the two failed items; one still fails.
    still = {items[0].pk: ("pass", ""), items[1].pk: ("fail", "餐具仍未分开存放。")}
    second = services.inspection_record(
        actor=office,
        window_unit=school,
        previous=first,
        inspected_on=day + timedelta(days=12),
        inspectors="李某",
        results=still,
        rectification_due=day + timedelta(days=20),
    )
    first.refresh_from_db()
    assert (first.status, second.round, second.findings.count()) == ("reinspected", 2, 2)
    with pytest.raises(services.CoordinationError, match="只能复查限期整改中的检查"):
        services.inspection_record(
            actor=office,
            window_unit=school,
            previous=first,
            inspected_on=day + timedelta(days=13),
            inspectors="李某",
            results=still,
            rectification_due=day + timedelta(days=20),
        )
    third = services.inspection_record(
        actor=office,
        window_unit=school,
        previous=second,
        inspected_on=day + timedelta(days=21),
        inspectors="李某",
        results={items[1].pk: ("pass", "")},
    )
    assert third.status == "passed" and third.findings.count() == 1
    assert [r.number for r in first.chain()] == [first.number, second.number, third.number]
    assert [r.number for r in third.chain()] == [first.number, second.number, third.number]

    general = ChecklistTemplate.objects.get(code="window_general")
    _, clean = results(general)
    services.inspection_record(
        actor=office,
        window_unit=school,
        template=general,
        inspected_on=day,
        inspectors="李某",
        results=clean,
    )
    rows = {
        r.key: r
        for r in metrics.inspection_statistics(
            Inspection.objects.filter(window_unit=school), "kind"
        )
    }
    school_row = rows["school"]
    assert (school_row.label, school_row.total, school_row.done, school_row.resolved) == (
        "学校",
        2,
        2,
        1,
    )
    assert (school_row.mean_days, school_row.median_days) == (10.5, 10.5)  # 21 and 0 days


@pytest.mark.django_db
def test_rectification_past_its_deadline_alerts_once():
    office, liaison, school = setup_window()
    catering = ChecklistTemplate.objects.get(code="catering")
    _, answers = results(catering, fail=(2,))
    day = timezone.localdate() - timedelta(days=5)
    inspection = services.inspection_record(
        actor=office,
        window_unit=school,
        template=catering,
        inspected_on=day,
        inspectors="李某",
        results=answers,
        rectification_due=day + timedelta(days=3),
    )
    assert inspection.overdue is True
    services.rectification_alerts(at(timezone.localdate()))
    services.rectification_alerts(at(timezone.localdate(), 18))
    expected = f"西大街小学 的整改期限 {day + timedelta(days=3):%Y-%m-%d} 已过，请组织复查。"
    assert list(
        Notification.objects.filter(kind="inspection", text=expected).values_list(
            "user__username", flat=True
        )
    ) in (["district_officer", "deducation"], ["deducation", "district_officer"])


@pytest.mark.django_db
def test_recording_an_inspection_on_the_page(client):
    office, liaison, school = setup_window()
    general = ChecklistTemplate.objects.get(code="window_general")
    items = list(general.items.all())
    login_as(client, "district_officer")
    url = reverse("coordination:inspection_new")
    step2 = client.get(url, {"window_unit": school.pk, "template": general.pk}).content.decode()
    assert all(f'name="result-{i.pk}"' in step2 for i in items)
    data = {"inspected_on": "2026-03-05", "inspectors": "李某", "summary": "总体良好"}
    data |= {f"result-{i.pk}": "pass" for i in items}
    data[f"result-{items[1].pk}"] = "fail"
    data[f"note-{items[1].pk}"] = "无民族语言服务指引。"
    data["rectification_due"] = "2026-04-05"
    response = client.post(f"{url}?window_unit={school.pk}&template={general.pk}", data)
    inspection = Inspection.objects.get(window_unit=school)
    assert response["Location"] == reverse("coordination:inspection_detail", args=[inspection.pk])
    assert (inspection.status, inspection.rectification_due) == ("rectifying", date(2026, 4, 5))
    page = client.get(response["Location"]).content.decode()
    assert 'id="reinspect"' in page and "无民族语言服务指引。" in page
    login_as(client, "deducation")
    assert client.get(response["Location"]).status_code == 200  # the school's department
    login_as(client, "police_liaison")
    assert client.get(response["Location"]).status_code == 404


@pytest.mark.django_db
def test_checklists_are_configuration(client):
    office, _liaison, school = setup_window()
    general = ChecklistTemplate.objects.get(code="window_general")
    first = general.items.order_by("order").first()
    login_as(client, "district_officer")
    url = reverse("coordination:checklists")
    client.post(
        url,
        {
            "template": general.pk,
            "action": "add",
            "topic": "language",
            "text": "有维吾尔语服务指南",
        },
    )
    client.post(url, {"template": general.pk, "action": "toggle", "item": first.pk})
    step2 = client.get(
        reverse("coordination:inspection_new"), {"window_unit": school.pk, "template": general.pk}
    ).content.decode()
    assert "有维吾尔语服务指南" in step2 and first.text not in step2
    login_as(client, "street_officer")
    assert (
        client.post(url, {"template": general.pk, "action": "add", "text": "x"}).status_code == 403
    )
    assert general.items.count() == 5


@pytest.mark.django_db
def test_assessment_criteria_are_configuration(client):
    from tongxin.coordination.models import AssessmentCriterion

    login_as(client, "district_officer")
    criteria = list(AssessmentCriterion.objects.all())
    data = {
        "form-TOTAL_FORMS": str(len(criteria) + 1),
        "form-INITIAL_FORMS": str(len(criteria)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, c in enumerate(criteria):
        data |= {
            f"form-{i}-id": str(c.pk),
            f"form-{i}-name": c.name,
            f"form-{i}-max_score": str(c.max_score),
            f"form-{i}-metric": c.metric,
            f"form-{i}-order": str(c.order),
        }
        if c.is_veto:
            data[f"form-{i}-is_veto"] = "on"
        if c.active:
            data[f"form-{i}-active"] = "on"
    n = len(criteria)
    data |= {
        f"form-{n}-name": "志愿服务队伍建设",
        f"form-{n}-max_score": "5",
        f"form-{n}-metric": "manual",
        f"form-{n}-order": "9",
        f"form-{n}-active": "on",
    }
    response = client.post(reverse("coordination:criteria"), data)
    assert response.status_code == 302
    added = AssessmentCriterion.objects.get(name="志愿服务队伍建设")
    assert added.code == "custom7" and added.max_score == 5
    office = User.objects.get(username="district_officer")
    assessment = services.assessment_open(actor=office, year=2024, unit=unit(STREET))
    assert assessment.scores.filter(criterion=added).exists()


@pytest.mark.django_db
def test_a_case_passed_at_a_reinspection_the_next_year_counts_as_closed_in_its_year():
    office, _liaison, school = setup_window()
    catering = ChecklistTemplate.objects.get(code="catering")
    items, answers = results(catering, fail=(0,))
    # Two years back: last year's January 8 would be in the future on January 1–7.
    year = timezone.localdate().year - 2
    first = services.inspection_record(
        actor=office,
        window_unit=school,
        template=catering,
        inspected_on=date(year, 12, 20),
        inspectors="李某",
        results=answers,
        rectification_due=date(year + 1, 1, 10),
    )
    services.inspection_record(
        actor=office,
        window_unit=school,
        previous=first,
        inspected_on=date(year + 1, 1, 8),
        inspectors="李某",
        results={items[0].pk: ("pass", "")},
    )
    mine = Inspection.objects.filter(window_unit=school)
    rows = metrics.inspection_statistics(
        metrics.inspections_in_year(year).filter(pk__in=mine), "month"
    )
    assert [(r.key, r.total, r.done, r.resolved, r.counts["rectifying"]) for r in rows] == [
        (f"{year}-12", 1, 1, 0, 0),
        ("", 1, 1, 0, 0),
    ]
    assert rows[0].days == [19]
    # The re-inspection does not make a case of its own in the next year.
    assert (
        metrics.inspection_statistics(
            metrics.inspections_in_year(year + 1).filter(pk__in=mine), "month"
        )
        == []
    )


@pytest.mark.django_db
def test_the_inspection_list_exports_with_its_filters_and_failed_counts(client):
    import csv
    import io

    office, liaison, school = setup_window()
    catering = ChecklistTemplate.objects.get(code="catering")
    _, answers = results(catering, fail=(0, 1))
    day = timezone.localdate() - timedelta(days=40)
    late = services.inspection_record(
        actor=office,
        window_unit=school,
        template=catering,
        inspected_on=day,
        inspectors="李某、赵某",
        results=answers,
        rectification_due=day + timedelta(days=10),
    )
    _, passing = results(catering)
    fine = services.inspection_record(
        actor=office,
        window_unit=school,
        template=catering,
        inspected_on=day + timedelta(days=1),
        inspectors="李某",
        results=passing,
    )
    login_as(client, "district_officer")
    url = reverse("coordination:inspection_export")

    def rows(params):
        response = client.get(url, {**params, "format": "csv"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return {r[0]: r for r in list(csv.reader(io.StringIO(text)))[2:]}

    everything = rows({})
    assert everything[late.number][1:3] == ["西大街小学", "学校"]
    assert (everything[late.number][8], everything[late.number][10]) == ("2", "是")
    assert (everything[fine.number][8], everything[fine.number][10]) == ("0", "否")
    assert set(rows({"overdue": "1"})) == {late.number}
    client.force_login(liaison)  # the education department sees its own window units
    assert late.number in rows({})


@pytest.mark.django_db
def test_after_an_error_the_inspection_form_shows_back_each_result_note_and_deadline(client):
    """A failed item must not come back as 符合: one more click would record a pass."""
    office, liaison, school = setup_window()
    general = ChecklistTemplate.objects.get(code="window_general")
    items = list(general.items.filter(active=True))
    login_as(client, "district_officer")
    url = reverse("coordination:inspection_new")
    data = {"inspected_on": "2026-03-05", "inspectors": "李某", "summary": "复查"}
    data |= {f"result-{i.pk}": "pass" for i in items}
    data[f"result-{items[1].pk}"] = "fail"
    data[f"note-{items[1].pk}"] = "仍未分开操作间"
    data["rectification_due"] = "2026-03-01"  # before the inspection: refused
    response = client.post(f"{url}?window_unit={school.pk}&template={general.pk}", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert not Inspection.objects.filter(window_unit=school).exists()
    assert "请规定晚于检查日期的整改期限" in page
    fail, passed = items[1].pk, items[0].pk
    assert f'id="r-{fail}-fail" value="fail" checked>' in page
    assert f'id="r-{fail}-pass" value="pass">' in page
    assert f'id="r-{passed}-pass" value="pass" checked>' in page
    assert 'value="仍未分开操作间"' in page
    assert 'name="rectification_due" value="2026-03-01"' in page
    # A fresh form starts on 符合 with the default deadline.
    fresh = client.get(url, {"window_unit": school.pk, "template": general.pk}).content.decode()
    assert f'id="r-{fail}-pass" value="pass" checked>' in fresh
    default_due = timezone.localdate() + timedelta(days=30)
    assert f'name="rectification_due" value="{default_due:%Y-%m-%d}"' in fresh
