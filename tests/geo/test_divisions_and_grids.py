import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent
from tongxin.geo.models import Level, Unit, path_upper_bound, subtree_q
from tongxin.geo.services import DivisionError, divisions_load

from ..conftest import login_as


@given(st.from_regex(r"[0-9]{1,12}", fullmatch=True), st.from_regex(r"[0-9]{0,6}", fullmatch=True))
def test_subtree_range_contains_exactly_the_prefixed_codes(prefix, other):
    upper = path_upper_bound(prefix)
    inside = prefix + other
    assert inside >= prefix and (upper is None or inside < upper)
    # A code that does not start with the prefix falls outside the range.
    candidate = other + prefix
    if not candidate.startswith(prefix):
        assert not (candidate >= prefix and (upper is None or candidate < upper))


@pytest.mark.django_db
def test_demo_city_has_the_real_zhengzhou_tree():
    street = Unit.objects.get(code="410104001")
    assert street.name == "北下街街道"
    assert street.level == Level.STREET
    assert street.parent.code == "410104"
    assert street.parent.parent.code == "410100"
    assert [u.name for u in street.ancestors()] == ["河南省", "郑州市", "管城回族区"]
    community = Unit.objects.get(code="410104001001")
    grids = Unit.objects.filter(parent=community)
    assert {g.code for g in grids} == {"410104001001001", "410104001001002"}


@pytest.mark.django_db
def test_subtree_query_matches_the_parent_links():
    district = Unit.objects.get(code="410104")
    by_path = set(Unit.objects.filter(subtree_q(district.path)).values_list("pk", flat=True))
    by_links, frontier = {district.pk}, [district.pk]
    while frontier:
        frontier = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        by_links.update(frontier)
    assert by_path == by_links
    assert len(by_path) > 100


@pytest.mark.django_db
def test_loading_again_changes_nothing(capsys):
    before = Unit.objects.count()
    call_command("load_divisions", "--root", "410104")
    assert Unit.objects.count() == before
    assert "新增 0" in capsys.readouterr().out


@pytest.mark.django_db
def test_loading_another_city_adds_its_districts_streets_and_communities():
    result = divisions_load("410200")  # 开封市
    assert result["created"] > 100
    kaifeng = Unit.objects.get(code="410200")
    assert kaifeng.level == Level.CITY
    assert kaifeng.parent.code == "410000"
    assert Unit.objects.filter(level=Level.COMMUNITY, path__startswith="4102").exists()


@pytest.mark.parametrize(
    "code,message",
    [("41010", "格式不正确"), ("abc", "格式不正确"), ("419900", "不存在"), ("410104999", "不存在")],
)
@pytest.mark.django_db
def test_bad_root_codes_give_a_clear_error(code, message):
    before = Unit.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("load_divisions", "--root", code)
    assert Unit.objects.count() == before
    with pytest.raises(DivisionError):
        divisions_load(code)


@pytest.mark.django_db
def test_community_officer_draws_a_grid_with_the_next_code(client):
    login_as(client, "community_officer")
    response = client.post(reverse("geo:unit", args=["410104001001"]), {"name": "清真寺街网格"})
    assert response.status_code == 302
    grid = Unit.objects.get(code="410104001001003")
    assert grid.name == "清真寺街网格"
    assert grid.level == Level.GRID
    assert grid.path == grid.code
    assert AuditEvent.objects.filter(
        action="create", object_type="geo.unit", object_id=str(grid.pk)
    ).exists()


@pytest.mark.django_db
def test_a_grid_needs_a_name(client):
    login_as(client, "community_officer")
    response = client.post(reverse("geo:unit", args=["410104001001"]), {"name": ""})
    assert response.status_code == 200
    assert (
        "必填" in response.content.decode() or "This field is required" in response.content.decode()
    )


@pytest.mark.django_db
def test_assigning_grid_workers_moves_them_and_is_audited(client):
    login_as(client, "community_officer")
    grid_a = Unit.objects.get(code="410104001001001")
    worker_b = User.objects.get(username="grid_worker_b")
    response = client.post(
        reverse("geo:grid_edit", args=[grid_a.code]),
        {"name": "新华一网格", "workers": [worker_b.pk]},
    )
    assert response.status_code == 302
    worker_b.refresh_from_db()
    assert worker_b.unit == grid_a
    # grid_worker_a was removed from the grid and returned to the community.
    assert User.objects.get(username="grid_worker_a").unit.code == "410104001001"
    event = AuditEvent.objects.filter(action="permission", object_id=str(grid_a.pk)).first()
    assert "grid_worker_b" in event.detail


@pytest.mark.django_db
def test_street_officer_of_another_street_cannot_touch_this_grid(client):
    from tongxin.accounts.services import user_create

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
    assert client.get(reverse("geo:grid_edit", args=["410104001001001"])).status_code == 404
    response = client.post(reverse("geo:unit", args=["410104001001"]), {"name": "越权网格"})
    assert response.status_code == 404
    assert not Unit.objects.filter(name="越权网格").exists()
