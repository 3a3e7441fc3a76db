"""Randomized property test of the access view (issue 5): random
organisation trees with pupils, guardians, staff, groups and placements
(some persons protected, group members drawn across schools), random
grants, and for every endpoint, expand, lookup, GET by id and page walk no
response holds an id, field or displayName outside the grant. The oracle
is accesshelp.Oracle, computed from the full data in Python, not by the
server. Seeded and bounded: SKOLNAV_ACCESS_SEED, SKOLNAV_ACCESS_WORLDS,
SKOLNAV_ACCESS_GRANTS."""

import os
import random
import uuid

import pytest

from accesshelp import FullData, Oracle, check_response_items, grant_args, make_client, walk
from apihelp import Server, assert_error

SEED = int(os.environ.get("SKOLNAV_ACCESS_SEED", "5"))
WORLDS = int(os.environ.get("SKOLNAV_ACCESS_WORLDS", "2"))
GRANTS = int(os.environ.get("SKOLNAV_ACCESS_GRANTS", "5"))
KINDS = ["organisations", "persons", "groups", "duties", "placements"]
CATS = ["Students", "Responsibles", "Duties", "Groups", "Placements", "CivicNo", "Birthdate", "Sex",
        "Email", "Email school", "Phone numbers", "Addresses", "Identifiers"]
MARKINGS = ["Sekretessmarkering", "Skyddad folkbokföring"]
EXPANDS = {
    "persons": {"expand": ["duties", "responsibleFor", "placements", "ownedPlacements", "groupMemberships"],
                "expandReferenceNames": True},
    "groups": {"expandReferenceNames": True},
    "duties": {"expand": "person", "expandReferenceNames": True},
    "placements": {"expand": ["child", "owners"], "expandReferenceNames": True},
    "organisations": {"expandReferenceNames": True},
}


def uid(rnd):
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def make_world(rnd):
    """Entities per kind path, valid for ingest."""
    orgs, units = [], []
    root = {"id": uid(rnd), "displayName": "Huvudman", "organisationType": "Huvudman"}
    orgs.append(root)
    for a in range(rnd.randint(1, 3)):
        area = {"id": uid(rnd), "displayName": "Område %d" % a, "organisationType": "Verksamhetsområde",
                "parentOrganisation": {"id": root["id"]}}
        orgs.append(area)
        for u in range(rnd.randint(1, 3)):
            unit = {"id": uid(rnd), "displayName": "Skola %d-%d" % (a, u), "organisationType": "Skolenhet",
                    "parentOrganisation": {"id": area["id"]}}
            orgs.append(unit)
            units.append(unit["id"])

    def person(tag, n):
        p = {"id": uid(rnd), "givenName": "%s%d" % (tag, n), "familyName": "Test",
             "securityMarking": rnd.choice(MARKINGS) if rnd.random() < 0.15 else "Ingen",
             "birthDate": "2012-0%d-1%d" % (rnd.randint(1, 9), rnd.randint(0, 9)),
             "sex": rnd.choice(["Man", "Kvinna"]),
             "civicNo": {"value": "2012%02d%02d%04d" % (rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 9999))},
             "emails": [{"value": "%s%d@example.invalid" % (tag, n), "type": "Privat"},
                        {"value": "%s%d@skola.invalid" % (tag, n), "type": "Skola elev"}][:rnd.randint(0, 2)],
             "phoneNumbers": [{"value": "070-%07d" % n, "type": "Hem", "mobile": True}],
             "eduPersonPrincipalNames": ["%s%d@skola.invalid" % (tag, n)]}
        return p

    guardians = [person("vh", i) for i in range(rnd.randint(5, 12))]
    pupils = []
    for i in range(rnd.randint(15, 35)):
        p = person("elev", i)
        p["enrolments"] = [{"enroledAt": {"id": rnd.choice(units)}, "schoolType": "GR", "startDate": "2024-08-15"}
                           for _ in range(rnd.randint(0, 2))]
        p["responsibles"] = [{"person": {"id": g["id"]}, "relationType": "Vårdnadshavare"}
                             for g in rnd.sample(guardians, rnd.randint(0, 2))]
        pupils.append(p)
    staff = [person("lärare", i) for i in range(rnd.randint(3, 8))]
    everyone_org = units + [o["id"] for o in orgs if o["id"] not in units]
    groups = []
    for i in range(rnd.randint(3, 8)):
        groups.append({"id": uid(rnd), "displayName": "Grupp %d" % i, "startDate": "2024-08-15",
                       "groupType": rnd.choice(["Klass", "Undervisning"]),
                       "organisation": {"id": rnd.choice(everyone_org)},
                       "groupMemberships": [{"person": {"id": p["id"]}}
                                            for p in rnd.sample(pupils, rnd.randint(0, 6))]})
    duties = [{"id": uid(rnd), "person": {"id": s["id"]}, "dutyAt": {"id": rnd.choice(units)},
               "dutyRole": "Lärare", "startDate": "2020-08-01"} for s in staff]
    placements = []
    for i in range(rnd.randint(1, 5)):
        child = rnd.choice(pupils)
        placements.append({"id": uid(rnd), "placedAt": {"id": rnd.choice(units)}, "child": {"id": child["id"]},
                           "owners": [{"id": g["id"]} for g in rnd.sample(guardians, rnd.randint(0, 2))],
                           "schoolType": "FS", "startDate": "2024-01-08"})
    return [("organisations", orgs), ("persons", guardians + staff + pupils), ("groups", groups),
            ("duties", duties), ("placements", placements)]


def random_grant(rnd, full):
    orgs = None
    if rnd.random() > 0.2:
        orgs = rnd.sample(sorted(full.by_kind["organisations"]), rnd.randint(1, 3))
    cats = sorted(rnd.sample(CATS, rnd.randint(0, len(CATS))))
    protected = rnd.choice(["exclude", "exclude", "alias", "full"])
    return orgs, cats, protected


def check_case(api, full, key, orgs, cats, protected, rnd, label):
    oracle = Oracle(full, orgs, cats, protected)
    for kind in KINDS:
        where = "%s %s" % (label, kind)
        if not oracle.granted(kind):
            assert_error(api.get("/" + kind, key=key), 403)
            continue
        items = walk(api, kind, key, limit=rnd.randint(1, 7))
        got = {it["id"] for it in items}
        assert got == oracle.visible[kind], "%s: extra %s, missing %s" % (
            where, sorted(got - oracle.visible[kind])[:5], sorted(oracle.visible[kind] - got)[:5])
        check_response_items(items, oracle, kind, where)
        items = walk(api, kind, key, limit=rnd.randint(2, 9), params=EXPANDS[kind])
        assert {it["id"] for it in items} == got, where + " with expand"
        check_response_items(items, oracle, kind, where + " with expand")
        every = sorted(full.by_kind[kind])
        probe = rnd.sample(every, min(12, len(every)))
        if kind != "organisations" or True:
            found = api.lookup(kind, {"ids": probe}, key=key)
            assert {it["id"] for it in found} == set(probe) & oracle.visible[kind], where + " lookup"
            check_response_items(found, oracle, kind, where + " lookup")
        for eid in probe[:4]:
            r = api.get("/%s/%s" % (kind, eid), EXPANDS[kind], key=key)
            if eid in oracle.visible[kind]:
                assert r.status_code == 200, (where, eid, r.text[:200])
                check_response_items([r.json()], oracle, kind, where + " GET by id")
            else:
                assert_error(r, 404)


@pytest.mark.parametrize("world", range(WORLDS))
def test_random_worlds_and_grants(tmp_path, world):
    rnd = random.Random(SEED * 1000 + world)
    s = Server(str(tmp_path), "1")
    s.cli.run("migrate", "--db", s.db, "--create")  # an empty store: the world is ingested into it
    batches = make_world(rnd)
    s.cli.demo = lambda seed: [s.cli.ingest(kind, ents) for kind, ents in batches]
    s.start()
    try:
        full = FullData(s.api, s.key_a)
        assert len(full.by_kind["persons"]) == len(batches[1][1])
        for case in range(GRANTS):
            orgs, cats, protected = random_grant(rnd, full)
            _cid, key = make_client(s.cli, "case-%d-%d" % (world, case), *grant_args(orgs, cats, protected))
            label = "world %d case %d (seed %d, orgs %s, cats %s, protected %s)" % (
                world, case, SEED, orgs, cats, protected)
            check_case(s.api, full, key, orgs, cats, protected, rnd, label)
    finally:
        assert s.stop() == 0, s.log()
