/*
 * The demo's timetable and attendance data (see demo_timetable.h).
 *
 * Everything is a function of the seed and the ids already stored: an
 * activity's lessons fall on weekdays and hours hashed from its id, each
 * student's attendance from the event's and the student's ids. The store is
 * read page by page (activities, placements, class groups), so memory stays
 * bounded at any scale.
 *
 * Times are Swedish local time written with their offset (+01:00 in
 * winter, +02:00 in summer), as a Swedish schedule system would send them.
 */
#include "demo/demo_timetable.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/ingest.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "util/timefmt.h"

#define DAY_MS 86400000LL
#define MIN_MS 60000LL
#define PAGE 400
#define FLUSH 2000
#define TICK_MS 1000

enum { T_EVENT = 1, T_ATT, T_ABS, T_AEV, T_SCHED, T_GRADE };

/* How much of the term each scale gets. */
typedef struct tt_scale {
    int event_days_back, event_days_ahead; /* -1: the whole term */
    int attendance_days;                   /* school days before today with registered attendance */
    int checkin_days;                      /* school days with check-in/out events */
    int grade_every;                       /* grades for 1 in N eligible activities */
} tt_scale;

static const tt_scale scales[] = {
    [DEMO_MITTKOPING] = { -1, -1, 3, 3, 1 },
    [DEMO_CITY] = { 7, 7, 1, 1, 4 },
    [DEMO_NATION] = { 0, 4, 0, 0, 20 },
};

typedef struct tt {
    store *st;
    FILE *log;
    uint64_t seed;
    demo_scale scale;
    const tt_scale *sc;
    int64_t now_ms, today;
    ingest_opts io;
    ingest_result *res;
    json_t *acc[K__COUNT];
    json_t *dels[K__COUNT];
    strmap rooms;       /* organisation id -> json array of room ids */
    strmap group_staff; /* group id -> person id (char *) of a teacher of the group */
    demo_tt_stats *stats;
    int64_t ticks[K__COUNT]; /* batches stamped per kind */
} tt;

/* ------------------------------------------------------------ hashing */

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t hstr(uint64_t seed, const char *s)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return mix64(h);
}

static uint64_t h3(uint64_t a, uint64_t b, uint64_t c)
{
    return mix64(a ^ mix64(b ^ mix64(c)));
}

static void make_id(uint64_t h, uint64_t salt, char out[UUID_STR_LEN])
{
    uint64_t a = mix64(h ^ salt), b = mix64(a ^ 0x5555);
    snprintf(out, UUID_STR_LEN, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffull));
}

/* ------------------------------------------------------------ time */

static int64_t day_of(const char *date) /* "YYYY-MM-DD" -> days since the epoch, -1 if bad */
{
    struct tm tm = { 0 };
    if (!date || sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) / 86400;
}

static void date_of(int64_t day, char out[11])
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 11, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static int weekday(int64_t day) /* 0 Monday .. 6 Sunday; 1970-01-01 was a Thursday */
{
    return (int)(((day % 7) + 7 + 3) % 7);
}

static int64_t last_sunday(int year, int mon)
{
    struct tm tm = { .tm_year = year - 1900, .tm_mon = mon, .tm_mday = 1 }; /* first of the next month */
    int64_t d = (int64_t)timegm(&tm) / 86400 - 1;
    while (weekday(d) != 6)
        d--;
    return d;
}

/* Sweden's offset from UTC in minutes on a given local day (DST from the
 * last Sunday of March to the last Sunday of October). */
static int offset_min(int64_t day)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = tm.tm_year + 1900;
    return day >= last_sunday(y, 3) && day < last_sunday(y, 10) ? 120 : 60;
}

/* Local day + minutes after midnight -> UTC ms and the RFC 3339 text with offset. */
static int64_t local_time(int64_t day, int minutes, char out[32])
{
    int off = offset_min(day);
    char d[11];
    date_of(day, d);
    snprintf(out, 32, "%sT%02d:%02d:00+%02d:00", d, minutes / 60, minutes % 60, off / 60);
    return day * DAY_MS + (int64_t)(minutes - off) * MIN_MS;
}

/* The school days before today, counting back n: the first of them. */
static int64_t school_days_back(int64_t today, int n)
{
    int64_t d = today;
    while (n > 0) {
        d--;
        if (weekday(d) < 5)
            n--;
    }
    return d;
}

/* ------------------------------------------------------------ JSON */

#define SET(o, k, v) json_object_set_new_nocheck((o), (k), (v))

static json_t *ref(const char *id)
{
    return json_pack("{ss}", "id", id);
}

static const char *sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *ref_id(json_t *o, const char *k)
{
    return sget(json_object_get(o, k), "id");
}

/* A group member on a day: membership dates include it. */
static int member_on(json_t *ms, const char *date)
{
    const char *s = sget(ms, "startDate"), *e = sget(ms, "endDate");
    return (!s || strcmp(s, date) <= 0) && (!e || strcmp(e, date) >= 0);
}

/* ------------------------------------------------------------ writing */

static void report(tt *t, int kind)
{
    if (!t->log)
        return;
    fprintf(t->log, "demo: a batch of %s was rejected (%zu problems):\n", model_kind(kind)->name, t->res->nproblems);
    for (size_t i = 0; i < t->res->nproblems && i < 10; i++) {
        const ingest_problem *p = &t->res->problems[i];
        fprintf(t->log, "  [%ld] %s %s: %s\n", p->index, p->id, p->field, p->message);
    }
}

static int flush_kind(tt *t, int kind, int64_t at_ms)
{
    json_t *a = t->acc[kind];
    if (!json_array_size(a))
        return 0;
    t->io.at_ms = at_ms;
    if (ingest_batch(t->st, kind, a, &t->io, t->res)) {
        report(t, kind);
        return -1;
    }
    json_array_clear(a);
    return 0;
}

/* When each kind is stamped: lessons and grades were imported when the
 * term's data was, attendance is registered through the term and read in
 * this morning, absences and check-ins are recent. Every batch one tick
 * after the one before, so the meta filters have something to tell apart. */
static int64_t stamp(tt *t, int kind)
{
    int64_t base = kind == K_CALENDAREVENT || kind == K_GRADE || kind == K_ATTENDANCESCHEDULE
                       ? t->now_ms - 59 * DAY_MS
                       : kind == K_ATTENDANCE ? t->now_ms - 6 * 3600 * 1000LL : t->now_ms - 3 * 3600 * 1000LL;
    return base + (t->ticks[kind]++) * TICK_MS;
}

static int put(tt *t, int kind, json_t *o)
{
    json_array_append_new(t->acc[kind], o);
    if (json_array_size(t->acc[kind]) < FLUSH)
        return 0;
    /* Attendance names its calendar events: they go first. */
    if (kind == K_ATTENDANCE && flush_kind(t, K_CALENDAREVENT, stamp(t, K_CALENDAREVENT)))
        return -1;
    return flush_kind(t, kind, stamp(t, kind));
}

/* Flushes in reference order: events before the attendance that names them. */
static int flush_all(tt *t)
{
    static const int order[] = { K_CALENDAREVENT, K_ATTENDANCE, K_GRADE, K_ABSENCE, K_ATTENDANCEEVENT,
                                 K_ATTENDANCESCHEDULE };
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (flush_kind(t, order[i], stamp(t, order[i])))
            return -1;
    return 0;
}

/* ------------------------------------------------------------ reading */

typedef struct objs {
    json_t **o;
    size_t n, cap;
    char last[UUID_STR_LEN];     /* the last row's id and sort value: the next page's cursor */
    unsigned char lastv[64];
    size_t lastvlen;
} objs;

static int collect(void *ctx, const store_row *row)
{
    objs *os = ctx;
    json_t *o = json_loadb(row->json, row->jsonlen, 0, NULL);
    if (!o)
        return 0;
    if (os->n == os->cap) {
        os->cap = os->cap ? os->cap * 2 : 64;
        os->o = xrealloc(os->o, os->cap * sizeof *os->o);
    }
    os->o[os->n++] = o;
    snprintf(os->last, sizeof os->last, "%s", row->id);
    os->lastvlen = row->sortv && row->sortvlen <= sizeof os->lastv ? row->sortvlen : 0;
    if (os->lastvlen)
        memcpy(os->lastv, row->sortv, os->lastvlen);
    return 0;
}

static void objs_clear(objs *os)
{
    for (size_t i = 0; i < os->n; i++)
        json_decref(os->o[i]);
    os->n = 0;
}

typedef int (*page_fn)(tt *t, objs *page);

/* Calls fn with every page of the stored entities of `kind`, in the store's order. */
static int walk(tt *t, int kind, page_fn fn)
{
    objs os = { 0 };
    int rc = 0;
    for (int first = 1;; first = 0) {
        query q;
        query_init(&q, model_kind(kind));
        if (!first) {
            q.has_cursor = 1;
            memcpy(q.cur_id, os.last, UUID_STR_LEN);
            q.cur_v = xmalloc(os.lastvlen ? os.lastvlen : 1);
            memcpy(q.cur_v, os.lastv, os.lastvlen);
            q.cur_vlen = os.lastvlen;
        }
        objs_clear(&os);
        rc = store_list(t->st, &q, PAGE, collect, &os);
        query_free(&q);
        if (rc) {
            if (t->log)
                fprintf(t->log, "demo: reading %s failed: %s\n", model_kind(kind)->name, store_errmsg(t->st));
            break;
        }
        if (!os.n)
            break;
        size_t n = os.n;
        if ((rc = fn(t, &os)))
            break;
        if (n < PAGE)
            break;
    }
    objs_clear(&os);
    free(os.o);
    return rc;
}

static int map_row(void *ctx, const store_row *row)
{
    json_t *o = json_loadb(row->json, row->jsonlen, 0, NULL);
    if (o)
        json_decref(strmap_put(ctx, row->id, o));
    return 0;
}

static void map_decref(void *v)
{
    json_decref(v);
}

/* Fetches the entities named at `key` (a reference) of each object. */
static int fetch_refs(tt *t, objs *page, int kind, const char *arr, const char *key, strmap *out)
{
    const char **ids = xcalloc(page->n ? page->n : 1, sizeof *ids);
    size_t n = 0;
    for (size_t i = 0; i < page->n; i++) {
        json_t *v = json_object_get(page->o[i], arr);
        if (json_is_array(v))
            v = json_array_get(v, 0);
        const char *id = key ? ref_id(v, key) : sget(v, "id");
        if (id)
            ids[n++] = id;
    }
    int rc = n ? store_fetch_ids(t->st, kind, ids, n, map_row, out) : 0;
    free(ids);
    return rc;
}

static int room_page(tt *t, objs *page)
{
    for (size_t i = 0; i < page->n; i++) {
        const char *owner = ref_id(page->o[i], "owner");
        if (!owner)
            continue;
        json_t *a = strmap_get(&t->rooms, owner);
        if (!a) {
            a = json_array();
            strmap_put(&t->rooms, owner, a);
        }
        json_array_append_new(a, json_string(sget(page->o[i], "id")));
    }
    return 0;
}

/* ------------------------------------------------------------ lessons */

typedef struct lesson_ctx {
    json_t *act, *group;
    const char *act_id, *teacher_duty, *teacher_person, *org;
    uint64_t h;
    int len;
} lesson_ctx;

static int attendance_for(tt *t, const lesson_ctx *c, const char *ev_id, int64_t day, int64_t end_ms,
                          json_t *excepted)
{
    char date[11];
    date_of(day, date);
    uint64_t he = hstr(t->seed, ev_id);
    int unreported = he % 100 < 3; /* the teacher has not reported this lesson yet */
    size_t i;
    json_t *ms;
    json_array_foreach(json_object_get(c->group, "groupMemberships"), i, ms) {
        const char *sid = ref_id(ms, "person");
        if (!sid || !member_on(ms, date) || (excepted && !strcmp(sid, json_string_value(excepted))))
            continue;
        uint64_t hs = h3(he, hstr(t->seed, sid), T_ATT);
        char id[UUID_STR_LEN], ts[TIME_CANON_LEN];
        make_id(hs, T_ATT, id);
        json_t *o = json_object();
        SET(o, "id", json_string(id));
        SET(o, "calendarEvent", ref(ev_id));
        SET(o, "student", ref(sid));
        if (c->teacher_person)
            SET(o, "reporter", ref(c->teacher_person));
        SET(o, "isReported", json_boolean(!unreported));
        if (!unreported) {
            int r = (int)(hs % 1000);
            int att = c->len, valid = 0, invalid = 0, other = 0;
            const char *why = NULL;
            if (r < 40)
                invalid = c->len, att = 0;
            else if (r < 90)
                valid = c->len, att = 0, why = "Sjukdom";
            else if (r < 120)
                invalid = 10, att = c->len - 10, why = "Sen ankomst";
            else if (r < 130)
                other = c->len, att = 0, why = "Elevrådsmöte";
            SET(o, "attendanceMinutes", json_integer(att));
            if (valid)
                SET(o, "validAbsenceMinutes", json_integer(valid));
            if (invalid)
                SET(o, "invalidAbsenceMinutes", json_integer(invalid));
            if (other)
                SET(o, "otherAttendanceMinutes", json_integer(other));
            if (why)
                SET(o, "absenceReason", json_string(why));
            time_format_ms(end_ms + (int64_t)(3 + hs % 50) * MIN_MS, ts);
            SET(o, "reportedTimestamp", json_string(ts));
        }
        if (put(t, K_ATTENDANCE, o))
            return -1;
        if (t->stats)
            t->stats->attendances++;
        /* A few registrations are withdrawn again: tombstones. */
        if (hs % 997 == 0)
            json_array_append_new(t->dels[K_ATTENDANCE], json_string(id));
    }
    return 0;
}

static int lessons(tt *t, const lesson_ctx *c)
{
    int64_t d0 = day_of(sget(c->act, "startDate")), d1 = day_of(sget(c->act, "endDate"));
    if (d0 < 0)
        return 0;
    if (d1 < 0)
        d1 = d0 + 140;
    if (t->sc->event_days_back >= 0 && d0 < t->today - t->sc->event_days_back)
        d0 = t->today - t->sc->event_days_back;
    if (t->sc->event_days_ahead >= 0 && d1 > t->today + t->sc->event_days_ahead)
        d1 = t->today + t->sc->event_days_ahead;
    int64_t att_from = t->sc->attendance_days ? school_days_back(t->today, t->sc->attendance_days) : t->today + 1;
    int per_week = 1 + (int)(c->h % 2);
    json_t *rooms = c->org ? strmap_get(&t->rooms, c->org) : NULL;
    for (int64_t d = d0; d <= d1; d++) {
        int wd = weekday(d);
        if (wd >= 5)
            continue;
        for (int i = 0; i < per_week; i++) {
            if ((int)(((c->h >> 4) + (uint64_t)i * 2) % 5) != wd)
                continue;
            int slot = (int)(((c->h >> 12) + (uint64_t)i * 3) % 6);
            int start = 8 * 60 + slot * 70;
            char st[32], en[32], id[UUID_STR_LEN];
            local_time(d, start, st);
            int64_t end_ms = local_time(d, start + c->len, en);
            uint64_t he = h3(c->h, (uint64_t)d, (uint64_t)i);
            make_id(he, T_EVENT, id);
            json_t *o = json_object();
            SET(o, "id", json_string(id));
            SET(o, "activity", ref(c->act_id));
            SET(o, "startTime", json_string(st));
            SET(o, "endTime", json_string(en));
            int cancelled = he % 100 < 2;
            SET(o, "cancelled", json_boolean(cancelled));
            SET(o, "teachingLengthTeacher", json_integer(c->len));
            SET(o, "teachingLengthStudent", json_integer(c->len - (c->len > 50 ? 5 : 0)));
            if (cancelled)
                SET(o, "comment", json_string("Inställd: läraren är sjuk"));
            json_t *excepted = NULL;
            json_t *m0 = json_array_get(json_object_get(c->group, "groupMemberships"), (size_t)(he >> 40) % 20);
            if (!cancelled && (he >> 8) % 100 < 3 && ref_id(m0, "person")) {
                json_t *se = json_array(), *x = json_object();
                SET(x, "student", ref(ref_id(m0, "person")));
                SET(x, "participates", json_false());
                json_array_append_new(se, x);
                SET(o, "studentExceptions", se);
                excepted = json_object_get(json_object_get(m0, "person"), "id");
            }
            if (!cancelled && c->teacher_duty && (he >> 16) % 100 < 2) {
                json_t *te = json_array(), *x = json_object();
                SET(x, "duty", ref(c->teacher_duty));
                SET(x, "participates", json_false());
                json_array_append_new(te, x);
                SET(o, "teacherExceptions", te);
            }
            if (json_array_size(rooms)) {
                json_t *rs = json_array();
                json_array_append_new(rs, ref(json_string_value(json_array_get(rooms, c->h % json_array_size(rooms)))));
                SET(o, "rooms", rs);
            }
            if (put(t, K_CALENDAREVENT, o))
                return -1;
            if (t->stats)
                t->stats->events++;
            if (end_ms > t->now_ms && (he >> 24) % 300 == 0)
                json_array_append_new(t->dels[K_CALENDAREVENT], json_string(id));
            if (!cancelled && end_ms < t->now_ms && d >= att_from &&
                attendance_for(t, c, id, d, end_ms, excepted))
                return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ grades */

static const char *grade_value(uint64_t h)
{
    int r = (int)(h % 100);
    return r < 10 ? "A" : r < 25 ? "B" : r < 55 ? "C" : r < 75 ? "D" : r < 95 ? "E" : "F";
}

/* Term grades of year 6 and 9 classes and course grades in the
 * gymnasieskola, for the term before this one. */
static int grades(tt *t, const lesson_ctx *c)
{
    const char *st = sget(c->group, "schoolType"), *name = sget(c->group, "displayName");
    const char *syl = ref_id(c->act, "syllabus");
    if (!st || !name || !syl || !c->teacher_person)
        return 0;
    int gy = !strcmp(st, "GY");
    if (!(gy || (!strcmp(st, "GR") && (name[0] == '6' || name[0] == '9'))))
        return 0;
    if ((gy ? c->h % 3 : 0) != 0 || (c->h >> 20) % (uint64_t)t->sc->grade_every)
        return 0;
    char tdate[11];
    date_of(t->today, tdate);
    int y = atoi(tdate), m = atoi(tdate + 5);
    /* The term before today's: spring if today is in the autumn term. */
    int autumn = m >= 8;
    char reg[11], term_end[11];
    snprintf(term_end, sizeof term_end, autumn ? "%04d-06-10" : "%04d-12-18", autumn ? y : y - 1);
    /* Term grades are set at the term's end; courses end through the term. */
    date_of(day_of(term_end) - (gy ? 7 * (int64_t)((c->h >> 28) % 8) : 0), reg);
    size_t i;
    json_t *ms;
    json_array_foreach(json_object_get(c->group, "groupMemberships"), i, ms) {
        const char *sid = ref_id(ms, "person");
        if (!sid || !member_on(ms, tdate))
            continue;
        uint64_t hg = h3(c->h, hstr(t->seed, sid), T_GRADE);
        char id[UUID_STR_LEN];
        make_id(hg, T_GRADE, id);
        json_t *o = json_object();
        SET(o, "id", json_string(id));
        SET(o, "student", ref(sid));
        if (c->org)
            SET(o, "organisation", ref(c->org));
        SET(o, "registeredBy", ref(c->teacher_person));
        SET(o, "gradingTeacher", ref(c->teacher_person));
        SET(o, "group", ref(sget(c->group, "id")));
        SET(o, "registeredDate", json_string(reg));
        SET(o, "gradeValue", json_string(grade_value(hg)));
        SET(o, "finalGrade", json_boolean(gy));
        SET(o, "trial", json_false());
        SET(o, "adaptedStudyPlan", json_string(""));
        if (hg % 100 == 0)
            SET(o, "correctionType", json_string("Rättelse"));
        SET(o, "semester", json_string(autumn ? "VT" : "HT"));
        SET(o, "year", json_integer(autumn ? y : y - 1));
        SET(o, "syllabus", ref(syl));
        if (put(t, K_GRADE, o))
            return -1;
        if (t->stats)
            t->stats->grades++;
    }
    return 0;
}

static int activity_page(tt *t, objs *page)
{
    strmap groups, duties;
    strmap_init(&groups);
    strmap_init(&duties);
    int rc = fetch_refs(t, page, K_GROUP, "groups", NULL, &groups) ||
             fetch_refs(t, page, K_DUTY, "teachers", "duty", &duties);
    for (size_t i = 0; !rc && i < page->n; i++) {
        json_t *a = page->o[i];
        const char *type = sget(a, "activityType");
        if (!type || strcmp(type, "Undervisning") || json_is_false(json_object_get(a, "calendarEventsRequired")))
            continue;
        lesson_ctx c = { .act = a, .act_id = sget(a, "id"), .org = ref_id(a, "organisation") };
        const char *gid = sget(json_array_get(json_object_get(a, "groups"), 0), "id");
        c.group = gid ? strmap_get(&groups, gid) : NULL;
        if (!c.group || !c.act_id)
            continue;
        c.teacher_duty = ref_id(json_array_get(json_object_get(a, "teachers"), 0), "duty");
        json_t *duty = c.teacher_duty ? strmap_get(&duties, c.teacher_duty) : NULL;
        if (!duty)
            c.teacher_duty = NULL;
        c.teacher_person = duty ? ref_id(duty, "person") : NULL;
        if (c.teacher_person && !strmap_get(&t->group_staff, gid))
            strmap_put(&t->group_staff, gid, xstrdup(c.teacher_person));
        c.h = hstr(t->seed, c.act_id);
        const char *st = sget(c.group, "schoolType");
        c.len = st && !strcmp(st, "GY") ? 80 : 60;
        rc = lessons(t, &c) || grades(t, &c);
    }
    if (!rc)
        rc = flush_kind(t, K_CALENDAREVENT, stamp(t, K_CALENDAREVENT));
    strmap_free(&groups, map_decref);
    strmap_free(&duties, map_decref);
    return rc;
}

/* ------------------------------------------------------------ absences */

static int absence(tt *t, const char *sid, const char *org, const char *type, const char *by, int64_t day,
                   int days, uint64_t h)
{
    char id[UUID_STR_LEN], st[32], en[32];
    make_id(h, T_ABS, id);
    local_time(day, 8 * 60, st);
    local_time(day + days - 1, 16 * 60, en);
    json_t *o = json_object();
    SET(o, "id", json_string(id));
    SET(o, "startTime", json_string(st));
    SET(o, "endTime", json_string(en));
    SET(o, "type", json_string(type));
    SET(o, "student", ref(sid));
    if (org)
        SET(o, "organisation", ref(org));
    if (by)
        SET(o, "registeredBy", ref(by));
    if (t->stats)
        t->stats->absences++;
    return put(t, K_ABSENCE, o);
}

/* Absences of class members: reported sick days in the last two weeks,
 * days reported in advance, and granted leave. */
static int group_page(tt *t, objs *page)
{
    char today[11];
    date_of(t->today, today);
    for (size_t i = 0; i < page->n; i++) {
        json_t *g = page->o[i];
        const char *gt = sget(g, "groupType"), *gid = sget(g, "id");
        if (!gt || strcmp(gt, "Klass") || !gid)
            continue;
        const char *org = ref_id(g, "organisation");
        const char *staff = strmap_get(&t->group_staff, gid);
        size_t j;
        json_t *ms;
        json_array_foreach(json_object_get(g, "groupMemberships"), j, ms) {
            const char *sid = ref_id(ms, "person");
            if (!sid || !member_on(ms, today))
                continue;
            uint64_t h = h3(hstr(t->seed, sid), hstr(t->seed, gid), T_ABS);
            int r = (int)(h % 1000), rc = 0;
            if (r < 40)
                rc = absence(t, sid, org, "Anmäld frånvaro", NULL, school_days_back(t->today, 1 + (int)((h >> 20) % 10)), 1, h);
            else if (r < 50) { /* reported in advance: a day later this week or next */
                int64_t d = t->today + 1 + (int64_t)((h >> 20) % 8);
                while (weekday(d) >= 5)
                    d++;
                rc = absence(t, sid, org, "Anmäld frånvaro", NULL, d, 1, h);
            } else if (r < 58 && staff) {
                int64_t d = t->today - 10 + (int64_t)((h >> 20) % 25);
                while (weekday(d) >= 5)
                    d++;
                rc = absence(t, sid, org, "Beviljad ledighet", staff, d, 1 + (int)((h >> 30) % 3), h);
            }
            if (rc)
                return -1;
        }
        /* A batch per class: each class's absences are read in at their own time. */
        if (flush_kind(t, K_ABSENCE, stamp(t, K_ABSENCE)))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ placements */

static void hm(int minutes, char out[6])
{
    snprintf(out, 6, "%02d:%02d", minutes / 60, minutes % 60);
}

static int schedule(tt *t, json_t *p, const char *pid, uint64_t h, int temporary)
{
    char id[UUID_STR_LEN], reg[32], s[6], e[6], d[11];
    make_id(h ^ (uint64_t)temporary, T_SCHED, id);
    json_t *o = json_object();
    SET(o, "id", json_string(id));
    SET(o, "placement", ref(pid));
    int weeks = temporary ? 1 : 1 + (h % 10 == 0);
    SET(o, "numberOfWeeks", json_integer(weeks));
    if (temporary) {
        int64_t d0 = t->today + 7 - weekday(t->today);
        date_of(d0, d);
        SET(o, "startDate", json_string(d));
        date_of(d0 + 4, d);
        SET(o, "endDate", json_string(d));
        SET(o, "temporary", json_true());
    } else {
        SET(o, "startDate", json_string(sget(p, "startDate")));
        if (sget(p, "endDate"))
            SET(o, "endDate", json_string(sget(p, "endDate")));
    }
    json_t *states = json_array(), *s0 = json_object();
    int64_t regday = temporary ? t->today - 2 : day_of(sget(p, "startDate")) - 14;
    local_time(regday, 10 * 60, reg);
    SET(s0, "state", json_string(temporary ? "Begärt" : "Godkänt"));
    SET(s0, "registeredAt", json_string(reg));
    if (temporary)
        SET(s0, "comment", json_string("Ledig vecka hos farföräldrar, kortare dagar"));
    json_array_append_new(states, s0);
    SET(o, "state", states);
    static const char *const days[] = { "Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag" };
    json_t *entries = json_array();
    for (int w = 0; w < weeks; w++)
        for (int dd = 0; dd < 5; dd++) {
            if (w == 1 && dd == 4)
                continue; /* every other Friday at home */
            int start = temporary ? 9 * 60 : 7 * 60 + (int)((h >> (dd * 4)) % 4) * 15;
            int end = temporary ? 14 * 60 : 16 * 60 + (int)((h >> (dd * 4 + 2)) % 4) * 15;
            hm(start, s);
            hm(end, e);
            json_t *x = json_object();
            SET(x, "weekOffset", json_integer(w));
            SET(x, "dayOfWeek", json_string(days[dd]));
            SET(x, "startTime", json_string(s));
            SET(x, "endTime", json_string(e));
            json_array_append_new(entries, x);
        }
    SET(o, "scheduleEntries", entries);
    if (t->stats)
        t->stats->schedules++;
    return put(t, K_ATTENDANCESCHEDULE, o);
}

static int checkins(tt *t, json_t *p, uint64_t h)
{
    const char *child = ref_id(p, "child"), *group = ref_id(p, "group"), *st = sget(p, "schoolType");
    if (!child || !group || !st)
        return 0;
    int fs = !strcmp(st, "FS");
    const char *start = sget(p, "startDate");
    for (int n = t->sc->checkin_days; n >= 1; n--) {
        int64_t d = school_days_back(t->today, n);
        char date[11];
        date_of(d, date);
        if (start && strcmp(start, date) > 0)
            continue;
        uint64_t hd = h3(h, (uint64_t)d, T_AEV);
        if (hd % 100 < 8)
            continue; /* home that day */
        int morning = fs || hd % 2; /* after-school children come in the morning now and then */
        int in = fs ? 7 * 60 + (int)((hd >> 8) % 90) : 6 * 60 + 45 + (int)((hd >> 8) % 60);
        int out = fs ? 15 * 60 + (int)((hd >> 16) % 120) : 14 * 60 + (int)((hd >> 16) % 180);
        for (int k = morning ? 0 : 1; k < 2; k++) {
            char id[UUID_STR_LEN], tm[32];
            make_id(hd ^ (uint64_t)k, T_AEV, id);
            int64_t ms = local_time(d, k ? out : in, tm);
            if (ms > t->now_ms)
                continue;
            json_t *o = json_object();
            SET(o, "id", json_string(id));
            SET(o, "time", json_string(tm));
            SET(o, "eventType", json_string(k ? "Ut" : "In"));
            SET(o, "person", ref(child));
            SET(o, "group", ref(group));
            if (put(t, K_ATTENDANCEEVENT, o))
                return -1;
            if (t->stats)
                t->stats->attendance_events++;
        }
    }
    return 0;
}

static int placement_page(tt *t, objs *page)
{
    for (size_t i = 0; i < page->n; i++) {
        json_t *p = page->o[i];
        const char *pid = sget(p, "id");
        if (!pid || !sget(p, "startDate"))
            continue;
        uint64_t h = hstr(t->seed, pid);
        if (schedule(t, p, pid, h, 0) || (h % 100 < 5 && schedule(t, p, pid, h, 1)) || checkins(t, p, h))
            return -1;
    }
    return flush_kind(t, K_ATTENDANCESCHEDULE, stamp(t, K_ATTENDANCESCHEDULE)) ||
                   flush_kind(t, K_ATTENDANCEEVENT, stamp(t, K_ATTENDANCEEVENT))
               ? -1
               : 0;
}

/* ------------------------------------------------------------ driver */

static int deletions(tt *t, int kind)
{
    size_t n = json_array_size(t->dels[kind]);
    if (!n)
        return 0;
    const char **ids = xcalloc(n, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = json_string_value(json_array_get(t->dels[kind], i));
    t->io.at_ms = t->now_ms - 3600 * 1000LL;
    int rc = ingest_delete(t->st, kind, ids, n, &t->io, t->res);
    free(ids);
    if (rc) {
        report(t, kind);
        return -1;
    }
    if (t->stats)
        t->stats->deleted += t->res->deleted;
    return 0;
}

static void free_str(void *p)
{
    free(p);
}

int demo_timetable(store *st, demo_scale scale, uint64_t seed, int64_t now_ms, FILE *log, demo_tt_stats *stats)
{
    tt t = { .st = st, .log = log, .seed = seed, .scale = scale, .sc = &scales[scale], .now_ms = now_ms,
             .today = now_ms / DAY_MS, .stats = stats };
    t.io.skip_ref_check = scale != DEMO_MITTKOPING;
    t.res = xcalloc(1, sizeof *t.res);
    for (int k = 0; k < K__COUNT; k++) {
        t.acc[k] = json_array();
        t.dels[k] = json_array();
    }
    strmap_init(&t.rooms);
    strmap_init(&t.group_staff);
    if (stats)
        memset(stats, 0, sizeof *stats);
    int rc = walk(&t, K_ROOM, room_page) || walk(&t, K_ACTIVITY, activity_page) || flush_all(&t) ||
             walk(&t, K_GROUP, group_page) || walk(&t, K_PLACEMENT, placement_page) || flush_all(&t) ||
             deletions(&t, K_ATTENDANCE) || deletions(&t, K_CALENDAREVENT);
    if (log && !rc && stats) {
        fprintf(log, "demo: timetable: %zu calendar events, %zu attendances, %zu absences, %zu attendance events, "
                     "%zu attendance schedules, %zu grades, %zu deleted\n",
                stats->events, stats->attendances, stats->absences, stats->attendance_events, stats->schedules,
                stats->grades, stats->deleted);
        fflush(log);
    }
    for (int k = 0; k < K__COUNT; k++) {
        json_decref(t.acc[k]);
        json_decref(t.dels[k]);
    }
    strmap_free(&t.rooms, map_decref);
    strmap_free(&t.group_staff, free_str);
    free(t.res);
    return rc ? -1 : 0;
}
