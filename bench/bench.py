#!/usr/bin/python3
"""skolnav benchmarks (run through bench/run or `make bench`).

1. generation of the demo store (cached under bench/cache/db, keyed by scale+seed)
2. a server on a free loopback port with a new client key
3. full walks of /persons and /groups (limit=1000, keep-alive client), then the
   same page bytes served by nginx and walked by the same client code
4. latency at 32 connections with wrk (by id, limit=100, and relationship.organisation of the
   school with most enrolments, limit=100), nginx baseline
5. the server's peak RSS (VmHWM)
6. an incremental query: meta.modified.after after 1 000 changes (all pages, ms)
7. summary table, written to bench/RESULTS.md (BENCH_DB=postgres: bench/RESULTS-postgresql.md;
   other scales than city: bench/RESULTS-<scale>.md and RESULTS-<scale>-postgresql.md)

BENCH_DB=sqlite (default) keeps the store in a cached SQLite file; BENCH_DB=postgres
generates it into PostgreSQL (bench/run starts a throwaway cluster, or uses the
server in SKOLNAV_TEST_PG) on every run.

Standard library only. Every loop is bounded in time and count. The run fails
only when something breaks, never because a figure is slow.
"""
import datetime
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
CACHE = os.path.join(BENCH, "cache")
HOST = "127.0.0.1"
BASE = "/v2.0"
KIND_PERSON, KIND_GROUP = 1, 4  # src/model/model.h: K_PERSON, K_GROUP
WALK_LIMIT = 1000
WALK_MAX_SECONDS = 600  # a walk that takes longer is broken, not slow
WALK_MAX_REPS = 50
SERVER_START_SECONDS = 60

TARGET_WALK_RATIO = 0.50
TARGET_P99_MS = 20.0
TARGET_RSS_MB = 200.0
TARGET_GEN_RATE = 50000.0
TARGET_INCR_MS = 50.0
TARGET_FILTER_P99_MS = 50.0  # issue 7: the filtered list at 32 connections


class BenchError(Exception):
    pass


problems = []  # things that went wrong without stopping the run (errors, mismatches)


def say(msg=""):
    print(msg, flush=True)


def problem(msg):
    problems.append(msg)
    say("  PROBLEM: " + msg)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


BENCH_DB = os.environ.get("BENCH_DB", "sqlite")
INCR_CHANGES = 1000


def is_pg(db):
    return db.startswith("postgres")


def db_scalar(db, sql):
    if is_pg(db):
        argv = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", db, "-c", sql]
    else:
        argv = ["sqlite3", "-readonly", db, sql]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise BenchError(f"{argv[0]} {db} '{sql}': {out.stderr.strip()}")
    return out.stdout.strip()


def db_bytes(db):
    if is_pg(db):
        return int(db_scalar(db, "select pg_database_size(current_database())"))
    return os.path.getsize(db)


def tail(path, n=20):
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 8192))
            return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
    except OSError:
        return ""


def git_commit():
    def git(*args):
        r = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, timeout=30)
        return r.stdout.strip() if r.returncode == 0 else ""

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    if git("status", "--porcelain", "--", "src", "meson.build", "meson_options.txt"):
        commit += " (with uncommitted changes)"
    return commit


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def fmt_int(n):
    return f"{n:,}".replace(",", " ")


def fmt_rate(x):
    return "n/a" if x is None else fmt_int(int(round(x)))


def fmt_ms(x):
    return "n/a" if x is None else (f"{x:.2f}" if x < 10 else f"{x:.1f}")


def fmt_ratio(a, b):
    return "n/a" if not a or not b else f"{a / b:.2f}"


# ---------------------------------------------------------------- generation


def ensure_db(binary, scale, seed):
    """Returns (db path, meta dict, generated in this run?)."""
    ddir = os.path.join(CACHE, "db")
    os.makedirs(ddir, exist_ok=True)
    key = f"{scale}-seed{seed}"
    db = os.path.join(ddir, key + ".db")
    metap = os.path.join(ddir, key + ".gen.json")
    meta = None
    if BENCH_DB == "postgres":
        base = os.environ.get("SKOLNAV_TEST_PG")
        if not base:
            raise BenchError("BENCH_DB=postgres needs a PostgreSQL server: run through bench/run "
                             "(which starts one) or set SKOLNAV_TEST_PG")
        name = f"skolnav_bench_{scale}_{seed}"
        db_scalar(base + "/postgres", f"DROP DATABASE IF EXISTS {name}")
        db_scalar(base + "/postgres", f"CREATE DATABASE {name}")
        db = f"{base}/{name}"
        key += "-postgresql"
        metap = os.path.join(ddir, key + ".gen.json")
    elif os.path.exists(db) and os.path.exists(metap) and not os.environ.get("BENCH_REGEN"):
        try:
            with open(metap) as f:
                meta = json.load(f)
        except (OSError, ValueError):
            meta = None
    if meta and meta.get("complete"):
        say(f"== 1. generation: cached {os.path.relpath(db, ROOT)} "
            f"(generated {meta.get('date', '?')}: {fmt_int(meta['entities'])} entities in "
            f"{meta['seconds']:.1f} s, {fmt_rate(meta['rate'])} entities/s)")
        return db, meta, False

    say(f"== 1. generation: {binary} demo --scale {scale} --seed {seed}")
    for suffix in ("", "-wal", "-shm", "-journal", "-log", "-log-wal", "-log-shm", "-log-journal"):
        if not is_pg(db) and os.path.exists(db + suffix):
            os.unlink(db + suffix)
    if os.path.exists(metap):
        os.unlink(metap)
    logp = os.path.join(ddir, key + ".gen.log")
    t0 = time.perf_counter()
    with open(logp, "wb") as logf:
        # progress goes to the terminal and to the log
        p = subprocess.Popen([binary, "demo", "--db", db, "--scale", scale, "--seed", str(seed), "--force"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in p.stdout:
            logf.write(line)
            sys.stdout.write("  | " + line.decode("utf-8", "replace"))
            sys.stdout.flush()
        rc = p.wait(timeout=3600)
    secs = time.perf_counter() - t0
    if rc != 0:
        raise BenchError(f"the demo generator failed (exit {rc}); log: {logp}\n{tail(logp)}")
    n = int(db_scalar(db, "select count(*) from entity"))
    meta = {
        "complete": True,
        "scale": scale,
        "seed": seed,
        "entities": n,
        "seconds": secs,
        "rate": n / secs if secs > 0 else None,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "db_bytes": db_bytes(db),
        "db": BENCH_DB,
    }
    with open(metap, "w") as f:
        json.dump(meta, f, indent=1)
    say(f"  generated {fmt_int(n)} entities in {secs:.1f} s: {fmt_rate(meta['rate'])} entities/s "
        f"({db_bytes(db) / 1e6:.0f} MB)")
    if is_pg(db):
        db_scalar(db, "ANALYZE")  # what autovacuum would do soon after a load
    return db, meta, True


def warm_file(path, max_seconds=60):
    """Reads a file once so that the first timed walk does not pay for cold disk reads."""
    t0 = time.monotonic()
    with open(path, "rb", buffering=0) as f:
        while time.monotonic() - t0 < max_seconds:
            if not f.read(8 << 20):
                break


# ---------------------------------------------------------------- processes


class Proc:
    def __init__(self, name, argv, logpath, cwd=None):
        self.name = name
        self.logpath = logpath
        self.logf = open(logpath, "wb")
        self.p = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT, cwd=cwd,
                                  stdin=subprocess.DEVNULL)
        self.pid = self.p.pid
        self.rc = None

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, wait=20):
        """SIGTERM and wait; SIGKILL after `wait` seconds. Returns the exit code."""
        if self.p.poll() is None:
            try:
                self.p.send_signal(sig)
                self.rc = self.p.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                problem(f"{self.name} (pid {self.pid}) did not stop within {wait} s of SIGTERM; killed")
                self.p.kill()
                self.rc = self.p.wait(timeout=10)
        else:
            self.rc = self.p.returncode
        self.logf.close()
        return self.rc


def wait_http(proc, port, path, headers, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        if not proc.alive():
            raise BenchError(f"{proc.name} exited with {proc.p.returncode} while starting; "
                             f"log {proc.logpath}:\n{tail(proc.logpath)}")
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=5)
            c.request("GET", path, headers=headers)
            r = c.getresponse()
            body = r.read()
            c.close()
            if r.status == 200:
                return
            raise BenchError(f"{proc.name}: GET {path} answered {r.status}: {body[:300]!r}")
        except (ConnectionError, OSError) as e:
            last = e
            time.sleep(0.1)
    raise BenchError(f"{proc.name} did not answer on port {port} within {seconds} s ({last})")


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "Threads"):
                    out[k] = v.strip()
    except OSError:
        pass
    return out


def kb_to_mb(s):
    if not s:
        return None
    n, unit = s.split()[0], s.split()[1] if len(s.split()) > 1 else "kB"
    return int(n) * 1024 / 1e6 if unit == "kB" else None


# ---------------------------------------------------------------- perf (optional)


class Perf:
    """`BENCH_PERF=1`: samples the server during a phase and keeps the top symbols."""

    def __init__(self, pid, enabled):
        self.pid = pid
        self.enabled = enabled and bool(subprocess.run(["sh", "-c", "command -v perf"],
                                                        capture_output=True).stdout)
        self.p = None
        self.reports = {}

    def start(self, name):
        if not self.enabled:
            return
        os.makedirs(os.path.join(CACHE, "perf"), exist_ok=True)
        self.name = name
        self.data = os.path.join(CACHE, "perf", name + ".data")
        # DWARF unwinding: the libraries have no frame pointers
        self.p = subprocess.Popen(["perf", "record", "-q", "-F", "199", "--call-graph", "dwarf,16384",
                                   "-p", str(self.pid), "-o", self.data],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # let perf attach before the phase starts

    def stop(self):
        if not self.enabled or not self.p:
            return
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.p = None
        def report(children):
            r = subprocess.run(["perf", "report", "-i", self.data, "--stdio",
                                "--children" if children else "--no-children", "--sort", "dso,symbol",
                                "-g", "none", "--percent-limit", "2"],
                               capture_output=True, text=True, timeout=600)
            keep = []
            for l in r.stdout.splitlines():
                if not l.strip() or l.startswith("#") or " 0x0000" in l:
                    continue
                l = re.sub(r"\s+-\s+-\s*$", "", l.rstrip()).strip()
                keep.append(re.sub(r"\s{2,}", "  ", l))
            return r.stdout, keep

        flat_raw, flat = report(False)
        incl_raw, incl = report(True)
        incl = [l for l in incl if "skolnav" in l.split("[")[0]][:15]
        with open(os.path.join(CACHE, "perf", self.name + ".txt"), "w") as f:
            f.write(flat_raw + "\n\n" + incl_raw)
        txt = ("self time:\n" + "\n".join(flat[:12]) +
               "\n\nincluding callees, skolnav functions:\n" + "\n".join(incl))
        self.reports[self.name] = txt
        say(f"  perf, server samples during {self.name} (self time; then skolnav functions incl. callees):")
        for l in flat[:10] + ["--"] + incl[:10]:
            say("    " + l)


# ---------------------------------------------------------------- walks

TOKEN_RE = re.compile(rb'"pageToken"\s*:\s*(null|"((?:[^"\\]|\\.)*)")\s*\}\s*$')


def walk(port, first_path, next_path, headers, label, max_pages, keep=True):
    """GETs pages over one keep-alive connection until next_path() says None.

    next_path(pages_so_far, token) -> path or None. The token is found in the
    tail of each body (no JSON decoding in the timed loop). Returns
    (bodies, total bytes, pages, seconds); bodies is [] unless keep.
    """
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    bodies = []
    npages = 0
    nbytes = 0
    path = first_path
    t0 = time.perf_counter()
    while path is not None:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            conn.close()
            raise BenchError(f"{label}: GET {path} answered {r.status} after {npages} pages: {body[:400]!r}")
        npages += 1
        nbytes += len(body)
        if keep:
            bodies.append(body)
        m = TOKEN_RE.search(body, max(0, len(body) - 4096))
        if not m:
            conn.close()
            raise BenchError(f"{label}: GET {path}: no pageToken at the end of the body: ...{body[-300:]!r}")
        token = None
        if m.group(1) != b"null":
            token = m.group(2).decode()
            if "\\" in token:
                token = json.loads('"' + token + '"')
        path = next_path(npages, token)
        if path is not None and (npages >= max_pages or time.perf_counter() - t0 > WALK_MAX_SECONDS):
            conn.close()
            raise BenchError(f"{label}: walk did not end after {npages} pages / "
                             f"{time.perf_counter() - t0:.0f} s")
    secs = time.perf_counter() - t0
    conn.close()
    return bodies, nbytes, npages, secs


def repeated_walk(port, first_path, next_path, headers, label, max_pages, min_seconds):
    """One full walk keeping the bodies, then more (at least one, up to WALK_MAX_REPS) until
    min_seconds of walking have been timed, so that small stores still give stable
    figures. The first walk is not among the timed ones: it saves the bodies and warms
    the caches (a nation store is larger than what the OS had cached of it, so its first
    walk reads the disk). Returns (bodies of the first walk, bytes per walk, pages per
    walk, seconds of the timed walks, timed walks, seconds of the first walk)."""
    bodies, nbytes, npages, first = walk(port, first_path, next_path, headers, label, max_pages)
    secs = 0.0
    reps = 0
    while (secs < min_seconds or reps == 0) and reps < WALK_MAX_REPS:
        _, b, n, s = walk(port, first_path, next_path, headers, label, max_pages, keep=False)
        if b != nbytes or n != npages:
            problem(f"{label}: walk {reps + 2} gave {n} pages / {b} bytes, the first {npages} / {nbytes}")
        secs += s
        reps += 1
    return bodies, nbytes, npages, secs, reps, first


def count_entities(bodies, label):
    """Untimed: decodes every page, counts entities and checks that ids do not repeat."""
    n = 0
    seen = set()
    dup = 0
    for i, b in enumerate(bodies):
        try:
            doc = json.loads(b)
        except ValueError as e:
            problem(f"{label}: page {i + 1} is not valid JSON ({e})")
            continue
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, list):
            problem(f"{label}: page {i + 1} has no data array")
            continue
        n += len(data)
        for e in data:
            eid = e.get("id") if isinstance(e, dict) else None
            if eid in seen:
                dup += 1
            seen.add(eid)
    if dup:
        problem(f"{label}: {dup} entities appeared twice during the walk")
    return n


def walk_pair(kind_path, port, ngx_port_fn, headers, scale, expected, perf):
    """Walks /<kind_path> on skolnav, saves the pages, then walks them on nginx."""
    label = f"skolnav /{kind_path}"
    first = f"{BASE}/{kind_path}?limit={WALK_LIMIT}"

    def next_skolnav(_n, token):
        if token is None:
            return None
        return f"{BASE}/{kind_path}?limit={WALK_LIMIT}&pageToken={urllib.parse.quote(token, safe='')}"

    max_pages = expected // WALK_LIMIT + 100
    min_secs = float(os.environ.get("BENCH_WALK_SECONDS", "3"))
    perf.start(f"walk-{kind_path}")
    bodies, nbytes, npages, secs, reps, first_secs = repeated_walk(port, first, next_skolnav, headers, label,
                                                                   max_pages, min_secs)
    perf.stop()
    n = count_entities(bodies, label)
    if n != expected:
        problem(f"{label}: the walk returned {n} entities, the store holds {expected}")
    res = {"pages": npages, "entities": n, "bytes": nbytes, "seconds": secs / reps, "reps": reps,
           "first_seconds": first_secs, "eps": n * reps / secs, "mbps": nbytes * reps / 1e6 / secs}
    say(f"  skolnav /{kind_path}: {fmt_int(n)} entities, {npages} pages, {nbytes / 1e6:.1f} MB; "
        f"{reps} walk(s), {secs / reps:.3f} s each (first {first_secs:.3f} s): "
        f"{fmt_rate(res['eps'])} entities/s, {res['mbps']:.1f} MB/s")

    # save the very bytes, then let nginx serve them
    sdir = os.path.join(CACHE, "static", scale, kind_path)
    os.makedirs(sdir, exist_ok=True)
    for f in os.listdir(sdir):
        if f.endswith(".json"):
            os.unlink(os.path.join(sdir, f))
    names = []
    for i, b in enumerate(bodies):
        name = f"p{i + 1:04d}.json"
        with open(os.path.join(sdir, name), "wb") as f:
            f.write(b)
        names.append(f"/{kind_path}/{name}")
    del bodies

    ngx_port = ngx_port_fn()

    def next_static(npages, _token):
        return names[npages] if npages < len(names) else None

    nb, nbytes2, npages2, nsecs, nreps, nfirst = repeated_walk(ngx_port, names[0], next_static, headers,
                                                               f"nginx /{kind_path}", len(names) + 1, min_secs)
    if nbytes2 != nbytes:
        problem(f"nginx /{kind_path}: served {nbytes2} bytes, skolnav {nbytes}")
    del nb
    base = {"pages": npages2, "entities": n, "bytes": nbytes2, "seconds": nsecs / nreps, "reps": nreps,
            "first_seconds": nfirst, "eps": n * nreps / nsecs, "mbps": nbytes2 * nreps / 1e6 / nsecs}
    say(f"  nginx   /{kind_path}: same {npages2} pages; {nreps} walk(s), {nsecs / nreps:.3f} s each: "
        f"{fmt_rate(base['eps'])} entities/s, {base['mbps']:.1f} MB/s; "
        f"skolnav/nginx = {fmt_ratio(res['eps'], base['eps'])}")
    return res, base


# ---------------------------------------------------------------- nginx


def start_nginx(tmp, root, port):
    prefix = os.path.join(tmp, "nginx")
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
    conf = os.path.join(prefix, "nginx.conf")
    user = "user root;\n" if os.geteuid() == 0 else ""
    t = os.path.join(prefix, "tmp")
    with open(conf, "w") as f:
        f.write(f"""# generated by bench/bench.py
{user}daemon off;
master_process on;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    # tcp_nopush stays off: with it, 86 kB bodies on keep-alive connections hit the
    # 40 ms delayed-ACK stall (p99 ~40 ms instead of ~5 ms)
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types {{ application/json json; }}
    default_type application/json;
    client_body_temp_path {t}/body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    server {{
        listen {HOST}:{port};
        root {root};
        location / {{ }}
    }}
}}
""")
    p = Proc("nginx", ["nginx", "-c", conf, "-p", prefix + "/"], os.path.join(tmp, "nginx.log"))
    return p


# ---------------------------------------------------------------- wrk

WRK_CONNS = 32
WRK_THREADS = 2


def to_ms(v, unit):
    v = float(v)
    return {"us": v / 1000, "ms": v, "s": v * 1000, "m": v * 60000}.get(unit)


def run_wrk(label, url, seconds, headers, script=None, script_args=()):
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    out = r.stdout
    if r.returncode != 0 or "Requests/sec" not in out:
        raise BenchError(f"wrk {label} failed (exit {r.returncode}):\n{out}\n{r.stderr}")
    res = {"label": label}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else None
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        res["p" + pct] = to_ms(m.group(1), m.group(2)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(\w+) read", out)
    res["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["sockerr"] = tuple(int(x) for x in m.groups()) if m else (0, 0, 0, 0)
    say(f"  {label}: {fmt_rate(res['rps'])} req/s, p50 {fmt_ms(res['p50'])} ms, p99 {fmt_ms(res['p99'])} ms"
        f" ({fmt_int(res['requests'] or 0)} requests)")
    if res["non2xx"]:
        problem(f"wrk {label}: {res['non2xx']} non-2xx answers")
    if any(res["sockerr"]):
        problem(f"wrk {label}: socket errors connect/read/write/timeout = {res['sockerr']}")
    return res


def fetch(port, path, headers):
    c = http.client.HTTPConnection(HOST, port, timeout=30)
    c.request("GET", path, headers=headers)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


# ---------------------------------------------------------------- main


def incremental(binary, db, port, auth, ids, tmp):
    """Changes INCR_CHANGES persons through ingest, then times the walk of
    /persons?meta.modified.after=<just before the changes> (all pages).
    The figure must not grow with the store: it reads the changed rows only."""
    picked = ids[:INCR_CHANGES]
    recs = []
    for pid in picked:
        st, body = fetch(port, f"{BASE}/persons/{pid}", auth)
        if st != 200:
            problem(f"GET {BASE}/persons/{pid} answered {st} while preparing the changes")
            continue
        p = json.loads(body)
        p.pop("meta", None)
        p.pop("_embedded", None)
        p["familyName"] = p.get("familyName", "") + " Bench"
        recs.append(p)
    if not recs:
        return None
    path = os.path.join(tmp, "changes.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recs, f, ensure_ascii=False)
    time.sleep(0.01)
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(milliseconds=5)
    r = subprocess.run([binary, "ingest", "--db", db, "--kind", "persons", path],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        problem(f"ingest of {len(recs)} changes failed: {r.stderr.strip()[:300]}")
        return None
    after = since.strftime("%Y-%m-%dT%H:%M:%S.") + f"{since.microsecond // 1000:03d}Z"
    limit = WALK_LIMIT
    first = f"{BASE}/persons?meta.modified.after={urllib.parse.quote(after)}&limit={limit}"
    times, first_times, found, pages = [], [], 0, 0
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        for rep in range(7):
            t0 = time.perf_counter()
            path_, found, pages = first, 0, 0
            while path_ and pages < 100:
                conn.request("GET", path_, headers=auth)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    raise BenchError(f"GET {path_} answered {resp.status}: {body[:200]!r}")
                env = json.loads(body)
                found += len(env["data"])
                pages += 1
                if pages == 1:
                    first_times.append((time.perf_counter() - t0) * 1000)
                tok = env.get("pageToken")
                path_ = f"{BASE}/persons?pageToken={urllib.parse.quote(tok)}&limit={limit}" if tok else None
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        conn.close()
    if found != len(recs):
        problem(f"meta.modified.after found {found} persons, {len(recs)} were changed")
    times.sort()
    first_times.sort()
    res = {"changes": len(recs), "found": found, "pages": pages, "limit": limit, "reps": len(times),
           "ms": times[len(times) // 2], "first_ms": first_times[len(first_times) // 2]}
    say(f"  {found} of {len(recs)} changed persons in {pages} pages: {fmt_ms(res['ms'])} ms "
        f"(median of {len(times)}), first page {fmt_ms(res['first_ms'])} ms")
    return res


def main():
    scale = os.environ.get("BENCH_SCALE", "city")
    seed = int(os.environ.get("BENCH_SEED", "1"))
    wrk_secs = int(os.environ.get("BENCH_WRK_SECONDS", "15" if scale == "city" else "5"))
    binary = os.environ.get("SKOLNAV_BIN", os.path.join(ROOT, "build", "skolnav"))
    if not os.access(binary, os.X_OK):
        raise BenchError(f"{binary} is missing: run `make build` first (or `make bench`)")
    for tool in ("wrk", "nginx", "psql" if BENCH_DB == "postgres" else "sqlite3"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            raise BenchError(f"{tool} is missing: run `scripts/deps bench`")
    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.monotonic()
    env = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu_model(),
        "commit": git_commit(),
        "scale": scale,
        "seed": seed,
        "wrk_secs": wrk_secs,
        "load_start": os.getloadavg()[0],
        "db": BENCH_DB,
    }
    if BENCH_DB not in ("sqlite", "postgres"):
        raise BenchError(f"BENCH_DB={BENCH_DB}: use sqlite or postgres")
    say(f"skolnav bench: scale {scale}, store {BENCH_DB}, seed {seed}, {env['date']}, nproc {env['nproc']}, {env['cpu']}, "
        f"commit {env['commit']}")

    # 1. generation
    db, gen, generated = ensure_db(binary, scale, seed)
    n_persons = int(db_scalar(db, f"select count(*) from entity where kind={KIND_PERSON}"))
    n_groups = int(db_scalar(db, f"select count(*) from entity where kind={KIND_GROUP}"))
    n_all = int(db_scalar(db, "select count(*) from entity"))
    say(f"  store: {fmt_int(n_all)} entities, {fmt_int(n_persons)} persons, {fmt_int(n_groups)} groups, "
        f"{db_bytes(db) / 1e6:.0f} MB")
    ids = db_scalar(db, f"select id from entity where kind={KIND_PERSON} order by random() limit 10000").split()
    if not ids:
        raise BenchError("the store holds no persons")

    tmp = tempfile.mkdtemp(prefix="skolnav-bench-")
    idsfile = os.path.join(tmp, "person-ids.txt")
    with open(idsfile, "w") as f:
        f.write("\n".join(ids) + "\n")

    # 2. server
    r = subprocess.run([binary, "client", "add", "--db", db, f"bench {env['date']}", "--full-access"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or not r.stdout.strip():
        raise BenchError(f"skolnav client add failed (exit {r.returncode}): {r.stderr.strip()}")
    key = r.stdout.strip().splitlines()[-1].strip()
    auth = {"Authorization": f"Bearer {key}"}
    auth_h = [f"Authorization: Bearer {key}"]
    if not is_pg(db):
        warm_file(db)

    port = free_port()
    say(f"== 2. server: {os.path.relpath(binary, ROOT)} serve on {HOST}:{port}")
    # The per-client rate limit (default 100 requests/s) would answer most of
    # wrk's requests with 429: the benchmark measures the server, not the limiter.
    server = Proc("skolnav serve", [binary, "serve", "--db", db, "--listen", f"{HOST}:{port}",
                                    "--rate-limit", "100000"],
                  os.path.join(tmp, "server.log"))
    nginx = None
    results = {}
    perf = Perf(server.pid, bool(os.environ.get("BENCH_PERF")))
    try:
        wait_http(server, port, f"{BASE}/persons?limit=1", auth, SERVER_START_SECONDS)
        say(f"  pid {server.pid}, ready; log {server.logpath}")
        static_root = os.path.join(CACHE, "static", scale)
        os.makedirs(os.path.join(static_root, "single"), exist_ok=True)

        ngx_port = free_port()

        def nginx_port():
            nonlocal nginx
            if nginx is None:
                nginx = start_nginx(tmp, static_root, ngx_port)
                os.makedirs(static_root, exist_ok=True)
                with open(os.path.join(static_root, "ready.json"), "w") as f:
                    f.write("{}\n")
                wait_http(nginx, ngx_port, "/ready.json", {}, 30)
                say(f"  nginx pid {nginx.pid} on {HOST}:{ngx_port}, root {os.path.relpath(static_root, ROOT)}")
            return ngx_port

        # 3. walks
        say(f"== 3. full walks, limit={WALK_LIMIT}, one keep-alive connection")
        results["walk_persons"] = walk_pair("persons", port, nginx_port, auth, scale, n_persons, perf)
        results["walk_groups"] = walk_pair("groups", port, nginx_port, auth, scale, n_groups, perf)
        if not server.alive():
            raise BenchError(f"the server died during the walks:\n{tail(server.logpath)}")

        # 4. latency
        say(f"== 4. latency: wrk -t{WRK_THREADS} -c{WRK_CONNS} -d{wrk_secs}s --latency")
        bad = 0
        for pid in ids[:50]:
            st, body = fetch(port, f"{BASE}/persons/{pid}", auth)
            if st != 200:
                bad += 1
                if bad <= 3:
                    problem(f"GET {BASE}/persons/{pid} answered {st}: {body[:200]!r}")
        st, one = fetch(port, f"{BASE}/persons/{ids[0]}", auth)
        if st != 200:
            raise BenchError(f"GET {BASE}/persons/{ids[0]} answered {st}")
        st, list100 = fetch(port, f"{BASE}/persons?limit=100", auth)
        if st != 200:
            raise BenchError(f"GET {BASE}/persons?limit=100 answered {st}")
        school = db_scalar(db, "SELECT org FROM prel WHERE type='enrolment' GROUP BY org"
                               " ORDER BY count(*) DESC, org LIMIT 1").strip()
        filtered = f"{BASE}/persons?relationship.organisation={school}&limit=100"
        st, list_filtered = fetch(port, filtered, auth)
        if st != 200:
            raise BenchError(f"GET {filtered} answered {st}")
        with open(os.path.join(static_root, "single", "persons-filtered.json"), "wb") as f:
            f.write(list_filtered)
        with open(os.path.join(static_root, "single", "person.json"), "wb") as f:
            f.write(one)
        with open(os.path.join(static_root, "single", "persons-limit100.json"), "wb") as f:
            f.write(list100)
        say(f"  response sizes: by id {len(one)} bytes, limit=100 {len(list100)} bytes")
        lua = os.path.join(BENCH, "byid.lua")
        perf.start("wrk-byid")
        results["byid"] = run_wrk("skolnav GET /persons/{id}", f"http://{HOST}:{port}{BASE}/persons/",
                                  wrk_secs, auth_h, lua, (idsfile, f"{BASE}/persons/"))
        perf.stop()
        perf.start("wrk-list100")
        results["list100"] = run_wrk("skolnav GET /persons?limit=100",
                                     f"http://{HOST}:{port}{BASE}/persons?limit=100", wrk_secs, auth_h)
        perf.stop()
        perf.start("wrk-filtered")
        results["filtered"] = run_wrk("skolnav GET /persons?relationship.organisation=<largest school>&limit=100",
                                      f"http://{HOST}:{port}{filtered}", wrk_secs, auth_h)
        perf.stop()
        if not server.alive():
            raise BenchError(f"the server died under wrk:\n{tail(server.logpath)}")
        # 5. peak RSS, read before anything else can disturb it
        stat = proc_status(server.pid)
        results["rss"] = {"hwm_mb": kb_to_mb(stat.get("VmHWM")), "rss_mb": kb_to_mb(stat.get("VmRSS")),
                          "anon_mb": kb_to_mb(stat.get("RssAnon")), "file_mb": kb_to_mb(stat.get("RssFile")),
                          "threads": stat.get("Threads")}
        np_ = nginx_port()
        results["byid_ngx"] = run_wrk("nginx   same by-id body", f"http://{HOST}:{np_}/single/person.json",
                                      wrk_secs, auth_h)
        results["list100_ngx"] = run_wrk("nginx   same limit=100 body",
                                         f"http://{HOST}:{np_}/single/persons-limit100.json", wrk_secs, auth_h)
        results["filtered_ngx"] = run_wrk("nginx   same filtered body",
                                          f"http://{HOST}:{np_}/single/persons-filtered.json", wrk_secs, auth_h)
        say("== 5. server memory")
        rs = results["rss"]
        say(f"  VmHWM {rs['hwm_mb']:.1f} MB; at the end VmRSS {rs['rss_mb']:.1f} MB = RssAnon "
            f"{rs['anon_mb']:.1f} MB + RssFile {rs['file_mb']:.1f} MB"
            f"{'' if is_pg(db) else ' (file pages include SQLite mmap of the store)'}; {rs['threads']} threads")
        say(f"== 6. incremental query: meta.modified.after after {fmt_int(INCR_CHANGES)} changes")
        results["incr"] = incremental(binary, db, port, auth, ids, tmp)
    finally:
        # 6. stop everything
        perf.stop()
        if nginx is not None:
            rc = nginx.stop(signal.SIGTERM)
            if rc not in (0, None):
                problem(f"nginx exited with {rc}: {tail(nginx.logpath, 5)}")
        rc = server.stop(signal.SIGTERM)
        if rc != 0:
            problem(f"skolnav serve exited with {rc} after SIGTERM; log tail:\n{tail(server.logpath)}")
        scan_server_log(server.logpath)

    env["elapsed"] = time.monotonic() - t_start
    table, targets = summarize(env, gen, generated, results, n_persons, n_groups, n_all)
    say()
    say("== 7. summary")
    say(table)
    say()
    for t in targets:
        say("  " + t)
    if problems:
        say()
        say("problems seen:")
        for p in problems:
            say("  - " + p)
    write_results(env, gen, generated, table, targets, results, perf)
    say()
    say(f"bench: written {os.path.relpath(results_path(env), ROOT)} "
        f"({env['elapsed']:.0f} s in all)")
    return 0


def scan_server_log(path):
    """Reports log lines of the server that speak of errors or 5xx answers."""
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return
    bad = [l for l in lines if re.search(r"\b(error|fatal|crit|panic|assert|warn\w*)\b| 5\d\d ", l, re.I)]
    if bad:
        problem(f"the server logged {len(bad)} error/warning lines, e.g.:\n    " + "\n    ".join(bad[:5]))


def summarize(env, gen, generated, R, n_persons, n_groups, n_all):
    rows = []
    gtxt = (f"{fmt_rate(gen['rate'])} entities/s ({fmt_int(gen['entities'])} in {gen['seconds']:.1f} s)"
            if generated else
            f"cached; last measured {fmt_rate(gen['rate'])} entities/s ({fmt_int(gen['entities'])} in "
            f"{gen['seconds']:.1f} s, {gen.get('date', '?')})")
    rows.append(("Generation (`skolnav demo`)", gtxt, "", ""))
    for k, name in (("walk_persons", "/persons"), ("walk_groups", "/groups")):
        if k in R:
            s, b = R[k]
            rows.append((f"Full walk {name} ({fmt_int(s['entities'])} entities, {s['pages']} pages, "
                         f"{s['bytes'] / 1e6:.1f} MB), limit={WALK_LIMIT}",
                         f"{fmt_rate(s['eps'])} entities/s, {s['mbps']:.1f} MB/s ({s['seconds']:.3f} s/walk, "
                         f"{s['reps']} walks; first {s['first_seconds']:.3f} s)",
                         f"{fmt_rate(b['eps'])} entities/s, {b['mbps']:.1f} MB/s ({b['seconds']:.3f} s/walk, "
                         f"{b['reps']} walks; first {b['first_seconds']:.3f} s)",
                         fmt_ratio(s["eps"], b["eps"])))
    for k, name in (("byid", "GET /persons/{id} (random of 10 000 ids)"), ("list100", "GET /persons?limit=100"),
                    ("filtered", "GET /persons?relationship.organisation=(the school with most enrolments)&limit=100")):
        if k in R:
            s, b = R[k], R.get(k + "_ngx")
            cell = lambda x: (f"{fmt_rate(x['rps'])} req/s, p50 {fmt_ms(x['p50'])} ms, p99 {fmt_ms(x['p99'])} ms"
                              if x else "n/a")
            rows.append((f"{name}, {WRK_CONNS} connections, {env['wrk_secs']} s", cell(s), cell(b),
                         fmt_ratio(s["rps"], b["rps"]) if b else "n/a"))
    if R.get("incr"):
        x = R["incr"]
        rows.append((f"Incremental `meta.modified.after` after {fmt_int(x['changes'])} changes "
                     f"({x['pages']} pages of {x['limit']}, {x['found']} entities)",
                     f"{fmt_ms(x['ms'])} ms (median of {x['reps']}; first page {fmt_ms(x['first_ms'])} ms)", "", ""))
    if "rss" in R:
        rs = R["rss"]
        rows.append(("Server peak RSS (VmHWM) at the end", f"{rs['hwm_mb']:.1f} MB (at the end: RssAnon "
                     f"{rs['anon_mb']:.1f} MB + RssFile {rs['file_mb']:.1f} MB)", "", ""))

    head = ("Measure", "skolnav", "nginx (same bytes)", "skolnav/nginx")
    table = "| " + " | ".join(head) + " |\n|" + "|".join(["---"] * 4) + "|\n"
    table += "\n".join("| " + " | ".join(r) + " |" for r in rows)

    def mark(ok):
        return "n/a" if ok is None else ("met" if ok else "NOT MET")

    t = []
    for k, name in (("walk_persons", "/persons"), ("walk_groups", "/groups")):
        if k in R:
            ratio = R[k][0]["eps"] / R[k][1]["eps"]
            t.append(f"full walk {name} >= {TARGET_WALK_RATIO:.0%} of nginx: {ratio:.0%}, "
                     f"{mark(ratio >= TARGET_WALK_RATIO)}")
    for k, name in (("byid", "by id"), ("list100", "limit=100")):
        if k in R and R[k]["p99"] is not None:
            t.append(f"p99 < {TARGET_P99_MS:.0f} ms at {WRK_CONNS} connections ({name}): {fmt_ms(R[k]['p99'])} ms, "
                     f"{mark(R[k]['p99'] < TARGET_P99_MS)}")
    if R.get("filtered") and R["filtered"]["p99"] is not None:
        t.append(f"filtered list p99 < {TARGET_FILTER_P99_MS:.0f} ms at {WRK_CONNS} connections: "
                 f"{fmt_ms(R['filtered']['p99'])} ms, {mark(R['filtered']['p99'] < TARGET_FILTER_P99_MS)}")
    if R.get("incr"):
        t.append(f"incremental query < {TARGET_INCR_MS:.0f} ms: {fmt_ms(R['incr']['ms'])} ms, "
                 f"{mark(R['incr']['ms'] < TARGET_INCR_MS)}")
    if "rss" in R and R["rss"]["hwm_mb"] is not None:
        t.append(f"peak RSS < {TARGET_RSS_MB:.0f} MB: {R['rss']['hwm_mb']:.1f} MB, "
                 f"{mark(R['rss']['hwm_mb'] < TARGET_RSS_MB)}")
    if gen.get("rate"):
        t.append(f"generation >= {fmt_int(int(TARGET_GEN_RATE))} entities/s: {fmt_rate(gen['rate'])}"
                 f"{'' if generated else ' (cached measurement)'}, {mark(gen['rate'] >= TARGET_GEN_RATE)}")
    return table, t


def write_results(env, gen, generated, table, targets, R, perf):
    lines = [
        "# skolnav benchmark results",
        "",
        "Written by `make bench` (bench/run); every run overwrites this file with its own figures.",
        "",
        f"- Date: {env['date']}",
        f"- Scale: {env['scale']}, seed {env['seed']} (`BENCH_SCALE`, `BENCH_SEED`); store: "
        f"{'PostgreSQL (bench/run starts a local cluster: fsync on, shared_buffers 1 GB, unix socket)' if env['db'] == 'postgres' else 'SQLite'} (`BENCH_DB`)",
        f"- Machine: `nproc` {env['nproc']}, CPU {env['cpu']}",
        f"- skolnav commit: {env['commit']}",
        f"- Client, server and nginx share the machine. Walks: one Python `http.client` keep-alive "
        f"connection, limit={WALK_LIMIT}, following `pageToken` (nginx: the saved page files in the same "
        f"order; each side's first walk, which saves the pages and warms the caches, is not among the timed "
        f"ones). Latency: `wrk -t{WRK_THREADS} -c{WRK_CONNS} -d{env['wrk_secs']}s --latency`; nginx "
        f"serves the same response bytes (worker_processes 2, sendfile on, access_log off).",
        f"- Whole run: {env['elapsed']:.0f} s; load average (1 min) {env['load_start']:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end (other work on the machine skews every figure, nginx's too)",
        *([f"- Note: {os.environ['BENCH_NOTE']}"] if os.environ.get("BENCH_NOTE") else []),
        "",
        table,
        "",
        "Targets: " + "; ".join(targets) + ".",
        "",
    ]
    rs = R.get("rss")
    if env["db"] == "sqlite" and rs and rs.get("file_mb") and rs.get("anon_mb") is not None \
            and rs["file_mb"] > rs["anon_mb"]:
        lines += [f"Note on RSS: VmHWM counts file-backed pages too. At the end {rs['file_mb']:.0f} MB of the "
                  f"RSS were pages of the store file mapped by SQLite (`mmap_size`; every worker thread's "
                  f"connection maps the file separately, so shared page-cache pages are counted once per "
                  f"connection) and {rs['anon_mb']:.0f} MB were the server's own memory (heap, SQLite page "
                  f"caches, stacks).", ""]
    if problems:
        lines += ["## Problems seen in this run", ""]
        lines += ["- " + p.replace("\n", " ") for p in problems]
        lines.append("")
    if perf.reports:
        lines += ["## perf samples of the server (BENCH_PERF=1)", ""]
        for name, txt in perf.reports.items():
            lines += [f"{name}:", "", "```", txt, "```", ""]
    with open(results_path(env), "w") as f:
        f.write("\n".join(lines))


def results_path(env):
    """City figures (the default) go to RESULTS.md and RESULTS-postgresql.md; other
    scales to RESULTS-<scale>.md and RESULTS-<scale>-postgresql.md, so that a nation run
    does not replace the city's figures."""
    scale = "" if env["scale"] == "city" else "-" + env["scale"]
    return os.path.join(BENCH, f"RESULTS{scale}.md" if env["db"] == "sqlite" else f"RESULTS{scale}-postgresql.md")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench: FAILED: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
