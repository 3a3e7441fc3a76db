"""Every sortkey of every in-scope list endpoint, checked across pages."""

import pytest

from apihelp import assert_error, check_order, sv_primary
from spec_facts import IN_SCOPE, sort_field, sortkeys

CASES = [(ep, k) for ep in IN_SCOPE for k in sortkeys(ep)]


@pytest.mark.parametrize("ep,key", CASES, ids=["%s-%s" % c for c in CASES])
def test_sortkey_order_across_pages(api, dataset, ep, key):
    total = len(dataset.items(ep))
    lim = max(1, total // 5)
    items = api.walk("/" + ep, {"sortkey": key}, limit=lim)
    assert {i["id"] for i in items} == dataset.ids(ep), "sorted walk must return every item"
    field, direction, kind = sort_field(ep, key)
    n = check_order(items, field, direction, kind)
    assert n > 0 or total == 0, "no %s has %s" % (ep, field)


def test_swedish_collation_helper():
    names = ["Östen", "Åsa", "Zelda", "Ärling", "adam", "Bertil", "émile"]
    got = sorted(names, key=sv_primary)
    assert got == ["adam", "Bertil", "émile", "Zelda", "Åsa", "Ärling", "Östen"]


def test_persons_display_name_swedish_order(api, dataset):
    """Given names starting with Å/Ä/Ö come after Z, Ö last."""
    items = api.walk("/persons", {"sortkey": "DisplayNameAsc"}, limit=1000)
    firsts = [sv_primary(p["givenName"])[:1] for p in items]
    letters = [c for c in ("z", "{", "|", "}") if c in firsts]
    assert any(c in firsts for c in ("{", "|", "}")), "demo data needs given names starting with Å, Ä or Ö"
    pos = [max(i for i, c in enumerate(firsts) if c == l) for l in letters]
    assert pos == sorted(pos)
    assert firsts[-1] == max(firsts)


@pytest.mark.parametrize("ep", IN_SCOPE)
def test_unknown_sortkey_is_400(api, ep):
    assert_error(api.get("/" + ep, {"sortkey": "NoSuchOrder"}), 400, "sortkey")
    other = "CivicNoAsc" if ep != "persons" else "NameAsc"
    assert_error(api.get("/" + ep, {"sortkey": other}), 400, "sortkey")
