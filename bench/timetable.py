"""skolnav benchmarks of issue 3, run by `make bench` after bench.py on the same cached store:

1. GET /calendarEvents for one school's week (the school with the most activities), requests/s
   and p99 under wrk;
2. GET /aggregatedAttendance for one school's term: milliseconds per computation (median, p99);
3. webhooks: the time from a committed change (the write's 200) to the notification's arrival
   at a local receiver, p50/p99 over BENCH_HOOK_CHANGES changes (default 1000), in three
   streams (one subscription per writable kind, each waiting for its notification before the
   next write). The records written are deleted afterwards.

Targets (issue 3): webhook p99 < 1 s, aggregatedAttendance for a school's term < 200 ms.
Prints the figures and appends them to bench/RESULTS.md. Fails only when something breaks."""

import datetime
import http.client
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (helpers: the cached store, processes, wrk)
from bench import BASE, HOST, BenchError, Proc, ensure_db, free_port, run_wrk, say, db_scalar, wait_http  # noqa: E402

KIND_ACTIVITY, KIND_PLACEMENT, KIND_CALENDAREVENT = 9, 2, 10
TARGET_HOOK_P99_MS = 1000.0
TARGET_AGG_MS = 200.0


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else float("nan")


class Conn:
    def __init__(self, port, key):
        self.c = http.client.HTTPConnection(HOST, port, timeout=60)
        self.h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        self.c.request(method, BASE + path, body=json.dumps(body) if body is not None else None, headers=self.h)
        r = self.c.getresponse()
        data = r.read()
        return r.status, data


class Receiver:
    def __init__(self):
        self.port = free_port()
        self.cond = threading.Condition()
        self.arrivals = {}  # path -> list of arrival times
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                t = time.monotonic()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with rec.cond:
                    rec.arrivals.setdefault(self.path, []).append(t)
                    rec.cond.notify_all()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer((HOST, self.port), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_more(self, path, n, timeout=30):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.arrivals.get(path, [])) <= n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BenchError(f"no webhook for {path} within {timeout} s")
                self.cond.wait(left)
            return self.arrivals[path][n]


def busiest_school(db):
    return db_scalar(db, f"select json_extract(json, '$.organisation.id') o from entity where kind={KIND_ACTIVITY}"
                             " group by o order by count(*) desc limit 1").strip()


def hook_stream(port, key, rec, kind_path, body_fn, n, out, made):
    conn = Conn(port, key)
    path = "/hook/" + kind_path
    st, data = conn.call("POST", "/subscriptions", {"name": "bench " + kind_path,
                                                    "target": f"http://{HOST}:{rec.port}{path}",
                                                    "resourceTypes": [{"resource": body_fn.kind}]})
    if st != 201:
        raise BenchError(f"POST /subscriptions answered {st}: {data[:200]!r}")
    sub = json.loads(data)["id"]
    time.sleep(0.5)
    for i in range(n):
        with rec.cond:
            seen = len(rec.arrivals.get(path, []))
        st, data = conn.call("POST", "/" + kind_path, body_fn(i))
        t_commit = time.monotonic()
        if st != 200:
            raise BenchError(f"POST /{kind_path} answered {st}: {data[:200]!r}")
        made.append((kind_path, json.loads(data)["id"]))
        t_arrive = rec.wait_more(path, seen)
        out.append((t_arrive - t_commit) * 1000.0)
    conn.call("DELETE", "/subscriptions/" + sub)


def main():
    scale = os.environ.get("BENCH_SCALE", "city")
    seed = int(os.environ.get("BENCH_SEED", "1"))
    secs = int(os.environ.get("BENCH_WRK_SECONDS", "15" if scale == "city" else "5"))
    changes = int(os.environ.get("BENCH_HOOK_CHANGES", "1000"))
    binary = os.environ.get("SKOLNAV_BIN", os.path.join(bench.ROOT, "build", "skolnav"))
    db, _gen, _new = ensure_db(binary, scale, seed)
    school = busiest_school(db)
    pl = db_scalar(db, f"select json from entity where kind={KIND_PLACEMENT} limit 1")
    placement = json.loads(pl)
    r = subprocess.run([binary, "client", "add", "--db", db, "bench timetable", "--full-access"],
                       capture_output=True, text=True, timeout=60)
    key = r.stdout.strip().splitlines()[-1].strip()
    tmp = tempfile.mkdtemp(prefix="skolnav-bench-tt-")
    port = free_port()
    server = Proc("skolnav serve", [binary, "serve", "--db", db, "--listen", f"{HOST}:{port}",
                                    "--webhook-allow-http-loopback", "--rate-limit", "100000"], os.path.join(tmp, "server.log"))
    res = {}
    made = []
    try:
        wait_http(server, port, f"{BASE}/organisations?limit=1", {"Authorization": "Bearer " + key}, 60)
        today = datetime.date.today()
        monday = today - datetime.timedelta(days=today.weekday())
        week = (f"/calendarEvents?organisation={school}&startTime.onOrAfter={monday}T00:00:00Z"
                f"&startTime.onOrBefore={monday + datetime.timedelta(days=5)}T00:00:00Z&limit=1000")
        conn = Conn(port, key)
        st, data = conn.call("GET", week)
        n_week = len(json.loads(data)["data"]) if st == 200 else 0
        say(f"== calendarEvents: one school's week ({n_week} events), wrk {secs}s")
        res["week"] = run_wrk("skolnav GET /calendarEvents (a school's week)", f"http://{HOST}:{port}{BASE}{week}",
                              secs, [f"Authorization: Bearer {key}"])

        term_start = db_scalar(db, f"select min(json_extract(json, '$.startDate')) from entity where kind={KIND_ACTIVITY}").strip()
        term_end = db_scalar(db, f"select max(json_extract(json, '$.endDate')) from entity where kind={KIND_ACTIVITY}").strip()
        agg = f"/aggregatedAttendance?organisation={school}&startDate={term_start}&endDate={term_end}&limit=1000"
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            st, data = conn.call("GET", agg)
            times.append((time.perf_counter() - t0) * 1000.0)
            if st != 200:
                raise BenchError(f"GET {agg} answered {st}: {data[:200]!r}")
        res["agg"] = (statistics.median(times), pct(times, 99), len(json.loads(data)["data"]))
        say(f"== aggregatedAttendance, one school's term: median {res['agg'][0]:.1f} ms, p99 {res['agg'][1]:.1f} ms "
            f"(first page of {res['agg'][2]} rows; target < {TARGET_AGG_MS:.0f} ms)")

        rec = Receiver()
        child, group = placement["child"]["id"], placement["group"]["id"]
        ev = db_scalar(db, f"select id from entity where kind={KIND_CALENDAREVENT} limit 1").strip()

        def att(i):
            return {"calendarEvent": {"id": ev}, "student": {"id": child}, "isReported": True, "attendanceMinutes": i % 60}
        att.kind = "Attendance"

        def aev(i):
            return {"time": "2026-11-30T07:40:00Z", "eventType": "In" if i % 2 else "Ut", "person": {"id": child},
                    "group": {"id": group}}
        aev.kind = "AttendanceEvent"

        def sched(i):
            return {"placement": {"id": placement["id"]}, "numberOfWeeks": 1, "startDate": "2026-12-07",
                    "state": [{"state": "Begärt", "registeredAt": "2026-12-01T10:00:00Z"}]}
        sched.kind = "AttendanceSchedule"

        lat = []
        streams = [("attendances", att), ("attendanceEvents", aev), ("attendanceSchedule", sched)]
        per = max(1, changes // len(streams))
        say(f"== webhooks: {per * len(streams)} changes in {len(streams)} streams")
        threads = []
        errors = []
        for kp, fn in streams:
            def run(kp=kp, fn=fn):
                try:
                    hook_stream(port, key, rec, kp, fn, per, lat, made)
                except Exception as e:  # reported below
                    errors.append(e)
            t = threading.Thread(target=run)
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        res["hook"] = (pct(lat, 50), pct(lat, 99), len(lat))
        say(f"  commit -> arrival: p50 {res['hook'][0]:.0f} ms, p99 {res['hook'][1]:.0f} ms over {len(lat)} changes "
            f"(target p99 < {TARGET_HOOK_P99_MS:.0f} ms)")
    finally:
        try:
            c = Conn(port, key)
            for kp, i in made:
                c.call("DELETE", f"/{kp}/{i}")
        except (OSError, http.client.HTTPException):
            pass
        server.stop()
    with open(os.path.join(bench.BENCH, "RESULTS.md"), "a") as f:
        f.write("\n## Timetable, aggregatedAttendance and webhooks (bench/timetable.py)\n\n")
        f.write(f"Scale {scale}, seed {seed}, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.\n\n")
        f.write("| measure | result | target |\n|---|---|---|\n")
        if "week" in res:
            w = res["week"]
            f.write(f"| GET /calendarEvents, one school's week | {w.get('rps', 0):.0f} req/s, p99 "
                    f"{w.get('p99', float('nan')):.1f} ms | |\n")
        if "agg" in res:
            f.write(f"| aggregatedAttendance, one school's term | median {res['agg'][0]:.1f} ms, p99 "
                    f"{res['agg'][1]:.1f} ms | < {TARGET_AGG_MS:.0f} ms |\n")
        if "hook" in res:
            f.write(f"| webhook commit → arrival ({res['hook'][2]} changes) | p50 {res['hook'][0]:.0f} ms, p99 "
                    f"{res['hook'][1]:.0f} ms | p99 < {TARGET_HOOK_P99_MS:.0f} ms |\n")


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print("bench/timetable.py: " + str(e), file=sys.stderr)
        sys.exit(1)
