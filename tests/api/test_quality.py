"""Data quality (issue 4): one planted problem per rule, found with the
entity concerned, and a clean twin that is not; --school narrows."""

import json
import os
import uuid

import pytest

from apihelp import Cli, new_db, skolnav_bin
from sourcehelp import sql_quote, sql_rows


def u():
    return str(uuid.uuid4())


def civic(first11):
    """A 12-digit civic number with a right (Luhn) check digit."""
    digits = [int(c) for c in first11[2:]]
    total = sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d for i, d in enumerate(digits))
    return first11 + str((10 - total % 10) % 10)


S1, S2, SUB = u(), u(), u()
IDS = {k: u() for k in [
    "clean_pupil", "guardian", "teacher", "no_enrol", "no_class", "no_guardian", "staff_no_duty", "dup_a", "dup_b",
    "eppn_a", "eppn_b", "ext_a", "ext_b", "bad_digit", "protected", "gone", "refers", "class", "empty_group",
    "untaught", "duty", "activity", "lazy_activity", "backwards", "obsolete", "clean_class"]}


def enrol(school, stype="GR"):
    return [{"enroledAt": {"id": school}, "schoolType": stype, "startDate": "2024-08-19"}]


def p(key, **kw):
    d = {"id": IDS[key], "givenName": key, "familyName": "Test"}
    d.update(kw)
    return d


def bundle():
    kid = civic("20150101238")  # a child, valid check digit
    guardians = [{"person": {"id": IDS["guardian"]}, "relationType": "Vårdnadshavare"}]
    orgs = [{"id": S1, "displayName": "Ett", "organisationType": "Skolenhet"},
            {"id": S2, "displayName": "Två", "organisationType": "Skolenhet"},
            {"id": SUB, "displayName": "Del", "organisationType": "Skolenhet", "parentOrganisation": {"id": S1}}]
    persons = [
        p("guardian"),
        p("teacher", emails=[{"value": "t@s.se", "type": "Skola personal"}]),
        p("clean_pupil", civicNo={"value": kid}, enrolments=enrol(S1), responsibles=guardians),
        p("no_enrol", responsibles=guardians),
        p("no_class", civicNo={"value": civic("20000101238")}, enrolments=enrol(S2)),  # an adult: no guardian needed
        p("no_guardian", civicNo={"value": civic("20160101238")}, enrolments=enrol(S1, "GR")),
        p("staff_no_duty", emails=[{"value": "x@s.se", "type": "Skola personal"}]),
        p("dup_a", civicNo={"value": civic("19800101238")}), p("dup_b", civicNo={"value": civic("19800101238")}),
        p("eppn_a", eduPersonPrincipalNames=["same@s.se"]), p("eppn_b", eduPersonPrincipalNames=["same@s.se"]),
        p("ext_a", externalIdentifiers=[{"value": "1", "context": "ad", "globallyUnique": True}]),
        p("ext_b", externalIdentifiers=[{"value": "1", "context": "ad", "globallyUnique": True}]),
        p("bad_digit", civicNo={"value": "19800101239" + str((int(civic("19800101239")[-1]) + 1) % 10)}),
        p("protected", securityMarking="Skyddad folkbokföring"),
        p("gone"),
        p("refers", responsibles=[{"person": {"id": IDS["gone"]}}], enrolments=enrol(S1, "FS")),
        p("backwards", enrolments=[{"enroledAt": {"id": SUB}, "schoolType": "FS", "startDate": "2024-08-19",
                                    "endDate": "2024-01-01"}]),
        p("obsolete"),
    ]
    members = [{"person": {"id": IDS[k]}} for k in ("clean_pupil", "no_guardian", "no_enrol", "refers", "backwards")]
    groups = [
        {"id": IDS["class"], "displayName": "1A", "startDate": "2024-08-19", "groupType": "Klass",
         "organisation": {"id": S1}, "groupMemberships": members},
        {"id": IDS["empty_group"], "displayName": "Tom", "startDate": "2024-08-19", "groupType": "Schema",
         "organisation": {"id": S1}},
        {"id": IDS["untaught"], "displayName": "Ma", "startDate": "2024-08-19", "groupType": "Undervisning",
         "organisation": {"id": S2}, "groupMemberships": [{"person": {"id": IDS["no_class"]}}]},
    ]
    duties = [{"id": IDS["duty"], "person": {"id": IDS["teacher"]}, "dutyAt": {"id": S1}, "dutyRole": "Lärare",
               "startDate": "2024-08-01"}]
    acts = [
        {"id": IDS["activity"], "displayName": "Sv 1A", "calendarEventsRequired": False, "startDate": "2024-08-19",
         "groups": [{"id": IDS["class"]}], "teachers": [{"duty": {"id": IDS["duty"]}}], "organisation": {"id": S1}},
        {"id": IDS["lazy_activity"], "displayName": "Ma", "calendarEventsRequired": False, "startDate": "2024-08-19",
         "groups": [{"id": IDS["untaught"]}], "organisation": {"id": S2}},
    ]
    return {"organisations": orgs, "persons": persons, "groups": groups, "duties": duties, "activities": acts}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("quality")
    db = new_db(str(d), "q")
    cli = Cli(skolnav_bin(), db, str(d))
    cli.run("migrate", "--db", db, "--create")
    path = os.path.join(str(d), "bundle.json")
    with open(path, "w") as f:
        json.dump(bundle(), f)
    cli.run("import", "--db", db, "--source", "reg", path)
    cli.run("delete", "--db", db, "--kind", "persons", "--source", "reg", IDS["gone"])
    # a value a former version of the spec had: only a store written before can hold it
    (text,), = sql_rows(db, "SELECT json FROM entity WHERE id=%s" % sql_quote(IDS["obsolete"]))
    e = json.loads(text)
    e["sex"] = "Odefinierat"
    sql_rows(db, "UPDATE entity SET json=%s WHERE id=%s" % (sql_quote(json.dumps(e)), sql_quote(IDS["obsolete"])))
    return cli, db


def quality(store, *args):
    cli, db = store
    return json.loads(cli.run("quality", "--db", db, "--json", *args).stdout)


def flagged(out, rule):
    return {e["id"]: (g["school"], e["detail"]) for g in out["findings"] if g["rule"] == rule for e in g["entities"]}


RULES = [
    ("pupil-without-enrolment", "no_enrol", None),
    ("pupil-without-class", "no_class", S2),
    ("pupil-without-guardian", "no_guardian", S1),
    ("staff-without-duty", "staff_no_duty", None),
    ("group-without-members", "empty_group", S1),
    ("group-without-teacher", "untaught", S2),
    ("activity-without-teacher", "lazy_activity", S2),
    ("duplicate-civic-number", "dup_a", None),
    ("duplicate-eppn", "eppn_b", None),
    ("duplicate-external-identifier", "ext_a", None),
    ("civic-number-check-digit", "bad_digit", None),
    ("missing-reference", "refers", S1),
    ("end-before-start", "backwards", SUB),
    ("protected-identity-without-alias", "protected", None),
    ("obsolete-enum-value", "obsolete", None),
]


def test_rules_are_one_table(store):
    names = [r["rule"] for r in quality(store)["rules"]]
    assert sorted(names) == sorted(r[0] for r in RULES)


@pytest.mark.parametrize("rule,key,school", RULES, ids=[r[0] for r in RULES])
def test_each_rule(store, rule, key, school):
    found = flagged(quality(store), rule)
    assert IDS[key] in found, (rule, found)
    assert found[IDS[key]][0] == school
    # the clean entities are never flagged
    for clean in ("clean_pupil", "teacher", "class", "activity", "guardian"):
        assert IDS[clean] not in found, (rule, clean, found[IDS[clean]])


def test_details_name_the_problem(store):
    out = quality(store)
    assert "refers to Person %s, which does not exist" % IDS["gone"] in flagged(out, "missing-reference")[IDS["refers"]][1]
    assert "'Odefinierat'" in flagged(out, "obsolete-enum-value")[IDS["obsolete"]][1]
    assert flagged(out, "duplicate-civic-number").keys() >= {IDS["dup_a"], IDS["dup_b"]}


def test_school_filter_includes_units_below(store):
    out = quality(store, "--school", S1)
    schools = {g["school"] for g in out["findings"]}
    assert schools <= {S1, SUB} and SUB in schools and S1 in schools
    assert IDS["untaught"] not in flagged(out, "group-without-teacher")


def test_text_output_and_bad_school(store):
    cli, db = store
    cp = cli.run("quality", "--db", db)
    assert "pupil-without-guardian  school %s: 1" % S1 in cp.stdout
    cp = cli.run("quality", "--db", db, "--school", "x", check=False)
    assert cp.returncode == 2 and "is not an organisation id" in cp.stderr
