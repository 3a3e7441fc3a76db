"""File exports (issue 8): a client's zip holds, per granted kind, exactly
what the API lists for the same client, plus the documented CSV layout;
the download endpoint, the ledger an export leaves, schedules, pruning,
and bad input that changes nothing. One server on one demo store for the
module; each test makes its own clients."""

import csv
import glob
import io
import json
import os
import time
import zipfile

import pytest
import requests

from accesshelp import ALL_KINDS, FullData, Oracle, check_response_items, grant_args, make_client, walk
from apihelp import Server, sql_quote, sql_value

SEED = os.environ.get("SKOLNAV_TEST_SEED", "12000")

CSV_HEADERS = {
    "organisations.csv": "id,displayName,organisationType,organisationCode,organisationNumber,schoolUnitCode,"
                         "municipalityCode,schoolTypes,parentOrganisationId,startDate,endDate",
    "persons.csv": "id,givenName,middleName,familyName,civicNo,birthDate,sex,securityMarking,personStatus,"
                   "eduPersonPrincipalNames,emails",
    "enrolments.csv": "personId,enroledAtId,schoolType,schoolYear,educationCode,programmeId,startDate,endDate,"
                      "cancelled",
    "groups.csv": "id,displayName,groupType,schoolType,organisationId,startDate,endDate",
    "memberships.csv": "groupId,personId,startDate,endDate",
    "duties.csv": "id,personId,dutyAtId,dutyRole,signature,dutyPercent,startDate,endDate",
}
CSV_KIND = {"organisations.csv": "organisations", "persons.csv": "persons", "enrolments.csv": "persons",
            "groups.csv": "groups", "memberships.csv": "groups", "duties.csv": "duties"}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = Server(str(tmp_path_factory.mktemp("export")), SEED)
    s.start()
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def full(srv):
    return FullData(srv.api, srv.key_a)


def schools(full, n=2):
    enrolled = {e["enroledAt"]["id"] for p in full.by_kind["persons"].values() for e in p.get("enrolments", [])}
    return sorted(oid for oid, o in full.by_kind["organisations"].items()
                  if o["organisationType"] == "Skolenhet" and oid in enrolled)[:n]


def outdir(srv, name):
    d = os.path.join(srv.workdir, "out-" + name)
    os.makedirs(d, exist_ok=True)
    return d


def export(srv, client, out, *extra, check=True):
    cp = srv.cli.run("export", "--db", srv.db, client, "--out", out, *extra, check=check)
    if not check:
        return cp
    path = cp.stdout.strip().splitlines()[-1]
    assert os.path.isfile(path) and os.path.dirname(path) == os.path.realpath(out), cp.stdout
    return path


def read_zip(path):
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every entry's CRC-32 checks out
        return {n: z.read(n) for n in z.namelist()}


def api_kinds(srv, key):
    """The kinds the API serves this client (200 on a first page)."""
    got = []
    for kind in ALL_KINDS:
        params = {"limit": 1}
        if kind == "calendarEvents":
            params.update({"startTime.onOrAfter": "1900-01-01T00:00:00Z",
                           "startTime.onOrBefore": "2200-01-01T00:00:00Z"})
        r = srv.api.get("/" + kind, params, key=key)
        assert r.status_code in (200, 403), r.text[:300]
        if r.status_code == 200:
            got.append(kind)
    return got


def assert_equals_api(srv, key, files):
    kinds = api_kinds(srv, key)
    assert sorted(n for n in files if n.startswith("json/")) == sorted("json/%s.json" % k for k in kinds)
    for kind in kinds:
        env = json.loads(files["json/%s.json" % kind])
        assert list(env) == ["data", "pageToken"] and env["pageToken"] is None
        assert env["data"] == walk(srv.api, kind, key), kind
    return kinds


def test_full_access_export_equals_the_api(srv, full):
    path = export(srv, srv.client_a_id, outdir(srv, "full"))
    files = read_zip(path)
    kinds = assert_equals_api(srv, srv.key_a, files)
    assert set(kinds) == set(ALL_KINDS)
    m = json.loads(files["manifest.json"])
    assert m["client"]["id"] == srv.client_a_id and m["format"] == "skolnav-export/1"
    counts = {f["name"]: f.get("entities") for f in m["files"]}
    for kind in kinds:
        assert counts["json/%s.json" % kind] == len(full.by_kind[kind])
    assert m["entities"] == sum(len(full.by_kind[k]) for k in kinds)
    assert sorted(n for n in files if n.startswith("csv/")) == sorted("csv/" + n for n in CSV_HEADERS)


def test_narrow_grant_export_equals_the_api(srv, full):
    orgs = schools(full, 2)
    cid, key = make_client(srv.cli, "exp-narrow", *grant_args(orgs=orgs, cats=["Students", "Groups", "Duties",
                                                                                "Email school"]))
    files = read_zip(export(srv, cid, outdir(srv, "narrow")))
    kinds = assert_equals_api(srv, key, files)
    assert set(kinds) == {"organisations", "persons", "duties", "groups"}
    persons = json.loads(files["json/persons.json"])["data"]
    assert persons and len(persons) < len(full.by_kind["persons"])
    assert not any("civicNo" in p or "birthDate" in p for p in persons)  # not granted
    assert sorted(n for n in files if n.startswith("csv/")) == sorted("csv/" + n for n in CSV_HEADERS)


@pytest.mark.parametrize("mode", ["exclude", "alias", "full"])
def test_protected_persons_as_the_api(srv, full, mode):
    cats = ["Students", "Responsibles", "Duties", "CivicNo"]
    cid, key = make_client(srv.cli, "exp-prot-" + mode, *grant_args(orgs=None, cats=cats, protected=mode))
    files = read_zip(export(srv, cid, outdir(srv, "prot-" + mode)))
    assert_equals_api(srv, key, files)
    oracle = Oracle(full, None, cats, protected=mode)
    persons = json.loads(files["json/persons.json"])["data"]
    assert {p["id"] for p in persons} == oracle.visible["persons"]
    check_response_items(persons, oracle, "persons", "export " + mode)
    protected = [p for p in persons if p["id"] in oracle.protected_ids]
    if mode == "exclude":
        assert not protected
    else:
        assert protected
        names = {(p["givenName"], p["familyName"]) for p in protected}
        assert (names == {("Skyddad", "identitet")}) == (mode == "alias")


def test_pseudonymous_client_gets_its_pseudonyms(srv, full):
    cid, key = make_client(srv.cli, "exp-pseudo", *grant_args(cats=["Students", "Groups"]))
    srv.cli.run("client", "grant", "--db", srv.db, cid, "--pseudonyms", "on")
    files = read_zip(export(srv, cid, outdir(srv, "pseudo")))
    assert_equals_api(srv, key, files)
    got = {p["id"] for p in json.loads(files["json/persons.json"])["data"]}
    assert got and not got & set(full.by_kind["persons"])  # no hub id leaves


def test_csv_layout(srv, full):
    orgs = schools(full, 2)
    cid, _key = make_client(srv.cli, "exp-csv", *grant_args(orgs=orgs, cats=["Students", "Groups", "Duties",
                                                                            "CivicNo"]))
    files = read_zip(export(srv, cid, outdir(srv, "csv")))
    js = {k: json.loads(files["json/%s.json" % k])["data"] for k in ("organisations", "persons", "groups", "duties")}
    tables = {}
    for name, header in CSV_HEADERS.items():
        raw = files["csv/" + name].decode("utf-8")
        assert raw.startswith(header + "\r\n") and raw.endswith("\r\n")
        tables[name] = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert [r["id"] for r in tables["persons.csv"]] == [p["id"] for p in js["persons"]]
    for row, p in zip(tables["persons.csv"], js["persons"]):
        assert row["givenName"] == p["givenName"] and row["familyName"] == p["familyName"]
        assert row["civicNo"] == p.get("civicNo", {}).get("value", "")
        assert row["emails"] == "|".join(e["value"] for e in p.get("emails", []))
    enrol = [(p["id"], e["enroledAt"]["id"], e.get("schoolYear")) for p in js["persons"] for e in p.get("enrolments", [])]
    assert [(r["personId"], r["enroledAtId"], int(r["schoolYear"]) if r["schoolYear"] else None)
            for r in tables["enrolments.csv"]] == enrol
    mem = [(g["id"], m["person"]["id"], m.get("startDate", "")) for g in js["groups"]
           for m in g.get("groupMemberships", [])]
    assert [(r["groupId"], r["personId"], r["startDate"]) for r in tables["memberships.csv"]] == mem
    assert [(r["id"], r["organisationId"]) for r in tables["groups.csv"]] == \
           [(g["id"], g["organisation"]["id"]) for g in js["groups"]]
    assert [(r["id"], r["personId"], r["dutyAtId"], r["dutyRole"]) for r in tables["duties.csv"]] == \
           [(d["id"], d["person"]["id"], d["dutyAt"]["id"], d["dutyRole"]) for d in js["duties"]]
    assert [(r["id"], r["parentOrganisationId"]) for r in tables["organisations.csv"]] == \
           [(o["id"], (o.get("parentOrganisation") or {}).get("id", "")) for o in js["organisations"]]
    m = json.loads(files["manifest.json"])
    rows = {f["name"]: f.get("rows") for f in m["files"]}
    for name in CSV_HEADERS:
        assert rows["csv/" + name] == len(tables[name]), name


def test_ledger_rows_of_an_export(srv, full):
    orgs = schools(full, 2)
    cid, _key = make_client(srv.cli, "exp-ledger", *grant_args(orgs=orgs, cats=["Students", "Groups"]))
    q = "SELECT count(*) FROM (SELECT DISTINCT client, channel, person FROM (SELECT client, channel, person FROM ledger UNION ALL SELECT client, channel, person FROM ledger_pending) a) l WHERE client=%s AND channel='export'" % sql_quote(cid)
    assert int(sql_value(srv.db, q)) == 0
    path = export(srv, cid, outdir(srv, "ledger"))
    persons = json.loads(read_zip(path)["json/persons.json"])["data"]
    assert int(sql_value(srv.db, q)) == len(persons) > 0
    assert int(sql_value(srv.db, "SELECT count(*) FROM (SELECT DISTINCT client, channel, person FROM (SELECT client, channel, person FROM ledger UNION ALL SELECT client, channel, person FROM ledger_pending) a) l WHERE client=%s AND channel<>'export'"
                         % sql_quote(cid))) == 0
    # the export is one request-log row naming the file
    base = os.path.basename(path)
    row = "FROM request_log WHERE client=%s AND method='EXPORT'" % sql_quote(cid)
    assert int(sql_value(srv.db, "SELECT count(*) " + row)) == 1
    assert sql_value(srv.db, "SELECT path " + row) == "/exports/" + base
    assert int(sql_value(srv.db, "SELECT status " + row)) == 200
    m = json.loads(read_zip(path)["manifest.json"])
    assert int(sql_value(srv.db, "SELECT items " + row)) == m["entities"]


def download(srv, key=None, method="GET"):
    h = {"Authorization": "Bearer " + key} if key else {}
    return requests.request(method, srv.base + "/exports/latest", headers=h, timeout=60)


def test_download_latest(srv):
    cid, key = make_client(srv.cli, "exp-dl", *grant_args(cats=["Groups"]))
    r = download(srv, key)
    assert r.status_code == 404 and "no export for this client" in r.json()["message"]
    first = export(srv, cid, outdir(srv, "dl"))
    time.sleep(0.01)
    second = export(srv, cid, outdir(srv, "dl"))
    r = download(srv, key)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == "application/zip"
    assert os.path.basename(second) in r.headers["Content-Disposition"]
    with open(second, "rb") as f:
        assert r.content == f.read()
    assert int(r.headers["Content-Length"]) == os.path.getsize(second) != 0
    assert first != second
    h = download(srv, key, "HEAD")
    assert h.status_code == 200 and h.content == b""
    assert int(h.headers["Content-Length"]) == os.path.getsize(second)
    assert download(srv, key, "POST").status_code == 405
    # another client's key gets its own (none), never this one's
    _c2, key2 = make_client(srv.cli, "exp-dl-other", *grant_args(cats=["Groups"]))
    assert download(srv, key2).status_code == 404
    assert download(srv).status_code == 401
    assert download(srv, "not-a-key").status_code == 401
    srv.cli.run("stop", "--db", srv.db, "--client", cid)
    try:
        r = download(srv, key)
        assert r.status_code == 403 and "suspended" in r.json()["message"]
        # and a stopped client gets no new export either
        cp = export(srv, cid, outdir(srv, "dl"), check=False)
        assert cp.returncode == 1 and "suspended" in cp.stderr
    finally:
        srv.cli.run("resume", "--db", srv.db, "--client", cid)
    assert download(srv, key).status_code == 200
    srv.cli.run("stop", "--db", srv.db, "--all")
    try:
        r = download(srv, key)
        assert r.status_code == 403 and "stopped all" in r.json()["message"]
    finally:
        srv.cli.run("resume", "--db", srv.db, "--all")
    assert download(srv, key).status_code == 200
    row = "FROM request_log WHERE client=%s AND path='/exports/latest'" % sql_quote(cid)
    assert int(sql_value(srv.db, "SELECT count(*) " + row)) >= 3


def test_download_of_a_missing_file(srv):
    cid, key = make_client(srv.cli, "exp-gone", *grant_args(cats=[]))
    cp = srv.cli.run("export", "--db", srv.db, cid, "--out", outdir(srv, "gone"), "--json")
    res = json.loads(cp.stdout)
    assert res["files"] == 3 and res["entities"] > 0  # organisations: JSON and CSV, and the manifest
    os.unlink(res["path"])
    r = download(srv, key)
    assert r.status_code == 404 and "missing" in r.json()["message"]
    everyone = json.loads(srv.cli.run("export", "list", "--db", srv.db, "--json").stdout)
    assert res["path"] in [e["path"] for e in everyone if e["client"] == cid]


def state(srv, cid, out):
    return (sql_value(srv.db, "SELECT count(*) FROM export_file WHERE client=%s" % sql_quote(cid)),
            sql_value(srv.db, "SELECT count(*) FROM (SELECT DISTINCT client, channel, person FROM (SELECT client, channel, person FROM ledger UNION ALL SELECT client, channel, person FROM ledger_pending) a) l WHERE client=%s" % sql_quote(cid)),
            sql_value(srv.db, "SELECT count(*) FROM request_log WHERE client=%s" % sql_quote(cid)),
            sorted(os.listdir(out)))


def test_bad_input_changes_nothing(srv, tmp_path):
    cid, _key = make_client(srv.cli, "exp-bad", *grant_args(cats=["Students"]))
    out = outdir(srv, "bad")
    before = state(srv, cid, out)
    afile = os.path.join(out, "..", "a-file")
    open(afile, "w").close()
    cases = [
        (("export", "--db", srv.db, "no-such-client", "--out", out), 1, "there is no client"),
        (("export", "--db", srv.db, cid, "--out", os.path.join(out, "missing")), 1, "does not exist"),
        (("export", "--db", srv.db, cid, "--out", afile), 1, "not a directory"),
        (("export", "--db", srv.db, cid, "--out", "/proc"), 1, "cannot write in the output directory"),
        (("export", "--db", srv.db, cid), 2, "usage"),
        (("export", "--db", srv.db, cid, "--out", out, "--keep", "0"), 2, "--keep"),
        (("export", "--db", srv.db, cid, "--out", out, "--keep", "x"), 2, "--keep"),
        (("export", "--db", srv.db, cid, "--out", out, "--bogus"), 2, "unknown option"),
        (("export", "--db", os.path.join(str(tmp_path), "none.db"), cid, "--out", out), 1, ""),
        (("export", "schedule", "--db", srv.db, cid, "--every", "10", "--out", out), 2, "at least 60"),
        (("export", "schedule", "--db", srv.db, cid, "--every", "1h", "--out", "rel/dir"), 2, "absolute"),
        (("export", "schedule", "--db", srv.db, cid, "--every", "soon", "--out", out), 2, "--every"),
        (("export", "schedule", "--db", srv.db, cid, "--remove"), 1, "no export schedule"),
    ]
    for args, rc, msg in cases:
        cp = srv.cli.run(*args, check=False)
        assert cp.returncode == rc, (args, cp.returncode, cp.stderr)
        assert msg in cp.stderr, (args, cp.stderr)
        assert cp.stdout == ""
    assert state(srv, cid, out) == before
    assert int(sql_value(srv.db, "SELECT count(*) FROM export_schedule WHERE client=%s" % sql_quote(cid))) == 0


def test_keep_prunes_older_exports(srv):
    cid, _key = make_client(srv.cli, "exp-keep", *grant_args(cats=[]))
    out = outdir(srv, "keep")
    paths = [export(srv, cid, out, "--keep", "2") for _ in range(3)]
    assert sorted(glob.glob(os.path.join(out, "*.zip"))) == sorted(paths[1:])
    listed = json.loads(srv.cli.run("export", "list", "--db", srv.db, cid, "--json").stdout)
    assert [e["path"] for e in listed] == paths[:0:-1]  # newest first
    assert not [n for n in os.listdir(out) if n.endswith(".part")]


def test_zip64_records_read_back(srv):
    cid, _key = make_client(srv.cli, "exp-zip64", *grant_args(cats=["Groups", "Students"]))
    a = read_zip(export(srv, cid, outdir(srv, "z32")))
    path = export(srv, cid, outdir(srv, "z64"), "--zip64")
    with open(path, "rb") as f:
        raw = f.read()
    assert b"PK\x06\x06" in raw and b"PK\x06\x07" in raw  # ZIP64 end record and locator
    b = read_zip(path)
    assert set(a) == set(b)
    for n in a:
        if n != "manifest.json":
            assert a[n] == b[n], n


def test_scheduled_export_by_the_server(srv):
    cid, key = make_client(srv.cli, "exp-sched", *grant_args(cats=["Groups"]))
    out = outdir(srv, "sched")
    cp = srv.cli.run("export", "schedule", "--db", srv.db, cid, "--every", "1h", "--out", out, "--keep", "3")
    assert "every 3600 s" in cp.stdout
    deadline = time.time() + 60
    while time.time() < deadline:
        listed = json.loads(srv.cli.run("export", "list", "--db", srv.db, cid, "--json").stdout)
        if listed:
            break
        time.sleep(0.3)
    assert len(listed) == 1, srv.log()
    scheds = json.loads(srv.cli.run("export", "schedules", "--db", srv.db, "--json").stdout)
    mine = [s for s in scheds if s["client"] == cid]
    assert len(mine) == 1 and mine[0]["every"] == 3600 and mine[0]["keep"] == 3
    deadline = time.time() + 30
    while not (mine[0].get("lastResult") or "").startswith("ok") and time.time() < deadline:
        time.sleep(0.2)
        mine = [s for s in json.loads(srv.cli.run("export", "schedules", "--db", srv.db, "--json").stdout)
                if s["client"] == cid]
    assert mine[0]["lastResult"].startswith("ok: " + listed[0]["path"])
    r = download(srv, key)
    assert r.status_code == 200
    with open(listed[0]["path"], "rb") as f:
        assert r.content == f.read()
    assert_equals_api(srv, key, read_zip(listed[0]["path"]))
    # not due again for an hour: no second export
    time.sleep(2.5)
    assert len(json.loads(srv.cli.run("export", "list", "--db", srv.db, cid, "--json").stdout)) == 1
    srv.cli.run("export", "schedule", "--db", srv.db, cid, "--remove")
    assert not [s for s in json.loads(srv.cli.run("export", "schedules", "--db", srv.db, "--json").stdout)
                if s["client"] == cid]
