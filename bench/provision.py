#!/usr/bin/python3
"""EGIL provisioning benchmark (issue 8): a full push of the demo dataset to
the local SCIM receiver of the tests over mutual TLS (objects/s), then a run
with nothing changed (must send nothing; seconds). The plan alone is timed
as the baseline of the same run: the gap to the full run is the HTTP and
sent-state cost. Environment as bench/run (BENCH_SCALE, BENCH_SEED,
SKOLNAV_BIN); uses the cached demo store of bench.py when there is one.
Appends to bench/RESULTS-provision.md. Fails only when something breaks."""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
from scim_receiver import Pki, Receiver  # noqa: E402

CATS = ("Students", "Duties", "Groups", "Activities", "Email school", "Identifiers")


def run(binary, *args, ok=(0,)):
    cp = subprocess.run([binary] + [str(a) for a in args], capture_output=True, text=True, timeout=7200)
    if cp.returncode not in ok:
        raise SystemExit("%s %s failed (%d):\n%s%s" % (binary, " ".join(map(str, args)), cp.returncode,
                                                       cp.stdout[-2000:], cp.stderr[-3000:]))
    return cp.stdout


def main():
    binary = os.environ.get("SKOLNAV_BIN", os.path.join(ROOT, "build", "skolnav"))
    scale = os.environ.get("BENCH_SCALE", "city")
    seed = os.environ.get("BENCH_SEED", "1")
    tmp = tempfile.mkdtemp(prefix="skolnav-bench-provision.")
    cached = os.path.join(BENCH, "cache", "db", "%s-seed%s.db" % (scale, seed))
    db = os.path.join(tmp, "hub.db")
    if os.path.exists(cached):
        shutil.copy(cached, db)
        run(binary, "migrate", "--db", db)
    else:
        print("== provision: generating the %s demo" % scale, flush=True)
        run(binary, "demo", "--db", db, "--scale", scale, "--seed", seed)
    pki = Pki(os.path.join(tmp, "pki"))
    rec = Receiver(pki).start()
    try:
        run(binary, "provision", "add", "--db", db, "bench-sp", "--url", rec.url, "--ca", pki.ca, "--cert",
            pki.client_cert, "--key", pki.client_key, "--pin", pki.server_pin, "--max-deletes", "none")
        run(binary, "provision", "grant", "--db", db, "bench-sp", "--all-orgs",
            *[x for c in CATS for x in ("--category", c)])
        t0 = time.perf_counter()
        plan = json.loads(run(binary, "provision", "plan", "--db", db, "bench-sp", "--json"))
        t_plan = time.perf_counter() - t0
        n = plan["create"]
        t0 = time.perf_counter()
        run(binary, "provision", "run", "--db", db, "bench-sp")
        t_full = time.perf_counter() - t0
        got = sum(rec.count(e) for e in rec.data)
        if got != n:
            raise SystemExit("the receiver holds %d objects, the plan had %d" % (got, n))
        rec.reset_log()
        t0 = time.perf_counter()
        run(binary, "provision", "run", "--db", db, "bench-sp")
        t_none = time.perf_counter() - t0
        sent = len(rec.requests())
        if sent:
            raise SystemExit("the no-change run sent %d requests" % sent)
    finally:
        rec.stop()
    lines = [
        "## EGIL provisioning, %s scale, seed %s (%s)" % (scale, seed, datetime.date.today().isoformat()),
        "",
        "| measure | value |",
        "|---|---|",
        "| objects pushed (full run) | %d |" % n,
        "| full run | %.1f s, %.0f objects/s |" % (t_full, n / t_full if t_full else 0),
        "| plan only (baseline: load, map, diff) | %.2f s |" % t_plan,
        "| full run / plan | %.1fx |" % (t_full / t_plan if t_plan else 0),
        "| no-change run (0 requests) | %.2f s |" % t_none,
        "",
    ]
    print("\n".join(lines))
    with open(os.path.join(BENCH, "RESULTS-provision.md"), "w") as f:
        f.write("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
