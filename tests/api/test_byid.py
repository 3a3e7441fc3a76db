"""GET /{id}: the object, 404 for unknown ids, 400 for malformed ids."""

import uuid

import pytest

from apihelp import assert_error, sample
from spec_facts import IN_SCOPE


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_get_by_id_equals_list_item(api, dataset, validate, ep):
    items = dataset.items(ep)
    for it in sample(items, 12):
        r = api.get("/%s/%s" % (ep, it["id"]))
        assert r.status_code == 200, r.text[:300]
        obj = r.json()
        validate(obj, "GET /%s/{id}" % ep)
        assert obj == it, "GET /%s/%s differs from the list item" % (ep, it["id"])


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_unknown_id_is_404(api, ep):
    r = api.get("/%s/%s" % (ep, uuid.uuid4()))
    assert_error(r, 404)


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_id_of_other_kind_is_404(api, dataset, ep):
    other = "rooms" if ep != "rooms" else "persons"
    oid = sample(dataset.items(other), 1)[0]["id"]
    if oid in dataset.ids(ep):
        pytest.skip("shared id")
    assert_error(api.get("/%s/%s" % (ep, oid)), 404)


@pytest.mark.parametrize("ep", IN_SCOPE)
@pytest.mark.parametrize("bad", ["abc", "1234", "00000000-0000-0000-0000-00000000000g",
                                 "00000000000000000000000000000000x", "%C3%A5"])
def test_malformed_id_is_400(api, ep, bad):
    assert_error(api.get("/%s/%s" % (ep, bad)), 400)


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_by_id_rejects_list_parameters(api, dataset, ep):
    it = dataset.items(ep)[0]
    assert_error(api.get("/%s/%s" % (ep, it["id"]), {"limit": "5"}), 400, "limit")
