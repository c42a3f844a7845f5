"""What a leader's dashboard shows for a unit and period, assembled from the statistics'
monthly counts (`reports.counts`: a few dozen rows, never a scan of the registry) and from
the requests and disputes of the period. Every mark carries the address of the list behind
it, when the user may open that list."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import scoped
from tongxin.core.codes import ETHNICITY_NAMES
from tongxin.disputes.models import RESOLVED_RESULTS, Dispute, Kind
from tongxin.disputes.models import Status as DisputeStatus
from tongxin.geo.divisions import province_names
from tongxin.geo.models import Level, Unit, subtree_q
from tongxin.registry.codes import HousingKind, StayReason
from tongxin.reports import counts
from tongxin.reports.periods import Period, add_months
from tongxin.services.models import OPEN_STATUSES, ServiceRequest

SERIES_MONTHS = 60  # five years of arrivals and departures: the seasons show
TOP_ORIGINS = 10


def _value(vector, key: str) -> int:
    return int(vector[counts.KEYS.index(key)])


def _values(vector, prefix: str) -> dict[str, int]:
    """{suffix: n} of the keys that start with `prefix`, zeros left out."""
    return {
        key[len(prefix) :]: int(vector[i])
        for i, key in enumerate(counts.KEYS)
        if key.startswith(prefix) and vector[i]
    }


class Links:
    """Addresses of the lists behind the marks, only where the user may open them."""

    def __init__(self, user, unit: Unit):
        self.unit = unit
        self.persons = user.can(Cap.PERSON_READ)
        self.requests = user.can(Cap.REQUEST_READ)
        self.disputes = user.can(Cap.DISPUTE_READ)

    def person_list(self, **filters) -> str:
        if not self.persons:
            return ""
        return "/registry/persons/?" + urlencode(
            {"unit": self.unit.code, "present": "1", **filters}
        )

    def request_list(self, **filters) -> str:
        if not self.requests:
            return ""
        return "/services/requests/?" + urlencode(
            {"queue": "all", "unit": self.unit.code, **filters}
        )

    def dispute_list(self, **filters) -> str:
        if not self.disputes:
            return ""
        return "/disputes/?" + urlencode({"unit": self.unit.code, **filters})


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def dashboard(user, unit: Unit, period: Period, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    end = min(period.end, today)
    links = Links(user, unit)
    children = list(Unit.objects.filter(parent=unit).order_by("path"))
    vectors = counts.period_vectors([unit.pk, *[c.pk for c in children]], period, today)
    v = vectors[unit.pk]
    provinces = province_names()

    # Who they are.
    ethnicity = sorted(_values(v, "eth:").items(), key=lambda kv: -kv[1])
    ethnicity_rows = [
        {
            "code": c,
            "name": ETHNICITY_NAMES.get(c, c),
            "value": n,
            "url": links.person_list(ethnicity=c),
        }
        for c, n in ethnicity
    ]
    bands = counts.PYRAMID_BANDS
    pyramid = {
        "bands": [f"{b}–{b + 4}" if b < bands[-1] else f"{b}+" for b in bands],
        "male": [_value(v, f"pyr:1:{b}") for b in bands],
        "female": [_value(v, f"pyr:2:{b}") for b in bands],
        "urls": [
            {
                sex: links.person_list(
                    sex=sex, age_from=b, **({"age_to": b + 4} if b < bands[-1] else {})
                )
                for sex in ("1", "2")
            }
            for b in bands
        ],
    }
    reasons = [
        {
            "code": r,
            "name": str(StayReason(r).label),
            "value": n,
            "url": links.person_list(reason=r),
        }
        for r, n in sorted(_values(v, "rsn:").items(), key=lambda kv: -kv[1])
    ]
    housing_labels = dict(HousingKind.choices) | {"none": _("未登记住房")}
    housing = [
        {
            "code": h,
            "name": str(housing_labels.get(h, h)),
            "value": n,
            "url": links.person_list(housing_kind=h),
        }
        for h, n in sorted(_values(v, "hk:").items(), key=lambda kv: -kv[1])
    ]

    # Where they come from, and where they live.
    origin_counts = sorted(_values(v, "orig:").items(), key=lambda kv: -kv[1])

    def province(code: str) -> str:
        return provinces.get(code, _("不详")) if code != "00" else _("不详")

    origins = [
        {
            "code": c,
            "name": province(c),
            "value": n,
            "url": links.person_list(origin_province=c) if c != "00" else "",
        }
        for c, n in origin_counts[:TOP_ORIGINS]
    ]
    top = {c for c, _n in origin_counts[:8]}
    flows: Counter = Counter()
    for child in children:
        for code, n in _values(vectors[child.pk], "orig:").items():
            flows[(code if code in top else "other", child.pk)] += n
    by_pk = {c.pk: c for c in children}
    sankey_nodes = [province(c) for c, _n in origin_counts[:8]]
    if any(src == "other" for src, _c in flows):
        sankey_nodes.append(_("其他省份"))
    sankey_nodes += [c.name for c in children if _value(vectors[c.pk], "present")]
    sankey = {
        "nodes": [{"name": n} for n in dict.fromkeys(sankey_nodes)],
        "links": [
            {
                "source": province(src) if src != "other" else _("其他省份"),
                "target": by_pk[child].name,
                "value": n,
                "url": Links(user, by_pk[child]).person_list(origin_province=src)
                if src not in ("other", "00")
                else "",
            }
            for (src, child), n in sorted(flows.items(), key=lambda kv: -kv[1])
            if n
        ],
    }
    distribution = [
        {
            "code": c.code,
            "name": c.name,
            "value": _value(vectors[c.pk], "present"),
            # Drill down to the child's own dashboard; a grid's persons are the list.
            "url": (
                f"/analytics/?unit={c.code}&period={period.key}"
                if c.level != Level.GRID
                else Links(user, c).person_list()
            ),
        }
        for c in children
    ]

    # How the numbers move, month by month.
    last_month = end.replace(day=1)
    first_month = add_months(last_month, -(SERIES_MONTHS - 1))
    series = counts.monthly_series(
        unit.pk, first_month, last_month, ["present", "in", "out", "move_in", "move_out"]
    )
    monthly = [
        {
            "month": f"{s['month']:%Y-%m}",
            "present": s["present"],
            "in": s["in"],
            "out": s["out"],
            "move_in": s["move_in"],
            "move_out": s["move_out"],
            "url": links.person_list(
                arrival_from=s["month"].isoformat(),
                arrival_to=(add_months(s["month"], 1) - timedelta(days=1)).isoformat(),
                present="",
            ),
        }
        for s in series
    ]

    # How well requests and disputes are handled.
    requests = scoped(
        user,
        ServiceRequest.objects.filter(subtree_q(unit.path, "unit_path")),
        capability=Cap.DASHBOARD,
    )
    start, stop = _aware(period.start), _aware(end + timedelta(days=1))
    now = timezone.now()
    open_now = requests.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    received = requests.filter(received_at__gte=start, received_at__lt=stop)
    # The lists behind the bars hold what the bars count: the period's months.
    months = {"from": f"{period.start:%Y-%m}", "to": f"{end:%Y-%m}"}
    received_in_period = months
    resolved_in_period = {"resolved_from": months["from"], "resolved_to": months["to"]}
    by_category = [
        {
            "code": row["category__code"],
            "name": row["category__name"],
            "value": row["n"],
            "url": links.request_list(category=row["category__code"], **received_in_period),
        }
        for row in received.values("category__code", "category__name")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    resolved = requests.filter(resolved_at__gte=start, resolved_at__lt=stop)
    on_time_total = resolved.aggregate(
        n=Count("pk"), on_time=Count("pk", filter=Q(resolved_at__lte=F("due_at")))
    )
    by_department = []
    for row in (
        resolved.values("department__code", "department__name")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(resolved_at__lte=F("due_at"))))
        .order_by("department__name")
    ):
        by_department.append(
            {
                "code": row["department__code"] or "",
                "name": row["department__name"] or _("未转办"),
                "resolved": row["n"],
                "value": round(100 * row["on_time"] / row["n"]) if row["n"] else 0,
                "url": links.request_list(department=row["department__code"], **resolved_in_period)
                if row["department__code"]
                else "",
            }
        )
    disputes = scoped(
        user, Dispute.objects.filter(subtree_q(unit.path, "unit_path")), capability=Cap.DASHBOARD
    )
    found = disputes.filter(found_on__gte=period.start, found_on__lte=end)
    kind_labels = dict(Kind.choices)
    # The list behind a bar holds what the bar counts: the period's months.
    found_in_period = {"from": f"{period.start:%Y-%m}", "to": f"{end:%Y-%m}"}
    disputes_by_kind = [
        {
            "code": row["kind"],
            "name": str(kind_labels.get(row["kind"], row["kind"])),
            "value": row["n"],
            "url": links.dispute_list(kind=row["kind"], **found_in_period),
        }
        for row in found.values("kind").annotate(n=Count("pk")).order_by("-n")
    ]
    year_ago = add_months(last_month, -11)
    per_month = Counter(
        f"{d:%Y-%m}"
        for d in disputes.filter(found_on__gte=year_ago, found_on__lte=end).values_list(
            "found_on", flat=True
        )
    )
    disputes_by_month = []
    month = year_ago
    while month <= last_month:
        key = f"{month:%Y-%m}"
        disputes_by_month.append(
            {"month": key, "value": per_month.get(key, 0), "url": links.dispute_list(month=key)}
        )
        month = add_months(month, 1)
    resolved_disputes = found.filter(status=DisputeStatus.CONCLUDED, result__in=RESOLVED_RESULTS)

    kpis = {
        "present": _value(v, "present"),
        "arrivals": _value(v, "in"),
        "departures": _value(v, "out"),
        "moves": _value(v, "move_in"),
        "open_requests": open_now["open"],
        "overdue_requests": open_now["overdue"],
        "on_time_rate": (
            round(100 * on_time_total["on_time"] / on_time_total["n"])
            if on_time_total["n"]
            else None
        ),
        "disputes": found.count(),
        "disputes_resolved": resolved_disputes.count(),
    }
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "period": {"key": period.key, "label": period.label, "as_of": end.isoformat()},
        "kpis": kpis,
        "ethnicity": ethnicity_rows,
        "pyramid": pyramid,
        "reasons": reasons,
        "housing": housing,
        "origins": origins,
        "sankey": sankey,
        "distribution": distribution,
        "monthly": monthly,
        "requests_by_category": by_category,
        "on_time_by_department": by_department,
        "disputes_by_kind": disputes_by_kind,
        "disputes_by_month": disputes_by_month,
    }
