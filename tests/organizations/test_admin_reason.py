"""Every admin form asks for the reason (修改理由); history pages only show, never revert."""

import pytest
from django.contrib import admin

from campaigns.models import Indicator
from organizations.admin_tools import REASON_FIELD, ReasonAdminMixin
from organizations.models import Role, Unit
from tests.factories import County, make_user

pytestmark = pytest.mark.django_db


def test_every_add_form_asks_for_the_reason(admin_client, admin_user, rf):
    request = rf.get("/")
    request.user = admin_user
    asked = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ReasonAdminMixin) or not model_admin.has_add_permission(request):
            continue
        opts = model._meta
        r = admin_client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/")
        assert r.status_code == 200, opts.label
        assert f'name="{REASON_FIELD}"' in r.text, opts.label
        asked += 1
    assert asked >= 15


def test_change_forms_of_accounts_and_the_catalogue_ask_for_it_too(admin_client):
    c = County(full=False)
    user = make_user("vs", Role.VILLAGE_SECRETARY, c.villages[0])
    indicator = Indicator.objects.first()
    for path in (f"/admin/organizations/user/{user.pk}/change/", f"/admin/campaigns/indicator/{indicator.pk}/change/",
                 f"/admin/organizations/unit/{c.villages[0].pk}/change/"):
        r = admin_client.get(path)
        assert r.status_code == 200 and f'name="{REASON_FIELD}"' in r.text, path
    r = admin_client.post(f"/admin/campaigns/indicator/{indicator.pk}/change/", {
        "code": indicator.code, "name": "改名后的指标", "unit": indicator.unit, "order": indicator.order,
        "kind": indicator.kind, "definition": "", "max_per_activity": "", "active": "on",
        REASON_FIELD: "统一口径"})
    assert r.status_code == 302, r.text[:2000]
    assert indicator.history.order_by("-history_date").first().history_change_reason == "统一口径"


def test_history_pages_do_not_revert(admin_client):
    c = County(full=False)
    unit = c.villages[0]
    record = Unit.history.filter(id=unit.pk).first()
    url = f"/admin/organizations/unit/{unit.pk}/history/{record.history_id}/"
    assert admin_client.get(url).status_code == 200
    r = admin_client.post(url, {"code": unit.code, "name": "回退", "kind": unit.kind, REASON_FIELD: "回退"})
    assert r.status_code == 403
    assert Unit.objects.get(pk=unit.pk).name == unit.name
