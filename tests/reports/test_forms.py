"""The basic-situation form: filled from the registry, submitted and frozen, returned and
resubmitted, accepted up the levels; totals equal to the sum of the children and to the
registry; the comparison with the registry after a change; the column configuration."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.registry.factories import register
from tests.reports.oracle import count as oracle
from tongxin.accounts.models import User
from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import user_create
from tongxin.geo.models import Level, Unit
from tongxin.registry import services as registry
from tongxin.reports import counts, services, tables
from tongxin.reports.models import FormStatus, ReportColumn, StatForm
from tongxin.reports.periods import Period, last_complete

pytestmark = pytest.mark.django_db

STREET = "410104001"
COMMUNITY = "410104001001"  # 新华社区, the demo community officer's: not filed in the demo


def last_month() -> Period:
    return last_complete("month", timezone.localdate())


def officer(code: str, role: str) -> User:
    """An officer of any unit, made the way the account screen does."""
    unit = Unit.objects.get(code=code)
    return user_create(
        actor=None,
        username=f"officer_{code}_{role}",
        password="Tongxin@2026demo",
        unit=unit,
        roles={role},
        data_scope=DataScope.SUBTREE,
        full_name=f"{unit.name}专干",
        validate=False,
    )


def file_street(period: Period) -> StatForm:
    """Every community of the demo street files (the street's clerk on behalf of those
    without an account) and is accepted by the street officer; then the street files."""
    street = Unit.objects.get(code=STREET)
    street_officer = User.objects.get(username="street_officer")
    clerk = User.objects.get(username="street_clerk")
    for community in Unit.objects.filter(parent=street):
        form = tables.form_of(community, period)
        if form is None or form.status == FormStatus.RETURNED:
            form = services.form_submit(actor=clerk, unit=community, period=period, preparer="专干")
        if form.status != FormStatus.ACCEPTED:
            services.form_review(actor=street_officer, form=form, accept=True)
    return services.form_submit(actor=street_officer, unit=street, period=period, preparer="专干")


def values(form: StatForm, code: str) -> dict[str, int]:
    for row in form.data["rows"]:
        if row["unit"] == code:
            return row["values"]
    raise KeyError(code)


def test_a_community_form_is_filled_from_the_registry_and_adds_up():
    period = last_month()
    community = Unit.objects.get(code=COMMUNITY)
    table = tables.compute(community, period)
    assert [r.unit_code for r in table.rows if not r.own_level] == [
        g.code for g in Unit.objects.filter(parent=community).order_by("path")
    ]
    registry_now = oracle(community.path, period.start, timezone.localdate())
    assert table.total["present"] == registry_now["present"] > 0
    assert table.total["eth_hui"] == registry_now.get("eth:03", 0)
    assert table.total["age_18_59"] == sum(registry_now.get(f"age:{a}", 0) for a in range(18, 60))
    for column in table.columns:
        assert table.total[column.code] == sum(r.values[column.code] for r in table.rows)
    # The totals of the registry's columns are the registry's own count for the unit.
    assert table.total == tables.registry_total(community, period)


def test_every_level_totals_its_children_and_the_registry():
    period = last_month()
    street_form = file_street(period)
    street = Unit.objects.get(code=STREET)
    district = Unit.objects.get(code="410104")
    district_officer = User.objects.get(username="district_officer")
    services.form_review(actor=district_officer, form=street_form, accept=True)
    # The street's total is the sum of its communities' submitted totals …
    for column in street_form.data["columns"]:
        code = column["code"]
        assert street_form.data["total"][code] == sum(
            f.data["total"][code]
            for f in StatForm.objects.filter(unit__parent=street, period=period.key)
        )
    # … and what the registry says for the street.
    assert street_form.data["total"] == tables.registry_total(street, period)
    # The district's form shows the street's accepted total and, for the others, the registry.
    table = tables.compute(district, period)
    street_row = next(r for r in table.rows if r.unit_code == STREET)
    assert street_row.source == tables.FORM and street_row.values == street_form.data["total"]
    assert table.total == tables.registry_total(district, period)


def test_a_submitted_form_never_changes_and_the_comparison_shows_what_did():
    period = last_month()
    community = Unit.objects.get(code=COMMUNITY)
    community_officer = User.objects.get(username="community_officer")
    form = services.form_submit(
        actor=community_officer, unit=community, period=period, preparer="新华社区专干"
    )
    frozen = form.data
    assert tables.differences(form) == []
    # A late registration: someone who arrived in the period, recorded today.
    grid = Unit.objects.filter(parent=community).order_by("path").first()
    register(community_officer, "补登记", grid_unit=grid, arrival=period.start + timedelta(days=3))
    form.refresh_from_db()
    assert form.data == frozen
    changes = {(d.unit_code, d.column): (d.submitted, d.now) for d in tables.differences(form)}
    before = values(form, grid.code)
    assert changes[(grid.code, "present")] == (before["present"], before["present"] + 1)
    assert changes[(grid.code, "arrivals")] == (before["arrivals"], before["arrivals"] + 1)
    assert changes[(grid.code, "eth_hui")] == (before["eth_hui"], before["eth_hui"] + 1)


def test_return_with_a_comment_then_resubmit_with_the_registry_corrected():
    period = last_month()
    community = Unit.objects.get(code=COMMUNITY)
    community_officer = User.objects.get(username="community_officer")
    street_officer = User.objects.get(username="street_officer")
    form = services.form_submit(
        actor=community_officer, unit=community, period=period, preparer="甲"
    )
    with pytest.raises(ValidationError):
        services.form_review(actor=street_officer, form=form, accept=False, comment="  ")
    with pytest.raises(ValidationError):  # submitted already: only a return reopens it
        services.form_submit(actor=community_officer, unit=community, period=period, preparer="甲")
    services.form_review(actor=street_officer, form=form, accept=False, comment="人数偏少，请核实")
    form.refresh_from_db()
    assert form.status == FormStatus.RETURNED and form.comment == "人数偏少，请核实"
    assert community_officer.notifications.filter(kind="report_returned").exists()
    grid = Unit.objects.filter(parent=community).order_by("path").first()
    register(
        community_officer, "漏登人员", grid_unit=grid, arrival=period.start + timedelta(days=1)
    )
    services.form_submit(actor=community_officer, unit=community, period=period, preparer="乙")
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED and form.preparer == "乙" and form.comment == ""
    assert form.data["total"] == tables.registry_total(community, period)
    services.form_review(actor=street_officer, form=form, accept=True)
    form.refresh_from_db()
    assert form.status == FormStatus.ACCEPTED and form.reviewed_by == street_officer
    assert [e.action for e in form.events.all()] == ["submit", "return", "submit", "accept"]


def test_the_street_cannot_submit_before_every_community_is_accepted():
    period = last_month()
    street = Unit.objects.get(code=STREET)
    street_officer = User.objects.get(username="street_officer")
    with pytest.raises(ValidationError) as raised:
        services.form_submit(actor=street_officer, unit=street, period=period, preparer="专干")
    assert "新华社区居委会" in str(raised.value)
    assert tables.form_of(street, period) is None


def test_who_may_file_and_review():
    period = last_month()
    community = Unit.objects.get(code=COMMUNITY)
    other = Unit.objects.get(code="410104001002")
    community_officer = User.objects.get(username="community_officer")
    with pytest.raises(PermissionDenied):  # another community's form
        services.form_submit(actor=community_officer, unit=other, period=period, preparer="甲")
    with pytest.raises(PermissionDenied):  # the district is two levels up: the street files
        services.form_submit(
            actor=User.objects.get(username="district_officer"),
            unit=community,
            period=period,
            preparer="甲",
        )
    with pytest.raises(ValidationError):  # the running month has not ended
        services.form_submit(
            actor=community_officer,
            unit=community,
            period=Period.of("month", timezone.localdate()),
            preparer="甲",
        )
    form = services.form_submit(
        actor=community_officer, unit=community, period=period, preparer="甲"
    )
    for reviewer in ("community_officer", "district_officer", "leader"):
        with pytest.raises(PermissionDenied):
            services.form_review(actor=User.objects.get(username=reviewer), form=form, accept=True)
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED


def test_deadline_in_working_days_and_lateness():
    # October 2026 ends before the National Day week is made up: the 3rd working day after
    # 31 October (Saturday) is Wednesday 4 November.
    period = Period.parse("2026-10")
    community = Unit.objects.get(code=COMMUNITY)
    assert services.deadline_for(tables.default_template(), community, period) == date(2026, 11, 4)
    form = services.form_submit(
        actor=User.objects.get(username="community_officer"),
        unit=community,
        period=period,
        preparer="甲",
    )
    assert form.deadline == date(2026, 11, 4)
    assert form.late == (timezone.localdate() > date(2026, 11, 4))


def test_a_city_adds_a_column_and_only_new_forms_use_it():
    period = last_month()
    community = Unit.objects.get(code=COMMUNITY)
    community_officer = User.objects.get(username="community_officer")
    admin = User.objects.get(username="city_admin")
    old = (
        services.form_submit(
            actor=User.objects.get(username="street_officer"),
            unit=Unit.objects.get(code="410104001003"),
            period=period,
            preparer="甲",
        )
        if tables.form_of(Unit.objects.get(code="410104001003"), period) is None
        else tables.form_of(Unit.objects.get(code="410104001003"), period)
    )
    with pytest.raises(ValidationError):
        services.column_save(
            actor=admin,
            template=tables.default_template(),
            code="bad",
            group="",
            label="坏",
            keys="eth:99",
            order=1,
        )
    with pytest.raises(PermissionDenied):
        services.column_save(
            actor=community_officer,
            template=tables.default_template(),
            code="x",
            group="",
            label="x",
            keys="present",
            order=1,
        )
    services.column_save(
        actor=admin,
        template=tables.default_template(),
        code="eth_dongxiang",
        group="民族",
        label="东乡族",
        keys="eth:26",
        order=215,
    )
    table = tables.compute(community, period)
    assert "eth_dongxiang" in [c.code for c in table.columns]
    registry_now = oracle(community.path, period.start, timezone.localdate())
    assert table.total["eth_dongxiang"] == registry_now.get("eth:26", 0)
    old.refresh_from_db()
    assert "eth_dongxiang" not in [c["code"] for c in old.data["columns"]]
    assert ReportColumn.objects.get(code="eth_dongxiang").keys == "eth:26"


def test_quarter_and_year_add_up_the_months():
    community = Unit.objects.get(code=COMMUNITY)
    quarter = last_complete("quarter", timezone.localdate())
    months = [Period.of("month", m) for m in quarter.months()]
    q = tables.compute(community, quarter)
    per_month = [tables.compute(community, m) for m in months]
    assert q.total["arrivals"] == sum(t.total["arrivals"] for t in per_month)
    assert q.total["departures"] == sum(t.total["departures"] for t in per_month)
    assert q.total["present"] == per_month[-1].total["present"]
    assert q.total["age_60"] == per_month[-1].total["age_60"]


def test_forms_look_back_at_the_stay_history_not_todays_state():
    period = last_month()
    community = Unit.objects.get(code=COMMUNITY)
    before = tables.compute(community, period).total
    person = next(
        p
        for p in registry.Person.objects.filter(unit_path__startswith=COMMUNITY, present=True)
        if p.arrival_date <= period.start
    )
    registry.stay_close(
        actor=User.objects.get(username="community_officer"),
        person=person,
        departure_date=timezone.localdate(),
    )
    counts.refresh()
    assert tables.compute(community, period).total == before  # present at the month's end
    now = tables.compute(community, Period.of("month", timezone.localdate())).total
    assert now["departures"] >= 1


def test_grid_workers_file_nothing():
    grid_worker = User.objects.get(username="grid_worker_a")
    assert services.filing_refusal(grid_worker, grid_worker.unit)
    unit = Unit.objects.filter(level=Level.GRID).first()
    street_officer = officer(unit.parent.code, Role.COMMUNITY_OFFICER)
    assert services.filing_refusal(street_officer, unit)
