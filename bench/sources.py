#!/usr/bin/python3
"""Source benchmarks (issue 4): file import and push ingest of the demo
dataset (entities/s), and a pull from an upstream skolnav, full and then
incremental after 1 % of the persons changed (seconds, requests).
Environment as bench/run (BENCH_SCALE, BENCH_SEED, SKOLNAV_BIN); uses the
cached demo store of bench.py when there is one. Writes
bench/RESULTS-sources.md. Fails only when something breaks."""

import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
CACHE = os.path.join(BENCH, "cache")
# reference order (what a source batch computes from the model, batch_kind_order): referenced kinds
# first, so that each push batch refers only to what is stored; every kind the demo makes
KINDS = ["organisations", "syllabuses", "programmes", "persons", "groups", "placements", "duties", "studyplans",
         "schoolUnitOfferings", "activities", "resources", "rooms", "calendarEvents", "attendances",
         "attendanceEvents", "attendanceSchedule", "absences", "grades"]
BATCH = 10000
# the windows some lists require on their first page (docs/api.md)
FIRST_PAGE = {"calendarEvents": {"startTime.onOrAfter": "1900-01-01T00:00:00Z",
                                 "startTime.onOrBefore": "2999-12-31T00:00:00Z"}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(binary, *args):
    cp = subprocess.run([binary] + [str(a) for a in args], capture_output=True, text=True, timeout=7200)
    if cp.returncode:
        raise SystemExit("%s %s failed:\n%s%s" % (binary, " ".join(map(str, args)), cp.stdout[-2000:], cp.stderr[-3000:]))
    return cp.stdout


def serve(binary, db, tmp, ingest=False):
    port, iport = free_port(), free_port()
    args = [binary, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port, "--rate-limit", "100000"]
    if ingest:
        args += ["--ingest-listen", "127.0.0.1:%d" % iport, "--ingest-max-body", "1024M"]
    log = open(os.path.join(tmp, "serve-%d.log" % port), "wb")
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            if requests.get("http://127.0.0.1:%d/health" % port, timeout=1).status_code == 200:
                return p, port, iport
        except requests.RequestException:
            pass
        if p.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit("serve did not start")


def cpu_seconds(pid):
    """User and system CPU time of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)


def export(port, key, tmp):
    """Every kind's records, as list-envelope files; returns (paths, counts)."""
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + key
    paths, counts = [], {}
    for k in KINDS:
        data, token = [], None
        for _ in range(1000000):
            params = {"pageToken": token} if token else dict({"limit": 1000}, **FIRST_PAGE.get(k, {}))
            r = s.get("http://127.0.0.1:%d/v2.0/%s" % (port, k), params=params, timeout=300)
            if r.status_code != 200:
                raise SystemExit("export %s: %d %s" % (k, r.status_code, r.text[:500]))
            body = r.json()
            for x in body["data"]:
                x.pop("meta", None)
            data += body["data"]
            token = body.get("pageToken")
            if not token:
                break
        if data:
            path = os.path.join(tmp, k + ".json")
            with open(path, "w") as f:
                json.dump({"data": data}, f)
            paths.append(path)
            counts[k] = len(data)
    return paths, counts


def main():
    binary = os.environ.get("SKOLNAV_BIN", os.path.join(ROOT, "build", "skolnav"))
    scale = os.environ.get("BENCH_SCALE", "city")
    seed = os.environ.get("BENCH_SEED", "1")
    tmp = tempfile.mkdtemp(prefix="skolnav-bench-sources.")
    cached = os.path.join(CACHE, "db", "%s-seed%s.db" % (scale, seed))
    up = os.path.join(tmp, "upstream.db")
    if os.path.exists(cached):
        shutil.copy(cached, up)
    else:
        print("== sources: generating the %s demo" % scale, flush=True)
        run(binary, "demo", "--db", up, "--scale", scale, "--seed", seed)
    key = run(binary, "client", "add", "--db", up, "bench", "--full-access").strip().splitlines()[-1]
    p, port, _ = serve(binary, up, tmp)
    R = {}
    try:
        paths, counts = export(port, key, tmp)
        n = sum(counts.values())
        print("== sources: %d entities of %d kinds exported (%s)" % (n, len(counts), scale), flush=True)

        # 1. file import, one transaction
        db = os.path.join(tmp, "import.db")
        run(binary, "migrate", "--db", db, "--create")
        t0 = time.perf_counter()
        run(binary, "import", "--db", db, "--source", "files", *paths)
        R["import"] = (n, time.perf_counter() - t0)
        print("  file import: %d entities in %.1f s: %.0f entities/s" % (n, R["import"][1], n / R["import"][1]))

        # 2. push through the ingest API, batches of 10 000
        db = os.path.join(tmp, "push.db")
        run(binary, "migrate", "--db", db, "--create")
        cred = run(binary, "source", "add", "--db", db, "sis", "--push").strip().splitlines()[-1]
        q, _, iport = serve(binary, db, tmp, ingest=True)
        s = requests.Session()
        s.headers.update({"Authorization": "Bearer " + cred, "Content-Type": "application/json"})
        t0, c0 = time.perf_counter(), cpu_seconds(q.pid)
        for path in paths:
            k = os.path.basename(path)[:-5]
            with open(path) as f:
                data = json.load(f)["data"]
            for i in range(0, len(data), BATCH):
                body = json.dumps({k: data[i:i + BATCH]})
                r = s.post("http://127.0.0.1:%d/%s" % (iport, k), data=body, timeout=3600)
                if r.status_code != 201:
                    raise SystemExit("push %s: %d %s" % (k, r.status_code, r.text[:2000]))
        R["push"] = (n, time.perf_counter() - t0, cpu_seconds(q.pid) - c0)
        stop(q)
        print("  push API:    %d entities in %.1f s: %.0f entities/s (the server used %.1f s of CPU)" %
              (n, R["push"][1], n / R["push"][1], R["push"][2]))

        # 3. pull: full, then incremental after 1 % of the persons changed upstream
        db = os.path.join(tmp, "pull.db")
        run(binary, "migrate", "--db", db, "--create")
        run(binary, "source", "add", "--db", db, "up", "--pull", "http://127.0.0.1:%d/v2.0" % port, "--bearer", key)
        t0 = time.perf_counter()
        out = run(binary, "pull", "--db", db, "up")
        R["pull_full"] = (time.perf_counter() - t0, int(out.split(":")[1].split()[0]))
        print("  pull, full:  %.1f s, %d requests" % R["pull_full"])
        with open(os.path.join(tmp, "persons.json")) as f:
            persons = json.load(f)["data"]
        changed = persons[:: 100]
        for x in changed:
            x["givenName"] = x["givenName"] + "x"
        cp = os.path.join(tmp, "changed.json")
        with open(cp, "w") as f:
            json.dump(changed, f)
        run(binary, "ingest", "--db", up, "--kind", "persons", cp)
        t0 = time.perf_counter()
        out = run(binary, "pull", "--db", db, "up", "--overlap", "0")
        R["pull_incr"] = (time.perf_counter() - t0, int(out.split(":")[1].split()[0]), len(changed))
        print("  pull, incremental after %d persons changed: %.1f s, %d requests (%s)" %
              (len(changed), R["pull_incr"][0], R["pull_incr"][1], out.strip()))
    finally:
        stop(p)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(os.path.join(BENCH, "RESULTS-sources.md"), "w") as f:
        f.write("# Source benchmarks (%s, %s scale, %s cores)\n\n" % (date, scale, os.cpu_count()))
        f.write("| what | figure | target |\n|---|---|---|\n")
        f.write("| file import (%d entities, one transaction) | %.0f entities/s | ≥ 50 000 |\n"
                % (R["import"][0], R["import"][0] / R["import"][1]))
        f.write("| push ingest API (batches of %d) | %.0f entities/s (server CPU: %.0f entities per CPU second) | ≥ 20 000 |\n"
                % (BATCH, R["push"][0] / R["push"][1], R["push"][0] / R["push"][2]))
        f.write("| pull, full walk | %.1f s, %d requests | |\n" % R["pull_full"])
        f.write("| pull, incremental after %d persons (1 %%) changed | %.1f s, %d requests | grows with the changes |\n"
                % (R["pull_incr"][2], R["pull_incr"][0], R["pull_incr"][1]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
