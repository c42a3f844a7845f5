"""The forms' pages: a community officer submits last month's form, the street returns it
with a comment, the community submits again and the street accepts; the street's own form
waits for every community; the index shows who has filed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import login_as
from tongxin.reports.models import FormStatus, StatForm
from tongxin.reports.periods import last_complete

pytestmark = pytest.mark.django_db

STREET, COMMUNITY = "410104001", "410104001001"
RETURNED = "410104001002"  # 北下街社区: its form returned in the demo


def test_submit_return_resubmit_accept_through_the_pages(client):
    period = last_complete("month", timezone.localdate()).key
    url = f"/reports/{COMMUNITY}/{period}/"
    login_as(client, "community_officer")
    page = client.get(url).content.decode()
    assert 'id="submit-form"' in page and "按登记数据预填" in page
    response = client.post(url, {"action": "submit", "preparer": "新华社区专干"})
    assert response.status_code == 302
    form = StatForm.objects.get(unit__code=COMMUNITY, period=period)
    assert form.status == FormStatus.SUBMITTED and form.preparer == "新华社区专干"
    page = client.get(url).content.decode()
    assert 'id="submit-form"' not in page and 'id="review-form"' not in page

    login_as(client, "street_officer")
    page = client.get(url).content.decode()
    assert 'id="review-form"' in page
    client.post(url, {"action": "return", "comment": ""})  # a return needs a reason
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    client.post(url, {"action": "return", "comment": "请核实第2网格人数"})
    form.refresh_from_db()
    assert form.status == FormStatus.RETURNED

    login_as(client, "community_officer")
    page = client.get(url).content.decode()
    assert "请核实第2网格人数" in page and "重新上报" in page
    client.post(url, {"action": "submit", "preparer": "新华社区专干"})
    login_as(client, "street_officer")
    client.post(url, {"action": "accept"})
    form.refresh_from_db()
    assert form.status == FormStatus.ACCEPTED

    index = client.get(f"/reports/?unit={STREET}&period={period}").content.decode()
    assert 'id="unit-410104001001" data-state="accepted"' in index
    assert 'data-state="returned"' in index  # the demo's returned community
    street_page = client.get(f"/reports/{STREET}/{period}/").content.decode()
    assert 'id="waiting"' in street_page and 'id="submit-form"' not in street_page


def test_a_refused_step_answers_403_and_changes_nothing(client):
    period = last_complete("month", timezone.localdate()).key
    login_as(client, "district_officer")  # two levels above a community: not its reviewer
    submitted = StatForm.objects.get(status=FormStatus.SUBMITTED, period=period)
    response = client.post(f"/reports/{submitted.unit.code}/{period}/", {"action": "accept"})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == FormStatus.SUBMITTED
    login_as(client, "leader")
    response = client.post(f"/reports/{COMMUNITY}/{period}/", {"action": "submit", "preparer": "x"})
    assert response.status_code == 403
    assert not StatForm.objects.filter(unit__code=COMMUNITY, period=period).exists()
    assert client.get(f"/reports/{COMMUNITY}/{period}/").status_code == 200  # reading is fine


def test_the_english_page_translates_the_form(client):
    period = last_complete("month", timezone.localdate()).key
    login_as(client, "community_officer")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/reports/{COMMUNITY}/{period}/").content.decode()
    assert "Present at period end" in page and "Checked: submit" in page
    assert "Basic statistics of ethnic-minority migrants" in page


def test_whoever_files_a_communitys_form_does_not_accept_it_too(client):
    from tests.reports.test_forms import officer
    from tongxin.accounts.roles import Role

    period = last_complete("month", timezone.localdate()).key
    url = f"/reports/{RETURNED}/{period}/"
    form = StatForm.objects.get(unit__code=RETURNED, period=period)
    assert form.status == FormStatus.RETURNED
    street_officer = login_as(client, "street_officer")
    client.post(url, {"action": "submit", "preparer": "北下街社区专干"})  # on its behalf
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED and form.submitted_by == street_officer
    page = client.get(url).content.decode()
    assert 'id="accept-button"' not in page and 'id="self-review"' in page
    assert "不能由本人审核通过" in page
    response = client.post(url, {"action": "accept"}, follow=True)
    assert "不能由本人审核通过" in response.content.decode()
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    assert [e.action for e in form.events.all()][-1] == "submit"

    # A colleague at the street accepts it.
    colleague = officer(STREET, Role.STREET_OFFICER)
    client.force_login(colleague)
    assert 'id="accept-button"' in client.get(url).content.decode()
    client.post(url, {"action": "accept"})
    form.refresh_from_db()
    assert form.status == FormStatus.ACCEPTED and form.reviewed_by == colleague


def test_grids_are_not_marked_as_missing_forms_but_communities_are(client):
    import re

    from tongxin.geo.models import Unit

    period = last_complete("month", timezone.localdate()).key
    login_as(client, "community_officer")
    page = client.get(f"/reports/{COMMUNITY}/{period}/").content.decode()
    grids = [g.code for g in Unit.objects.filter(parent__code=COMMUNITY)]
    assert grids
    for grid in grids:
        row = re.search(rf'<tr id="row-{grid}"[^>]*>.*?</tr>', page, re.S).group(0)
        assert "未上报" not in row and "table-warning" not in row
    assert "标黄的下级单位尚未上报" not in page

    # On the street's form, the community that has not filed still is.
    login_as(client, "street_officer")
    page = client.get(f"/reports/{STREET}/{period}/").content.decode()
    row = re.search(rf'<tr id="row-{COMMUNITY}"[^>]*>.*?</tr>', page, re.S).group(0)
    assert "未上报" in row and "table-warning" in row
