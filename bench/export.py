#!/usr/bin/python3
"""A client's file export at scale (issue 8): `skolnav export` of everything
a full-access client and a narrower client (all schools; Students, Groups,
Duties) are granted, with its wall time, throughput (MB/s of the JSON and
CSV it holds, and of the zip written) and the export process's peak RSS.
Baselines in the same run, on the same store: the same JSON walked through
the API by the same full-access client (limit=1000 pages over one
keep-alive connection), and `gzip -6` of the same uncompressed bytes (the
compression alone). Appends its table to bench/RESULTS.md (PostgreSQL:
RESULTS-postgresql.md). Fails only when something breaks."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shares the store cache, ports and process helpers)

WINDOW = "startTime.onOrAfter=1900-01-01T00:00:00Z&startTime.onOrBefore=2200-01-01T00:00:00Z"


def cli(binary, *args):
    r = subprocess.run([binary] + list(args), capture_output=True, text=True, timeout=600)
    if r.returncode:
        raise bench.BenchError(f"skolnav {' '.join(args[:2])} failed: {r.stderr.strip()}")
    return r.stdout


def timed_export(binary, db, client, out):
    """(result JSON, seconds, peak RSS in MB) of one export run (wait4's rusage)."""
    outp, errp = os.path.join(out, "..", "stdout"), os.path.join(out, "..", "stderr")
    with open(outp, "wb") as o, open(errp, "wb") as e:
        t0 = time.perf_counter()
        p = subprocess.Popen([binary, "export", "--db", db, client, "--out", out, "--json"], stdout=o, stderr=e,
                             stdin=subprocess.DEVNULL)
        _pid, status, ru = os.wait4(p.pid, 0)
        secs = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        with open(errp) as f:
            raise bench.BenchError(f"skolnav export failed ({p.returncode}): {f.read()[-500:]}")
    with open(outp) as f:
        return json.loads(f.read()), secs, ru.ru_maxrss / 1024.0


def zip_sizes(path):
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        kinds = [i.filename[5:-5] for i in infos if i.filename.startswith("json/")]
        return sum(i.file_size for i in infos), kinds


def api_walk(port, key, kinds):
    headers = {"Authorization": "Bearer " + key}
    total = 0
    t0 = time.perf_counter()
    for kind in kinds:
        extra = "&" + WINDOW if kind == "calendarEvents" else ""
        first = f"{bench.BASE}/{kind}?limit=1000{extra}"

        def nxt(_n, tok, kind=kind):
            if tok is None:
                return None
            return f"{bench.BASE}/{kind}?limit=1000&pageToken={urllib.parse.quote(tok, safe='')}"
        _b, nbytes, _pages, _s = bench.walk(port, first, nxt, headers, "walk " + kind, 100000, keep=False)
        total += nbytes
    return total, time.perf_counter() - t0


def gzip_baseline(path, tmp):
    """Seconds gzip -6 takes over the export's uncompressed bytes."""
    raw = os.path.join(tmp, "uncompressed.bin")
    with zipfile.ZipFile(path) as z, open(raw, "wb") as f:
        for n in z.namelist():
            with z.open(n) as src:
                shutil.copyfileobj(src, f, 1 << 20)
    bench.warm_file(raw)
    t0 = time.perf_counter()
    with open(raw, "rb") as src, open(os.devnull, "wb") as dst:
        subprocess.run(["gzip", "-6", "-c"], stdin=src, stdout=dst, check=True, timeout=3600)
    secs = time.perf_counter() - t0
    size = os.path.getsize(raw)
    os.unlink(raw)
    return size, secs


def main():
    scale = os.environ.get("BENCH_SCALE", "city")
    seed = int(os.environ.get("BENCH_SEED", "1"))
    binary = os.environ.get("SKOLNAV_BIN", os.path.join(bench.ROOT, "build", "skolnav"))
    db, _gen, _new = bench.ensure_db(binary, scale, seed)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    full = json.loads(cli(binary, "client", "add", "--db", db, f"bench-export-full {stamp}", "--full-access",
                          "--json"))
    narrow = json.loads(cli(binary, "client", "add", "--db", db, f"bench-export-narrow {stamp}", "--json"))
    cli(binary, "client", "grant", "--db", db, narrow["id"], "--all-orgs", "--category", "Students",
        "--category", "Groups", "--category", "Duties")
    tmp = tempfile.mkdtemp(prefix="skolnav-bench-export-")
    bench.say("== export (bench/export.py)")
    rows = []
    try:
        for label, c in (("full access", full), ("all schools; Students, Groups, Duties", narrow)):
            out = os.path.join(tmp, label.split()[0])
            os.makedirs(out)
            res, secs, rss = timed_export(binary, db, c["id"], out)
            raw, kinds = zip_sizes(res["path"])
            rows.append((label, res, secs, rss, raw, kinds))
            bench.say(f"  export, {label}: {bench.fmt_int(res['entities'])} entities, {raw / 1e6:.1f} MB of JSON+CSV "
                      f"in a {res['bytes'] / 1e6:.1f} MB zip, {secs:.2f} s: {raw / 1e6 / secs:.1f} MB/s, "
                      f"peak RSS {rss:.0f} MB")
        full_row = rows[0]
        # baseline 1: the same JSON through the API, same client, same store
        port = bench.free_port()
        p = bench.Proc("serve-export", [binary, "serve", "--db", db, "--listen", f"{bench.HOST}:{port}",
                                        "--rate-limit", "100000", "--no-export-schedule"],
                       os.path.join(tmp, "serve.log"))
        try:
            bench.wait_http(p, port, f"{bench.BASE}/organisations?limit=1",
                            {"Authorization": "Bearer " + full["key"]}, 60)
            api_bytes, api_secs = api_walk(port, full["key"], full_row[5])
        finally:
            p.stop()
        bench.say(f"  baseline: the same kinds walked through the API: {api_bytes / 1e6:.1f} MB in {api_secs:.2f} s: "
                  f"{api_bytes / 1e6 / api_secs:.1f} MB/s")
        gz_bytes, gz_secs = gzip_baseline(full_row[1]["path"], tmp)
        bench.say(f"  baseline: gzip -6 of the same {gz_bytes / 1e6:.1f} MB: {gz_secs:.2f} s: "
                  f"{gz_bytes / 1e6 / gz_secs:.1f} MB/s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = ["", "## File export (bench/export.py, %s, scale %s, %s)" % (stamp, scale, bench.BENCH_DB), "",
             "| run | entities | MB (JSON+CSV) | zip MB | seconds | MB/s | peak RSS MB |", "|---|---|---|---|---|---|---|"]
    for label, res, secs, rss, raw, _k in rows:
        lines.append(f"| export, {label} | {bench.fmt_int(res['entities'])} | {raw / 1e6:.1f} | "
                     f"{res['bytes'] / 1e6:.1f} | {secs:.2f} | {raw / 1e6 / secs:.1f} | {rss:.0f} |")
    lines.append(f"| baseline: same JSON walked through the API (full access) | | {api_bytes / 1e6:.1f} | | "
                 f"{api_secs:.2f} | {api_bytes / 1e6 / api_secs:.1f} | |")
    lines.append(f"| baseline: gzip -6 of the export's bytes | | {gz_bytes / 1e6:.1f} | | {gz_secs:.2f} | "
                 f"{gz_bytes / 1e6 / gz_secs:.1f} | |")
    lines += ["", f"Export vs API walk: {full_row[4] / full_row[2] / (api_bytes / api_secs):.2f}x the API's MB/s "
                  f"(the export also deflates and writes CSV); vs gzip alone: "
                  f"{full_row[4] / full_row[2] / (gz_bytes / gz_secs):.2f}x.", ""]
    name = "RESULTS-postgresql.md" if bench.BENCH_DB == "postgres" else "RESULTS.md"
    with open(os.path.join(bench.BENCH, name), "a") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    try:
        main()
    except bench.BenchError as e:
        print("bench/export.py: " + str(e), file=sys.stderr)
        sys.exit(1)
