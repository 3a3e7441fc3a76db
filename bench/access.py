#!/usr/bin/python3
"""The cost of the access view and the disclosure ledger (issue 5): full walks
of /persons (limit=1000) on the benchmark store by
  1. a full-access client on a server started with --no-ledger (the
     foundation's unfiltered figure),
  2. the same client with the ledger on,
  3. a narrow client (two schools, Students, Responsibles and Duties, no
     CivicNo) with the ledger on.
Appends its table to bench/RESULTS.md. Uses the store bench.py generated
(BENCH_SCALE, BENCH_SEED as there). Fails only when something breaks."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shares the store cache, ports and process helpers)

WALK_LIMIT = 1000
MIN_SECONDS = float(os.environ.get("BENCH_WALK_SECONDS", "3"))


def timed(port, key):
    """Walks as bench.py does: the page token is found in the tail of each body
    and no page is decoded in the timed loop (decoding 166 MB in Python took
    longer than the server served it, and hid the server's cost)."""
    h = {"Authorization": "Bearer " + key}

    def nxt(_pages, tok):
        return f"{bench.BASE}/persons?pageToken={urllib.parse.quote(tok, safe='')}" if tok else None

    first = f"{bench.BASE}/persons?limit={WALK_LIMIT}"
    bodies, _b, pages, total, reps, _first = bench.repeated_walk(port, first, nxt, h, "access walk", 100000,
                                                                  MIN_SECONDS)
    return {"bodies": bodies, "pages": pages, "total": total, "seconds": total / reps, "reps": reps}


def cli(binary, *args):
    r = subprocess.run([binary] + list(args), capture_output=True, text=True, timeout=120)
    if r.returncode:
        raise bench.BenchError(f"skolnav {' '.join(args[:2])} failed: {r.stderr.strip()}")
    return r.stdout


def serve(binary, db, tmp, extra, name):
    port = bench.free_port()
    p = bench.Proc(name, [binary, "serve", "--db", db, "--listen", f"{bench.HOST}:{port}",
                          "--rate-limit", "100000"] + extra, os.path.join(tmp, name + ".log"))
    return p, port


def main():
    scale = os.environ.get("BENCH_SCALE", "city")
    seed = int(os.environ.get("BENCH_SEED", "1"))
    binary = os.environ.get("SKOLNAV_BIN", os.path.join(bench.ROOT, "build", "skolnav"))
    db, _gen, _new = bench.ensure_db(binary, scale, seed)
    con = sqlite3.connect(db)
    two = [r[0] for r in con.execute(
        "SELECT value FROM idx WHERE kind=1 AND key='enroledAt' GROUP BY value ORDER BY count(*) DESC LIMIT 2")]
    someone = con.execute("SELECT id FROM entity WHERE kind=1 LIMIT 1").fetchone()[0]
    con.close()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    full = json.loads(cli(binary, "client", "add", "--db", db, f"bench-full {stamp}", "--full-access", "--json"))
    full_key = full["key"]
    narrow = json.loads(cli(binary, "client", "add", "--db", db, f"bench-narrow {stamp}", "--json"))
    grant = ["client", "grant", "--db", db, narrow["id"]]
    for o in two:
        grant += ["--org", o]
    for c in ("Students", "Responsibles", "Duties", "Birthdate", "Email school"):
        grant += ["--category", c]
    cli(binary, *grant)
    tmp = tempfile.mkdtemp(prefix="skolnav-bench-access-")
    results = {}
    for label, extra, key in (("full access, no ledger", ["--no-ledger"], full_key),
                              ("full access, ledger on", [], full_key),
                              ("two schools, no CivicNo, ledger on", [], narrow["key"])):
        p, port = serve(binary, db, tmp, extra, "serve-" + str(len(results)))
        try:
            bench.wait_http(p, port, f"{bench.BASE}/organisations?limit=1", {"Authorization": "Bearer " + key}, 60)
            results[label] = r = timed(port, key)
        finally:
            # Killed at once, so that the folder cannot fold the journal in
            # the untimed moments after the walks (a kill -9 loses nothing
            # committed): what it would fold is timed below instead.
            p.stop(signal.SIGKILL)
        r["entities"] = bench.count_entities(r.pop("bodies"), "access walk")
        r["eps"] = r["entities"] * r["reps"] / r["total"]
        if label == "full access, ledger on":
            # The fold the server's folder does once the walks pause, timed as
            # the fold a reader of the ledger does before it reads: `audit
            # person` folds, then reads one person (`audit client` would add
            # its scans of the client's rows to the figure).
            con = sqlite3.connect(db)
            con.execute("ATTACH ? AS log", (db + "-log",))  # the journal's file (docs/architecture.md)
            r["pending"] = con.execute("SELECT count(*) FROM ledger_pending").fetchone()[0]
            con.close()
            t = time.monotonic()
            cli(binary, "audit", "person", "--db", db, someone)
            r["fold"] = time.monotonic() - t
            bench.say(f"  deferred fold of {bench.fmt_int(r['pending'])} journaled persons: {r['fold']:.2f} s")
        bench.say(f"  /persons walk, {label}: {bench.fmt_int(r['entities'])} persons, {r['pages']} pages, "
                  f"{bench.fmt_rate(r['eps'])} persons/s ({r['seconds']:.3f} s/walk, {r['reps']} walks)")
    base = results["full access, no ledger"]["eps"]
    lines = ["", "## Access view and ledger (bench/access.py, %s, scale %s)" % (stamp, scale), "",
             "| /persons walk, limit=1000 | persons | persons/s | vs unfiltered |", "|---|---|---|---|"]
    for label, r in results.items():
        lines.append(f"| {label} | {bench.fmt_int(r['entities'])} | {bench.fmt_rate(r['eps'])} | "
                     f"{r['eps'] / base:.0%} |")
    led = results["full access, ledger on"]
    cost = 1 - led["eps"] / base
    # the fold's cost spread over the walks that journaled it
    amortized = led["entities"] * led["reps"] / (led["seconds"] * led["reps"] + led["fold"])
    cost_all = 1 - amortized / base
    lines.append(f"| full access, ledger on, with its deferred fold ({bench.fmt_int(led['pending'])} persons in "
                 f"{led['fold']:.2f} s) | {bench.fmt_int(led['entities'])} | {bench.fmt_rate(amortized)} | "
                 f"{amortized / base:.0%} |")
    lines += ["", f"Target: ledger and access view cost < 15 % of full-walk throughput. Ledger on a full "
                  f"walk: {cost:.0%} while walking ({'met' if cost < 0.15 else 'NOT MET'}); {cost_all:.0%} "
                  f"counting the fold the server does once the walks pause "
                  f"({'met' if cost_all < 0.15 else 'NOT MET'}). The narrow walk returns "
                  f"fewer persons; its figure is persons/s of what it returns.", ""]
    with open(os.path.join(bench.BENCH, "RESULTS.md"), "a") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    try:
        main()
    except bench.BenchError as e:
        print("bench/access.py: " + str(e), file=sys.stderr)
        sys.exit(1)
