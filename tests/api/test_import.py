"""File import (issue 4, "Files"): SS12000 JSON envelopes and bundles,
gzip, CSV layouts, all in one transaction or nothing."""

import gzip
import json
import os
import uuid

import pytest

from sourcehelp import IngestServer


def u():
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    srv = IngestServer(tmp_path_factory.mktemp("import")).start()
    yield srv
    assert srv.stop() == 0, srv.log()


def write(dirpath, name, content, gz=False):
    path = os.path.join(str(dirpath), name)
    data = content if isinstance(content, bytes) else (
        content.encode() if isinstance(content, str) else json.dumps(content).encode())
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(data)
    return path


def imp(hub, source, *files, full=False, check=True):
    args = ["import", "--db", hub.db, "--source", source] + (["--full"] if full else []) + list(files)
    return hub.cli.run(*args, check=check)


def school(sid=None, **kw):
    o = {"id": sid or u(), "displayName": "Skola", "organisationType": "Skolenhet"}
    o.update(kw)
    return o


def person(pid, sid):
    return {"id": pid, "givenName": "Ebba", "familyName": "Holm",
            "enrolments": [{"enroledAt": {"id": sid}, "schoolType": "GR", "startDate": "2024-08-19"}]}


def test_envelopes_one_file_per_kind(hub, tmp_path):
    sid, pid = u(), u()
    # persons first on the command line: kinds are still written in reference order
    p = write(tmp_path, "persons.json", {"data": [person(pid, sid)]})
    o = write(tmp_path, "organisations-2026.json.gz", {"data": [school(sid)]}, gz=True)
    cp = imp(hub, "reg", p, o)
    assert "2 created, 0 updated, 0 deleted, 0 unchanged" in cp.stdout
    assert "added file source 'reg'" in cp.stderr
    assert "import: organisations: 1 records written" in cp.stderr  # plain lines when not a terminal
    assert hub.get("/persons/" + pid).json()["enrolments"][0]["enroledAt"]["id"] == sid
    cp = imp(hub, "reg", p, o)
    assert "0 created, 0 updated, 0 deleted, 2 unchanged" in cp.stdout


def test_bundle_with_arrays_and_envelopes(hub, tmp_path):
    sid, pid = u(), u()
    b = write(tmp_path, "export.json", {"organisations": {"data": [school(sid)]}, "persons": [person(pid, sid)]})
    imp(hub, "bundle", b)
    assert hub.get("/persons/" + pid).status_code == 200


def test_a_file_failing_halfway_writes_nothing(hub, tmp_path):
    sid, pid = u(), u()
    o = write(tmp_path, "organisations.json", {"data": [school(sid)]})
    bad = write(tmp_path, "persons.json", {"data": [person(pid, sid), {"id": u(), "givenName": "X"}]})
    cp = imp(hub, "half", o, bad, check=False)
    assert cp.returncode == 1
    assert "persons record 1" in cp.stderr and "required field 'familyName' is missing" in cp.stderr
    assert "nothing was written" in cp.stderr
    assert hub.get("/organisations/" + sid).status_code == 404
    # unreadable JSON in a later file: nothing either
    broken = write(tmp_path, "groups.json", '{"data": [')
    cp = imp(hub, "half", o, broken, check=False)
    assert cp.returncode == 1 and "not JSON" in cp.stderr
    assert hub.get("/organisations/" + sid).status_code == 404


@pytest.mark.parametrize("name,content,message", [
    ("things.json", {"data": []}, "needs a file name that starts with its kind"),
    ("x.json", {"pupils": []}, "'pupils' is not an entity kind"),
    ("x.json", [1], "expected a list envelope"),
    ("x.json", {"persons": 3}, "must be an array or a list envelope"),
])
def test_file_shape_errors(hub, tmp_path, name, content, message):
    cp = imp(hub, "shape", write(tmp_path, name, content), check=False)
    assert cp.returncode == 1 and message in cp.stderr, cp.stderr


def test_missing_file(hub, tmp_path):
    cp = imp(hub, "shape", str(tmp_path / "nope.json"), check=False)
    assert cp.returncode == 1 and "cannot open it" in cp.stderr


def test_full_import_deletes_absent_entities(hub, tmp_path):
    keep, drop = school(), school()
    imp(hub, "fullsrc", write(tmp_path, "organisations.json", {"data": [keep, drop]}))
    cp = imp(hub, "fullsrc", write(tmp_path, "organisations.json", {"data": [keep]}), full=True)
    assert "1 deleted, 1 unchanged" in cp.stdout
    assert hub.get("/organisations/" + drop["id"]).status_code == 404
    assert hub.get("/organisations/" + keep["id"]).status_code == 200


def test_full_import_over_the_threshold_is_held(hub, tmp_path):
    orgs = [school() for _ in range(30)]
    imp(hub, "heldfile", write(tmp_path, "organisations.json", {"data": orgs}))
    cp = imp(hub, "heldfile", write(tmp_path, "organisations.json", {"data": orgs[:5]}), full=True)
    hid = cp.stdout.strip().splitlines()[-1]
    assert "held for approval" in cp.stdout and uuid.UUID(hid)
    assert hub.get("/organisations/" + orgs[29]["id"]).status_code == 200
    hub.cli.run("source", "approve", "--db", hub.db, hid)
    assert hub.get("/organisations/" + orgs[29]["id"]).status_code == 404


def test_ownership_applies_to_imports(hub, tmp_path):
    o = school()
    imp(hub, "owner-a", write(tmp_path, "organisations.json", {"data": [o]}))
    cp = imp(hub, "owner-b", write(tmp_path, "organisations.json", {"data": [dict(o, displayName="B")]}), check=False)
    assert cp.returncode == 1 and "belongs to source 'owner-a'; source 'owner-b' cannot change" in cp.stderr


# --- CSV ---------------------------------------------------------------------------------

def csv_files(tmp_path, sep=","):
    s, p1, p2, g1, t1, c1 = u(), u(), u(), u(), u(), u()
    rows = {
        "schools.csv": ["id,name,schoolUnitCode,schoolTypes,municipalityCode",
                        "%s,Ekskolan,87654321,GR FKLASS,0580" % s],
        "pupils.csv": ["\ufeffid,givenName,familyName,civicNo,email,schoolId,schoolType,schoolYear,startDate",
                       '%s,Ida,"Lund, af",201301012383,ida@example.se,%s,GR,4,2024-08-19' % (p1, s),
                       "%s,Nils,Ek,,,%s,GR,4,2024-08-19" % (p2, s)],
        "guardians.csv": ["id,givenName,familyName,pupilId,relationType",
                          "%s,Karin,Lund,%s," % (g1, p1), "%s,Karin,Lund,%s,Vårdnadshavare" % (g1, p2)],
        "staff.csv": ["id,givenName,familyName,email,schoolId,dutyRole,startDate,signature",
                      "%s,Per,Ström,per@ekskolan.se,%s,Lärare,2020-08-01,PST" % (t1, s)],
        "classes.csv": ["id,name,schoolId,schoolType,startDate,members",
                        "%s,4A,%s,GR,2024-08-19,%s %s" % (c1, s, p1, p2)],
    }
    paths = []
    for name in ["schools.csv", "pupils.csv", "guardians.csv", "staff.csv", "classes.csv"]:
        text = "\r\n".join(r.replace(",", sep) if sep != "," else r for r in rows[name]) + "\r\n"
        paths.append(write(tmp_path, name, text))
    return paths, dict(school=s, p1=p1, p2=p2, g1=g1, t1=t1, c1=c1)


def test_csv_register_basics(hub, tmp_path):
    paths, ids = csv_files(tmp_path)
    cp = imp(hub, "csvreg", *paths)
    assert "7 created" in cp.stdout, cp.stdout  # school, 2 pupils, guardian, teacher, duty, class
    s = hub.get("/organisations/" + ids["school"]).json()
    assert (s["displayName"], s["schoolUnitCode"], s["schoolTypes"]) == ("Ekskolan", "87654321", ["GR", "FKLASS"])
    p1 = hub.get("/persons/" + ids["p1"]).json()
    assert p1["familyName"] == "Lund, af" and p1["civicNo"]["value"] == "201301012383"
    assert p1["enrolments"][0]["schoolYear"] == 4
    assert p1["responsibles"] == [{"person": {"id": ids["g1"]}, "relationType": "Vårdnadshavare"}]
    duties = hub.get("/duties", person=ids["t1"]).json()["data"]
    assert len(duties) == 1 and duties[0]["dutyRole"] == "Lärare" and duties[0]["signature"] == "PST"
    g = hub.get("/groups/" + ids["c1"]).json()
    assert g["groupType"] == "Klass" and sorted(m["person"]["id"] for m in g["groupMemberships"]) == sorted(
        [ids["p1"], ids["p2"]])
    # the same files again: nothing changes (the duty's derived id is stable)
    cp = imp(hub, "csvreg", *paths)
    assert "0 created, 0 updated, 0 deleted, 7 unchanged" in cp.stdout, cp.stdout


def test_csv_semicolons(hub, tmp_path):
    paths, ids = csv_files(tmp_path, sep=";")
    imp(hub, "csvsemi", *paths)
    assert hub.get("/persons/" + ids["p1"]).json()["familyName"] == "Lund; af"


@pytest.mark.parametrize("name,text,message", [
    ("schools.csv", "id,name,colour\n", "line 1: unknown column 'colour'"),
    ("schools.csv", "id\n", "line 1: the required column 'name' is missing"),
    ("schools.csv", "id,name,id\n", "column 'id' appears twice"),
    ("schools.csv", "id,name\nx\n", "line 2: 1 fields where the header has 2"),
    ("schools.csv", "id,name\n%s,\n" % "6b0b6a5e-0000-4000-8000-000000000000", "line 2, column name: required, but empty"),
    ("schools.csv", 'id,name\nab"c,d\n', "line 2: a quote inside an unquoted field"),
    ("schools.csv", 'id,name\n"abc,d\n', "a quoted field is not closed"),
    ("schools.csv", b"id,name\n\xff,x\n", "not UTF-8"),
    ("schools.csv", "", "empty: a header line"),
    ("pupils.csv", "id,givenName,familyName,schoolId,schoolType,startDate,schoolYear\n"
                   "a,b,c,d,GR,2024-01-01,fyra\n", "line 2, column schoolYear: not a whole number"),
    ("guardians.csv", "id,givenName,familyName,pupilId\na,b,c,d\n", "no pupil with this id"),
    ("teachers.csv", "id\n", "a CSV file is named after its layout"),
])
def test_csv_errors(hub, tmp_path, name, text, message):
    cp = imp(hub, "csverr", write(tmp_path, name, text), check=False)
    assert cp.returncode == 1 and message in cp.stderr, cp.stderr


def test_csv_values_are_validated_like_any_record(hub, tmp_path):
    f = write(tmp_path, "schools.csv", "id,name,schoolUnitCode\n%s,Skola,12\n" % u())
    cp = imp(hub, "csvval", f, check=False)
    assert cp.returncode == 1 and "is not a school unit code" in cp.stderr
