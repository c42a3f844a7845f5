"""Origin-region cooperation: the liaison account sees only what is shared with its region."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.scoping import scoped
from tongxin.coordination import services
from tongxin.coordination.models import (
    ExchangeRecord,
    JointMeeting,
    PartnerRegion,
    RegionContact,
)
from tongxin.geo.models import Unit
from tongxin.registry.models import Person
from tongxin.services.models import Notification

from ..conftest import login_as

HOTAN = "新疆维吾尔自治区和田地区"


@pytest.mark.django_db
def test_the_liaison_sees_only_what_is_shared_with_its_region(client):
    admin = User.objects.get(username="city_admin")
    liaison = User.objects.get(username="origin_liaison")
    hotan = PartnerRegion.objects.get(name=HOTAN)
    lhasa = services.region_create(
        actor=admin, name="西藏自治区拉萨市", code="540100", unit=Unit.objects.get(code="410100")
    )
    services.exchange_add(
        actor=admin,
        region=lhasa,
        kind="information",
        date=timezone.localdate(),
        title="拉萨的记录",
        content="不给和田看。",
    )
    assert list(scoped(liaison, PartnerRegion.objects.all())) == [hotan]
    shared = scoped(liaison, ExchangeRecord.objects.all())
    assert sorted(shared.values_list("title", flat=True)) == [
        "联合调处一起劳资纠纷",
        "通报来郑务工人员就业和子女入学情况",
    ]
    assert (
        not ExchangeRecord.objects.filter(region=hotan, shared=False)
        .filter(pk__in=shared.values("pk"))
        .exists()
    )
    assert scoped(liaison, Person.objects.all()).count() == 0

    login_as(client, "origin_liaison")
    page = client.get(reverse("coordination:region_detail", args=[hotan.pk])).content.decode()
    assert "干部双向挂职交流方案" not in page  # not shared
    assert "通报来郑务工人员就业和子女入学情况" in page
    assert "郑州市—和田地区少数民族流动人口服务管理联席会议" in page
    assert "少数民族流动人口服务管理工作联席会议" not in page  # the city's own meeting
    assert 'name="action" value="exchange"' not in page  # read only
    assert client.get(reverse("coordination:region_detail", args=[lhasa.pk])).status_code == 404
    assert client.get(reverse("coordination:region_list")).content.decode().count("card h-100") == 1
    for name in ("registry:person_list", "disputes:dispute_list", "coordination:meeting_list"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("api:persons-list")).status_code == 403
    assert (
        client.post(
            reverse("coordination:region_detail", args=[hotan.pk]),
            {
                "action": "exchange",
                "kind": "other",
                "date": "2026-03-01",
                "title": "x",
                "content": "y",
            },
        ).status_code
        == 403
    )
    held = JointMeeting.objects.filter(partner_regions=hotan)
    assert held.count() == 1 and held.get().status == "held"


@pytest.mark.django_db
def test_shared_records_reach_the_liaison_and_contacts_are_encrypted():
    admin = User.objects.get(username="city_admin")
    hotan = PartnerRegion.objects.get(name=HOTAN)
    services.exchange_add(
        actor=admin,
        region=hotan,
        kind="cadre",
        date=timezone.localdate() - timedelta(days=1),
        title="挂职干部到岗",
        content="两名干部已到市民宗局挂职。",
    )
    assert Notification.objects.filter(
        user__username="origin_liaison", text="郑州市共享了交流记录：挂职干部到岗"
    ).exists()
    contact = services.contact_add(
        actor=admin, region=hotan, name="买买提·吐尔逊", phone="13900001111"
    )
    stored = RegionContact.objects.get(pk=contact.pk)
    assert "13900001111" not in stored.phone_enc and stored.phone == "13900001111"


@pytest.mark.django_db
def test_only_origin_liaison_accounts_can_be_linked_to_a_region():
    admin = User.objects.get(username="city_admin")
    hotan = PartnerRegion.objects.get(name=HOTAN)
    with pytest.raises(services.CoordinationError, match="流出地联络员"):
        services.liaison_link(
            actor=admin, region=hotan, user=User.objects.get(username="street_officer")
        )
    with pytest.raises(services.CoordinationError, match="已关联一个流出地"):
        services.liaison_link(
            actor=admin, region=hotan, user=User.objects.get(username="origin_liaison")
        )
    with pytest.raises(services.CoordinationError, match="没有管理流出地协作的权限"):
        services.exchange_add(
            actor=User.objects.get(username="origin_liaison"),
            region=hotan,
            kind="other",
            date=timezone.localdate(),
            title="x",
            content="y",
        )


@pytest.mark.django_db
def test_a_refused_exchange_record_keeps_the_subject_and_content_typed(client):
    hotan = PartnerRegion.objects.get(name=HOTAN)
    login_as(client, "city_admin")
    url = reverse("coordination:region_detail", args=[hotan.pk])
    future = (timezone.localdate() + timedelta(days=5)).isoformat()
    typed = {
        "action": "exchange",
        "kind": "information",
        "date": future,
        "title": "通报返乡务工人员情况",
        "content": "十一月共有 23 名务工人员返乡，其中 5 人有再次来郑意向。",
    }
    response = client.post(url, typed)
    page = response.content.decode()
    assert response.status_code == 200 and "日期不能晚于今天。" in page
    assert 'value="通报返乡务工人员情况"' in page
    assert "十一月共有 23 名务工人员返乡，其中 5 人有再次来郑意向。</textarea>" in page
    assert f'value="{future}"' in page
    assert not ExchangeRecord.objects.filter(title="通报返乡务工人员情况").exists()
