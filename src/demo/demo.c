/*
 * The demo generator (see demo.h).
 *
 * Everything is a pure function of the seed and a position: a municipality
 * number, a unit (school) number and an index inside the unit. Ids are
 * hashes of those positions, so any record can name any other without a
 * lookup table, and the generator only ever holds one unit in memory. Two
 * things need order: e-mail style login names (anna.lindqvist, then
 * anna.lindqvist2, ...) and civic numbers must be unique within a
 * municipality. They come from small per-municipality maps that every pass
 * rebuilds in the same order, so the same person gets the same values in
 * every pass.
 *
 * History: pass 0 writes the base state stamped now-60 days; passes 1 and 2
 * (now-20 days, now-1 day) recompute each unit "as of" that pass and write
 * only what changed there, then delete what disappeared, newest
 * dependants first, so no stored reference ever dangles.
 */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include "demo/demo.h"

#include <jansson.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <time.h>

#include "demo/demo_timetable.h"
#include "demo/names.h"
#include "ingest/ingest.h"
#include "model/model.h"

#define BATCH_MAX 20000 /* hard cap on records per ingest batch */
#define FLUSH_AT 15000  /* at unit boundaries, flush when a kind has this many */
#define NPASS 3
#define DAY_MS 86400000LL

/* ------------------------------------------------------------------ PRNG */

static inline uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t hash4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    return mix64(mix64(mix64(seed ^ mix64(a)) ^ b) ^ (c * 0xd6e8feb86659fd93ull));
}

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint32_t below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

static inline int range(rng *r, int lo, int hi) /* inclusive */
{
    return lo + (int)below(r, (uint32_t)(hi - lo + 1));
}

static inline double unit01(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline int chance(rng *r, double p)
{
    return unit01(r) < p;
}

/* A hash-derived probability test that does not consume any stream. */
static inline int hchance(uint64_t h, double p)
{
    return (double)(h >> 11) * (1.0 / 9007199254740992.0) < p;
}

/* --------------------------------------------------------- small u64 map */

typedef struct u64map {
    uint64_t *k;
    uint32_t *v;
    size_t cap, n;
} u64map;

static void map_free(u64map *m)
{
    free(m->k);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static uint32_t *map_slot(u64map *m, uint64_t key)
{
    if (!key)
        key = 1;
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 1024;
        uint64_t *nk = calloc(ncap, sizeof *nk);
        uint32_t *nv = calloc(ncap, sizeof *nv);
        if (!nk || !nv)
            abort();
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->k[i])
                continue;
            size_t j = mix64(m->k[i]) & (ncap - 1);
            while (nk[j])
                j = (j + 1) & (ncap - 1);
            nk[j] = m->k[i];
            nv[j] = m->v[i];
        }
        free(m->k);
        free(m->v);
        m->k = nk;
        m->v = nv;
        m->cap = ncap;
    }
    size_t i = mix64(key) & (m->cap - 1);
    while (m->k[i] && m->k[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->k[i]) {
        m->k[i] = key;
        m->v[i] = 0;
        m->n++;
    }
    return &m->v[i];
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return mix64(h);
}

/* ------------------------------------------------------------------ dates */

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void fmt_date(int64_t days, char out[11])
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = 0;
}

static int year_of(int64_t days)
{
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    return y;
}

/* --------------------------------------------------------------- text */

/* Latin-1 supplement letters folded to ASCII (U+00C0..U+00FF). */
static const char fold_tab[] = "aaaaaaaceeeeiiiidnooooo_ouuuuytsaaaaaaaceeeeiiiidnooooo_ouuuuyty";

/* Lower-case ASCII for login names and URLs: letters and digits kept,
 * '-' kept when keep_dash, everything else dropped. */
static size_t fold_ascii(const char *in, char *out, size_t cap, int keep_dash)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p && n + 1 < cap) {
        int c = -1;
        if (*p < 0x80) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
                c = *p;
            else if (*p >= 'A' && *p <= 'Z')
                c = *p + 32;
            else if (*p == '-' && keep_dash)
                c = '-';
            p++;
        } else if (*p == 0xc3 && p[1]) {
            c = fold_tab[p[1] & 0x3f];
            if (c == '_')
                c = -1;
            p += 2;
        } else {
            p++;
            while ((*p & 0xc0) == 0x80)
                p++;
        }
        if (c >= 0)
            out[n++] = (char)c;
    }
    out[n] = 0;
    return n;
}

/* --------------------------------------------------------------- ids */

enum {
    T_ORG = 1, T_PUPIL, T_GUARD, T_STAFF, T_DUTY, T_GROUP, T_PLACE, T_ACT, T_PLAN,
    T_SUO, T_ROOM, T_RES, T_SYL, T_PROG, T_CHG, T_FAM, T_UNIT, T_MUNI,
};

typedef char uuid_s[37];

static void make_uuid(uint64_t seed, uint64_t tag, uint64_t a, uint64_t b, char *out)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t h1 = hash4(seed, tag, a, b), h2 = mix64(h1 ^ 0x5851f42d4c957f2dull);
    unsigned char by[16];
    for (int i = 0; i < 8; i++) {
        by[i] = (unsigned char)(h1 >> (56 - 8 * i));
        by[8 + i] = (unsigned char)(h2 >> (56 - 8 * i));
    }
    by[6] = (unsigned char)((by[6] & 0x0f) | 0x40);
    by[8] = (unsigned char)((by[8] & 0x3f) | 0x80);
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[by[i] >> 4];
        *o++ = hex[by[i] & 15];
    }
    *o = 0;
}

/* ---------------------------------------------------------- JSON helpers */

#define SET(o, k, v) json_object_set_new_nocheck((o), (k), (v))

static inline json_t *js(const char *s)
{
    return json_string_nocheck(s);
}

static json_t *jdate(int64_t days)
{
    char d[11];
    fmt_date(days, d);
    return json_stringn_nocheck(d, 10);
}

static json_t *jref(const char *id)
{
    json_t *o = json_object();
    SET(o, "id", js(id));
    return o;
}

static const char *const marking_name[] = { "Ingen", "Sekretessmarkering", "Skyddad folkbokföring" };

static json_t *jpref(const char *id, int marking)
{
    json_t *o = jref(id);
    if (marking)
        SET(o, "securityMarking", js(marking_name[marking]));
    return o;
}

/* ------------------------------------------------------------ model */

enum { U_CENTRAL, U_FS, U_F6, U_79, U_GRS, U_GY, U_OLD };
enum { G_CLASS, G_AVD, G_FTH, G_LANG, G_SCHEMA, G_EMPTY };
enum { ST_FS, ST_FKLASS, ST_FTH, ST_GR, ST_GRS, ST_GY };
static const char *const st_name[] = { "FS", "FKLASS", "FTH", "GR", "GRS", "GY" };

typedef struct unit {
    int kind, idx, ordinal; /* ordinal: index among units of the same kind */
    char name[96];
    char code[12];
    int size;
    int prog[2], nprog;
    int parent;             /* org slot of the parent */
    int64_t start, end;     /* end 0 = open */
} unit;

typedef struct ident {
    uint8_t sex;      /* 0 Kvinna, 1 Man, 2 Okänt */
    uint8_t marking;
    int16_t given, middle, family, family2; /* -1 = none */
    int32_t birth;
    char civic[13];   /* "" = none */
    uint16_t eppn_n;  /* 0 = no login name */
    uint32_t ext;     /* 0 = no external identifier */
} ident;

typedef struct family {
    int nguard;
    ident g[2];
    int street, number, postal;
    uint8_t marking, shared_email, god_man;
    int8_t born, gone; /* passes; gone 0 = never */
} family;

typedef struct pupil {
    ident id;
    int fam;          /* index into families */
    int year;         /* school year; FS: -age */
    int st;           /* ST_* of the enrolment / placement */
    int cls0, cls1;   /* group index; cls1 after a switch in pass sw */
    int8_t sw, born, gone;
    int lang;         /* G_LANG group index or -1 */
    int fth;          /* G_FTH group index or -1 */
    int schema;       /* G_SCHEMA group or -1 */
    int prog, ori;    /* GY programme index, orientation index */
    int prev_unit;    /* 7-9: org slot of the previous F-6 unit, -1 none */
    int64_t start;    /* enrolment / placement start */
    int no_resp;      /* adult: no responsibles */
    int has_phone;
} pupil;

typedef struct grp {
    int type, year, st, lang;
    char name[32];
    int64_t start, end;
    int8_t deleted;  /* pass it is deleted in, 0 = never */
    int fallback;    /* G_LANG: where its members go when it is deleted */
    int dirty;
    json_t *members;
} grp;

typedef struct duty {
    int staff;        /* index into staff */
    int role;         /* index into duty_roles */
    int group;        /* assignment group or -1 */
    int arole;        /* index into assignment roles */
    int pct;
    int64_t start;
    int8_t leaves;    /* pass in which an endDate appears */
    char sig[8];
} duty;

typedef struct staffp {
    ident id;
    int street, number, postal;
} staffp;

static const char *const duty_roles[] = {
    "Rektor", "Lärare", "Förskollärare", "Barnskötare", "Fritidspedagog", "Skoladministratör",
    "Studie- och yrkesvägledare", "Kurator", "Skolsköterska", "Bibliotekarie", "Lärarassistent",
    "Speciallärare/specialpedagog", "Förstelärare", "Övrig arbetsledning", "Annan personal",
};
enum { DR_REKTOR, DR_LARARE, DR_FSL, DR_BSK, DR_FRITIDS, DR_ADMIN, DR_SYV, DR_KURATOR, DR_SSK,
       DR_BIBL, DR_ASSIST, DR_SPEC, DR_FORSTE, DR_OVRLED, DR_ANNAN };
static const char *const arole_names[] = { "Mentor", "Förskollärare", "Barnskötare", "Fritidspedagog" };

typedef struct act {
    int group, subj, teacher; /* subj: syllabus index (global numbering), -1 none; teacher: duty, -1 none */
    int type;                 /* 0 Undervisning, 1 Elevaktivitet, 2 Övrigt */
    int8_t deleted;
    char name[96];
    int minutes;
} act;

/* Global syllabus numbering: GR subjects, GRS subjects, GY courses, one unofficial. */
#define SYL_GR(i) (i)
#define SYL_GRS(i) ((int)demo_n_gr_subjects + (i))
#define SYL_GY(i) ((int)(demo_n_gr_subjects + demo_n_grs_subjects) + (i))
#define SYL_MENTOR ((int)(demo_n_gr_subjects + demo_n_grs_subjects + demo_n_gy_courses))
#define SYL_COUNT (SYL_MENTOR + 1)
/* Programme numbering: programme p is 3p, its orientations 3p+1, 3p+2. */

typedef struct gen {
    store *st;
    FILE *log;
    uint64_t seed;
    demo_scale scale;
    int pass;
    int64_t pass_ms[NPASS], pass_day[NPASS], today;
    int acad;                     /* calendar year of the autumn term */
    int64_t year_start, year_end, term_start, term_end;
    json_t *acc[K__COUNT];
    char **del[K__COUNT];
    size_t ndel[K__COUNT], cdel[K__COUNT];
    size_t written[NPASS][K__COUNT], deleted[NPASS][K__COUNT], unchanged[NPASS][K__COUNT];
    ingest_opts io;
    /* municipality */
    int muni, nmuni;
    double mult;
    char mname[64], mgen[72], slug[48], mcode[16];
    int county, mcode_int;
    u64map eppn, civic;
    uint32_t ext_serial;
    unit *units, *cur;
    int no_siblings;   /* set while adding pupils who move in */
    size_t nunits;
    /* current unit */
    family *fam;
    size_t nfam, cfam;
    pupil *pup;
    size_t npup, cpup;
    staffp *stf;
    size_t nstf, cstf;
    duty *dut;
    size_t ndut, cdut;
    grp *grps;
    size_t ngrp, cgrp;
    act *acts;
    size_t nact, cact;
    size_t final_persons;
    time_t last_progress;
    size_t units_done, units_total;
} gen;

#define GROW(g, arr, n, c)                                             \
    do {                                                               \
        if ((g)->n == (g)->c) {                                        \
            (g)->c = (g)->c ? (g)->c * 2 : 64;                         \
            void *np_ = realloc((g)->arr, (g)->c * sizeof *(g)->arr);  \
            if (!np_)                                                  \
                abort();                                               \
            (g)->arr = np_;                                            \
        }                                                              \
    } while (0)

static void uid(gen *g, int tag, int slot, uint32_t idx, char *out)
{
    make_uuid(g->seed, (uint64_t)tag, ((uint64_t)g->muni << 16) | (uint64_t)slot, idx, out);
}

static void gid(gen *g, int tag, uint32_t idx, char *out) /* municipality independent */
{
    make_uuid(g->seed, (uint64_t)tag, 0xffffffffull, idx, out);
}

/* Org slots: 0 huvudman, 1 förvaltning, 2-4 verksamhetsområden, 10+i units. */
#define ORG_UNIT(i) (10 + (i))

static void org_id(gen *g, int slot, char *out)
{
    uid(g, T_ORG, 0, (uint32_t)slot, out);
}

/* --------------------------------------------------------- batching */

static const int upsert_order[] = {
    K_ORGANISATION, K_SYLLABUS, K_PROGRAMME, K_PERSON, K_GROUP, K_DUTY, K_PLACEMENT,
    K_ACTIVITY, K_STUDYPLAN, K_SCHOOLUNITOFFERING, K_ROOM, K_RESOURCE,
};
#define NORDER (sizeof upsert_order / sizeof upsert_order[0])

static void report(gen *g, const char *what, int kind, const ingest_result *res)
{
    if (!g->log)
        return;
    fprintf(g->log, "demo: %s of %s rejected (%zu problem%s):\n", what, model_kind(kind)->name,
            res->nproblems, res->nproblems == 1 ? "" : "s");
    size_t n = res->nproblems < 10 ? res->nproblems : 10;
    for (size_t i = 0; i < n; i++) {
        const ingest_problem *p = &res->problems[i];
        fprintf(g->log, "  [%ld] %s %s: %s\n", p->index, p->id[0] ? p->id : "-", p->field[0] ? p->field : "-",
                p->message);
    }
}

static ingest_result g_res; /* large; one at a time */

/* Each batch is stamped a second after the one before, as a real import
 * that takes a while would be: meta.created and meta.modified then spread
 * over a pass instead of sharing one instant, so the meta filters have
 * something to tell apart. */
#define BATCH_TICK_MS 1000

static int flush_upserts(gen *g)
{
    for (size_t i = 0; i < NORDER; i++) {
        int k = upsert_order[i];
        json_t *a = g->acc[k];
        if (!json_array_size(a))
            continue;
        if (ingest_batch(g->st, k, a, &g->io, &g_res)) {
            report(g, "a batch", k, &g_res);
            return -1;
        }
        g->written[g->pass][k] += g_res.created + g_res.updated;
        g->unchanged[g->pass][k] += g_res.unchanged;
        json_array_clear(a);
        g->io.at_ms += BATCH_TICK_MS;
    }
    return 0;
}

static int flush_all(gen *g)
{
    if (flush_upserts(g))
        return -1;
    for (size_t i = NORDER; i-- > 0;) {
        int k = upsert_order[i];
        for (size_t off = 0; off < g->ndel[k]; off += BATCH_MAX) {
            size_t n = g->ndel[k] - off < BATCH_MAX ? g->ndel[k] - off : BATCH_MAX;
            if (ingest_delete(g->st, k, (const char *const *)g->del[k] + off, n, &g->io, &g_res)) {
                report(g, "a deletion", k, &g_res);
                return -1;
            }
            g->deleted[g->pass][k] += g_res.deleted;
            g->io.at_ms += BATCH_TICK_MS;
        }
        for (size_t j = 0; j < g->ndel[k]; j++)
            free(g->del[k][j]);
        g->ndel[k] = 0;
    }
    return 0;
}

static int put(gen *g, int kind, json_t *rec)
{
    json_array_append_new(g->acc[kind], rec);
    /* Only upserts mid-unit: deletions wait for the unit's updates. */
    if (json_array_size(g->acc[kind]) >= BATCH_MAX)
        return flush_upserts(g);
    return 0;
}

static void del(gen *g, int kind, const char *id)
{
    if (g->ndel[kind] == g->cdel[kind]) {
        g->cdel[kind] = g->cdel[kind] ? g->cdel[kind] * 2 : 64;
        g->del[kind] = realloc(g->del[kind], g->cdel[kind] * sizeof *g->del[kind]);
        if (!g->del[kind])
            abort();
    }
    size_t n = strlen(id) + 1;
    char *c = malloc(n);
    if (!c)
        abort();
    memcpy(c, id, n);
    g->del[kind][g->ndel[kind]++] = c;
}

static int unit_boundary(gen *g)
{
    for (int k = 0; k < K__COUNT; k++)
        if ((g->acc[k] && json_array_size(g->acc[k]) >= FLUSH_AT) || g->ndel[k] >= FLUSH_AT)
            return flush_all(g);
    return 0;
}

/* ------------------------------------------------------------ persons */

/*
 * Civic numbers. All generated numbers use birth numbers 980-999 (the
 * three digits after the date; 900-979 when a day is full at large
 * scales), a range chosen for this fiction, and carry
 * a correct Luhn check digit. The data set is invented; no number is meant
 * to, or is looked up to, match a real person.
 */
static int luhn_digit(const char *ten) /* YYMMDDNNN: 9 digits */
{
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        int d = ten[i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10;
}

static void make_civic(gen *g, ident *id)
{
    for (int shift = 0; shift < 30; shift++) {
        char date[11];
        fmt_date(id->birth, date);
        for (int k = 0; k < 100; k++) {
            int serial = k < 20 ? 980 + k : 900 + (k - 20); /* 980-999, then 900-979 */
            if ((serial % 2 == 1) != (id->sex == 1))
                continue;
            char c[13];
            memcpy(c, date, 4);
            memcpy(c + 4, date + 5, 2);
            memcpy(c + 6, date + 8, 2);
            c[8] = (char)('0' + serial / 100);
            c[9] = (char)('0' + serial / 10 % 10);
            c[10] = (char)('0' + serial % 10);
            c[12] = 0;
            uint64_t k11 = 0;
            for (int i = 0; i < 11; i++)
                k11 = k11 * 10 + (uint64_t)(c[i] - '0');
            uint32_t *slot = map_slot(&g->civic, k11);
            if (*slot)
                continue;
            *slot = 1;
            c[11] = (char)('0' + luhn_digit(c + 2));
            memcpy(id->civic, c, 13);
            return;
        }
        id->birth++; /* that day is full: the next one */
    }
    id->civic[0] = 0;
}

static const char *given_of(const ident *id)
{
    if (id->sex == 1)
        return demo_given_male[id->given];
    return demo_given_female[id->given];
}

static const char *middle_of(const ident *id)
{
    if (id->middle < 0)
        return NULL;
    return id->sex == 1 ? demo_given_male[id->middle] : demo_given_female[id->middle];
}

static void login_base(const ident *id, char *out, size_t cap)
{
    char gn[48], fn[48];
    fold_ascii(given_of(id), gn, sizeof gn, 1);
    fold_ascii(demo_family[id->family], fn, sizeof fn, 1);
    snprintf(out, cap, "%s.%s", gn, fn);
}

static void make_eppn(gen *g, ident *id)
{
    char base[100];
    login_base(id, base, sizeof base);
    uint32_t *n = map_slot(&g->eppn, str_hash(base));
    id->eppn_n = (uint16_t)(++*n);
}

static void eppn_local(const ident *id, char *out, size_t cap)
{
    char base[100];
    login_base(id, base, sizeof base);
    if (id->eppn_n > 1)
        snprintf(out, cap, "%s%u", base, id->eppn_n);
    else
        snprintf(out, cap, "%s", base);
}

static int pick_family(rng *r)
{
    return (int)below(r, chance(r, 0.75) ? 64u : (uint32_t)demo_n_family);
}

/* A new identity. sex < 0: random (with a few "Okänt"). */
static void new_ident(gen *g, rng *r, ident *id, int sex, int64_t birth, int family, int login, int civic)
{
    memset(id, 0, sizeof *id);
    id->sex = (uint8_t)(sex >= 0 ? sex : (chance(r, 0.002) ? 2 : (int)below(r, 2)));
    int gsex = id->sex == 2 ? (int)below(r, 2) : id->sex;
    size_t ng = gsex == 1 ? demo_n_given_male : demo_n_given_female;
    /* Mostly the common names at the head of each table, sometimes any. */
    id->given = (int16_t)below(r, chance(r, 0.8) ? 50u : (uint32_t)ng);
    id->middle = chance(r, 0.15) ? (int16_t)below(r, (uint32_t)ng) : -1;
    if (id->middle == id->given)
        id->middle = -1;
    if (id->sex == 2) { /* names of "Okänt" come from either list: keep indexes in range */
        id->sex = (uint8_t)gsex;
        id->family = (int16_t)(family >= 0 ? family : pick_family(r));
        id->family2 = -1;
        id->birth = (int32_t)birth;
        if (civic)
            make_civic(g, id);
        id->sex = 2;
    } else {
        id->family = (int16_t)(family >= 0 ? family : pick_family(r));
        id->family2 = -1;
        id->birth = (int32_t)birth;
        if (civic)
            make_civic(g, id);
    }
    if (login)
        make_eppn(g, id);
    if (login)
        id->ext = ++g->ext_serial;
}

static const char *given_of2(const ident *id) /* for sex 2 the name list is by parity of given */
{
    if (id->sex == 2)
        return (id->given % 2) ? demo_given_male[id->given] : demo_given_female[id->given];
    return given_of(id);
}

/* Fictional phone numbers: PTS keeps 070-1740605..99 and 0980-319200..99 for fiction. */
static void mobile_no(uint64_t h, char *out, size_t cap)
{
    int n = 5 + (int)(h % 95);
    snprintf(out, cap, "070-174 06 %02d", n);
}

static void work_no(uint64_t h, char *out, size_t cap)
{
    int n = (int)(h % 100);
    snprintf(out, cap, "0980-319 2%02d", n);
}

static json_t *address_json(gen *g, int street, int number, int postal, const char *type)
{
    json_t *a = json_object();
    char buf[96];
    SET(a, "type", js(type));
    snprintf(buf, sizeof buf, "%s %d", demo_streets[street], number);
    SET(a, "streetAddress", js(buf));
    SET(a, "locality", js(g->mname));
    snprintf(buf, sizeof buf, "99%d %02d", (g->muni % 10), postal % 100);
    SET(a, "postalCode", js(buf));
    SET(a, "countyCode", json_integer(g->county));
    SET(a, "municipalityCode", json_integer(g->mcode_int));
    SET(a, "country", js("Sverige"));
    return a;
}

typedef struct person_extra {
    const char *email_type; /* with the login name */
    const char *email_domain;
    int nphone;             /* 0, 1 */
    const char *phone_type;
    int work_phone;
    const char *private_email; /* or NULL */
    int addr_street, addr_number, addr_postal; /* street < 0: none */
    const char *status;
    int version;            /* bumps phone/e-mail */
} person_extra;

static json_t *person_json(gen *g, const char *id, const ident *p, const person_extra *x, uint64_t key)
{
    json_t *o = json_object();
    SET(o, "id", js(id));
    SET(o, "givenName", js(given_of2(p)));
    const char *mid = middle_of(p);
    if (mid && p->sex != 2)
        SET(o, "middleName", js(mid));
    SET(o, "familyName", js(demo_family[p->family]));
    char local[112], buf[320];
    if (p->eppn_n) {
        eppn_local(p, local, sizeof local);
        snprintf(buf, sizeof buf, "%s@edu.%s.se", local, g->slug);
        json_t *a = json_array();
        json_array_append_new(a, js(buf));
        SET(o, "eduPersonPrincipalNames", a);
    }
    if (p->ext) {
        json_t *e = json_object();
        char fn[48], gn[48];
        fold_ascii(given_of2(p), gn, sizeof gn, 0);
        fold_ascii(demo_family[p->family], fn, sizeof fn, 0);
        snprintf(buf, sizeof buf, "%.3s%.3s%05u", gn, fn, p->ext);
        SET(e, "value", js(buf));
        snprintf(buf, sizeof buf, "https://%s.se/ad", g->slug);
        SET(e, "context", js(buf));
        SET(e, "globallyUnique", json_false());
        json_t *a = json_array();
        json_array_append_new(a, e);
        SET(o, "externalIdentifiers", a);
    }
    if (p->civic[0]) {
        json_t *c = json_object();
        SET(c, "value", js(p->civic));
        SET(c, "nationality", js("SE"));
        SET(o, "civicNo", c);
    }
    SET(o, "birthDate", jdate(p->birth));
    static const char *const sexes[] = { "Kvinna", "Man", "Okänt" };
    SET(o, "sex", js(sexes[p->sex]));
    SET(o, "securityMarking", js(marking_name[p->marking]));
    SET(o, "personStatus", js(x->status ? x->status : "Aktiv"));
    /* Staff badges: a third of the staff have a photo in the register. */
    if (x->work_phone && p->marking == 0 && mix64(key ^ 0x70686f746full) % 3 == 0) {
        snprintf(buf, sizeof buf, "https://bild.%s.se/personal/%s.jpg", g->slug, id);
        SET(o, "photo", js(buf));
    }
    json_t *emails = json_array();
    if (p->eppn_n && x->email_type) {
        json_t *e = json_object();
        snprintf(buf, sizeof buf, "%s%s@%s", local, x->version ? "" : "", x->email_domain);
        SET(e, "value", js(buf));
        SET(e, "type", js(x->email_type));
        json_array_append_new(emails, e);
    }
    if (x->private_email) {
        json_t *e = json_object();
        SET(e, "value", js(x->private_email));
        SET(e, "type", js("Privat"));
        json_array_append_new(emails, e);
    }
    if (json_array_size(emails))
        SET(o, "emails", emails);
    else
        json_decref(emails);
    if ((x->nphone || x->work_phone) && p->marking != 2) {
        json_t *ph = json_array();
        if (x->nphone) {
            json_t *e = json_object();
            mobile_no(mix64(key + (uint64_t)x->version), buf, sizeof buf);
            SET(e, "value", js(buf));
            SET(e, "type", js(x->phone_type ? x->phone_type : "Hem"));
            SET(e, "mobile", json_true());
            json_array_append_new(ph, e);
        }
        if (x->work_phone) {
            json_t *e = json_object();
            work_no(mix64(key ^ 0x77), buf, sizeof buf);
            SET(e, "value", js(buf));
            SET(e, "type", js("Arbete"));
            SET(e, "mobile", json_false());
            json_array_append_new(ph, e);
        }
        SET(o, "phoneNumbers", ph);
    }
    if (x->addr_street >= 0 && p->marking != 2) {
        json_t *a = json_array();
        json_array_append_new(a, address_json(g, x->addr_street, x->addr_number, x->addr_postal, "Folkbokföring"));
        SET(o, "addresses", a);
    }
    return o;
}

/* Does the person change phone/e-mail in pass q (q >= 1)? */
static int changes_in(gen *g, uint64_t key, int q)
{
    static const double rate[NPASS] = { 0, 0.0085, 0.002 };
    return q > 0 && hchance(hash4(g->seed, T_CHG, key, (uint64_t)q), rate[q]);
}

static int version_at(gen *g, uint64_t key, int q)
{
    int v = 0;
    for (int i = 1; i <= q; i++)
        v += changes_in(g, key, i);
    return v;
}

static uint64_t pkey(gen *g, int tag, int slot, uint32_t idx)
{
    return ((uint64_t)g->muni << 40) ^ ((uint64_t)slot << 24) ^ ((uint64_t)tag << 56) ^ idx;
}

static inline int alive(int born, int gone, int q)
{
    return born <= q && (gone == 0 || q < gone);
}

/* --------------------------------------------------- the municipality */

static void muni_setup(gen *g, int m)
{
    g->muni = m;
    rng r = { hash4(g->seed, T_MUNI, (uint64_t)m, 0) };
    if (m == 0)
        snprintf(g->mname, sizeof g->mname, "Mittköping");
    else
        snprintf(g->mname, sizeof g->mname, "%s%s", demo_town_prefix[m % demo_n_town_prefix],
                 demo_town_suffix[(m / demo_n_town_prefix + m) % demo_n_town_suffix]);
    size_t l = strlen(g->mname);
    snprintf(g->mgen, sizeof g->mgen, "%s%s", g->mname, g->mname[l - 1] == 's' ? "" : "s");
    fold_ascii(g->mname, g->slug, sizeof g->slug, 0);
    if (m == 0) {
        g->county = 27;
        g->mcode_int = 2780;
    } else {
        static const int counties[] = { 26, 28, 29, 30 };
        g->county = counties[((m - 1) / 90) % 4];
        g->mcode_int = g->county * 100 + 1 + (m - 1) % 90;
    }
    snprintf(g->mcode, sizeof g->mcode, "%04d", g->mcode_int);
    (void)r;
    map_free(&g->eppn);
    map_free(&g->civic);
    g->ext_serial = 0;
}

static double muni_mult(gen *g, int m)
{
    if (g->scale == DEMO_MITTKOPING)
        return 1.0;
    if (g->scale == DEMO_CITY)
        return 25.0;
    /* Nation: 286 municipalities summing to about 500 Mittköpings. */
    double sum = 0, w = 0;
    for (int i = 0; i < g->nmuni; i++) {
        rng r = { hash4(g->seed, T_MUNI, (uint64_t)i, 1) };
        double u = unit01(&r);
        double x = i == 0 ? 1.0 : i == 1 ? 40.0 : i == 2 ? 22.0 : i == 3 ? 14.0 : 0.3 + 4.0 * u * u * u;
        if (i == m)
            w = x;
        sum += x;
    }
    return m == 0 ? 1.0 : w * (500.0 - 1.0) / (sum - 1.0);
}

static int iround(double x)
{
    return (int)(x + 0.5);
}

static void add_unit(gen *g, int kind, int ordinal, rng *r)
{
    g->units = realloc(g->units, (g->nunits + 1) * sizeof *g->units);
    if (!g->units)
        abort();
    unit *u = &g->units[g->nunits];
    memset(u, 0, sizeof *u);
    u->kind = kind;
    u->idx = (int)g->nunits;
    u->ordinal = ordinal;
    g->nunits++;
    size_t np = demo_n_place_prefix;
    const char *pre = demo_place_prefix[(size_t)(ordinal * 7 + kind * 3) % np];
    int round = (int)((size_t)ordinal / np);
    static const char *const fs_suf[] = { "dungens förskola", "gårdens förskola", "backens förskola", "ängens förskola", "lyckans förskola" };
    static const char *const sk_suf[] = { "skolan", "dalsskolan", "hagsskolan", "bergsskolan", "viksskolan", "åsskolan" };
    char num[16] = "";
    u->start = days_from_civil(1950 + (int)below(r, 60), 8, 15);
    switch (kind) {
    case U_CENTRAL:
        break;
    case U_FS:
        if (round >= 5)
            snprintf(num, sizeof num, " %d", round / 5 + 1);
        snprintf(u->name, sizeof u->name, "%s%s%s", pre, fs_suf[round % 5], num);
        u->size = range(r, 3, 5);
        u->parent = 2;
        break;
    case U_F6:
    case U_79:
        if (round >= 6)
            snprintf(num, sizeof num, " %d", round / 6 + 1);
        snprintf(u->name, sizeof u->name, "%s%s%s", pre, sk_suf[round % 6], num);
        u->size = kind == U_F6 ? 1 + chance(r, 0.5) : range(r, 3, 4);
        u->parent = 3;
        break;
    case U_GRS:
        snprintf(u->name, sizeof u->name, "Anpassade grundskolan %sgården%s", pre, ordinal ? "" : "");
        if (ordinal)
            snprintf(u->name + strlen(u->name), sizeof u->name - strlen(u->name), " %d", ordinal + 1);
        u->size = 1;
        u->parent = 3;
        break;
    case U_GY:
        if (ordinal == 0)
            snprintf(u->name, sizeof u->name, "%s gymnasium", g->mgen);
        else
            snprintf(u->name, sizeof u->name, "%sgymnasiet%s", pre, num);
        if (ordinal && round)
            snprintf(u->name + strlen(u->name), sizeof u->name - strlen(u->name), " %d", round + 1);
        u->nprog = 2;
        u->prog[0] = (ordinal * 2) % (int)demo_n_programmes;
        u->prog[1] = (ordinal * 2 + 1) % (int)demo_n_programmes;
        u->size = 1;
        u->parent = 4;
        break;
    case U_OLD:
        snprintf(u->name, sizeof u->name, "Gamla %sskolan", pre);
        u->parent = 3;
        u->start = days_from_civil(1962, 8, 20);
        u->end = days_from_civil(g->acad - 3, 6, 30);
        break;
    }
    /* School unit codes: 8 digits, "99" then municipality and unit. */
    snprintf(u->code, sizeof u->code, "99%03d%03d", g->muni % 1000, u->idx % 1000);
}

static void muni_units(gen *g)
{
    g->nunits = 0;
    double k = g->mult;
    rng r = { hash4(g->seed, T_MUNI, (uint64_t)g->muni, 2) };
    int n_fs = iround(6 * k), n_f6 = iround(5 * k), n_79 = iround(3 * k);
    int n_grs = iround(1 * k), n_gy = iround(2 * k);
    if (n_fs < 1) n_fs = 1;
    if (n_f6 < 1) n_f6 = 1;
    if (n_79 < 1) n_79 = 1;
    if (n_grs < 1) n_grs = 1;
    if (n_gy < 1) n_gy = 1;
    add_unit(g, U_CENTRAL, 0, &r);
    for (int i = 0; i < n_fs; i++)
        add_unit(g, U_FS, i, &r);
    for (int i = 0; i < n_f6; i++)
        add_unit(g, U_F6, i, &r);
    for (int i = 0; i < n_79; i++)
        add_unit(g, U_79, i, &r);
    for (int i = 0; i < n_grs; i++)
        add_unit(g, U_GRS, i, &r);
    for (int i = 0; i < n_gy; i++)
        add_unit(g, U_GY, i, &r);
    add_unit(g, U_OLD, 0, &r);
}

/* Data-quality problem: the last F-6 unit has no schoolUnitCode. */
static int unit_lacks_code(gen *g, const unit *u)
{
    if (u->kind != U_F6)
        return 0;
    int n_f6 = 0;
    for (size_t i = 0; i < g->nunits; i++)
        n_f6 += g->units[i].kind == U_F6;
    return u->ordinal == n_f6 - 1 && n_f6 > 1;
}

static json_t *org_address(gen *g, const char *street, const char *type)
{
    json_t *a = json_object();
    SET(a, "type", js(type));
    SET(a, "streetAddress", js(street));
    SET(a, "locality", js(g->mname));
    char buf[16];
    snprintf(buf, sizeof buf, "99%d 00", g->muni % 10);
    SET(a, "postalCode", js(buf));
    SET(a, "countyCode", json_integer(g->county));
    SET(a, "municipalityCode", json_integer(g->mcode_int));
    SET(a, "country", js("Sverige"));
    return a;
}

static json_t *org_json(gen *g, int slot, const char *name, const char *type, int parent)
{
    uuid_s id, pid;
    json_t *o = json_object();
    org_id(g, slot, id);
    SET(o, "id", js(id));
    SET(o, "displayName", js(name));
    char code[32];
    snprintf(code, sizeof code, "%s-%03d", g->mcode, slot);
    SET(o, "organisationCode", js(code));
    SET(o, "organisationType", js(type));
    if (parent >= 0) {
        org_id(g, parent, pid);
        SET(o, "parentOrganisation", jref(pid));
    }
    SET(o, "municipalityCode", js(g->mcode));
    return o;
}

static int emit_orgs(gen *g)
{
    int q = g->pass;
    char buf[320];
    if (q == 0) {
        json_t *o = org_json(g, 0, "", "Huvudman", -1);
        snprintf(buf, sizeof buf, "%s kommun", g->mgen);
        SET(o, "displayName", js(buf));
        /* Organisation numbers of municipalities start 212000; this range is invented. */
        char digits[11];
        snprintf(digits, sizeof digits, "2120%05d", 90000 + g->muni % 10000);
        digits[9] = (char)('0' + luhn_digit(digits));
        digits[10] = 0;
        snprintf(buf, sizeof buf, "%.6s-%.4s", digits, digits + 6);
        SET(o, "organisationNumber", js(buf));
        SET(o, "address", org_address(g, "Stadshusgatan 1", "Postadress"));
        snprintf(buf, sizeof buf, "https://%s.se", g->slug);
        SET(o, "url", js(buf));
        snprintf(buf, sizeof buf, "kommun@%s.se", g->slug);
        SET(o, "email", js(buf));
        SET(o, "phoneNumber", js("0980-319 200"));
        json_t *ci = json_array(), *c = json_object();
        SET(c, "infoType", js("Publik"));
        SET(c, "info", js("Kontaktcenter, vardagar 8-17"));
        json_array_append_new(ci, c);
        SET(o, "contactInfo", ci);
        SET(o, "startDate", js("1971-01-01"));
        if (put(g, K_ORGANISATION, o))
            return -1;
        o = org_json(g, 1, "Barn- och utbildningsförvaltningen", "Förvaltning", 0);
        snprintf(buf, sizeof buf, "bou@%s.se", g->slug);
        SET(o, "email", js(buf));
        if (put(g, K_ORGANISATION, o))
            return -1;
        static const char *const vo[] = { "Förskoleverksamheten", "Grundskoleverksamheten", "Gymnasieverksamheten" };
        for (int i = 0; i < 3; i++)
            if (put(g, K_ORGANISATION, org_json(g, 2 + i, vo[i], "Verksamhetsområde", 1)))
                return -1;
    }
    for (size_t i = 0; i < g->nunits; i++) {
        unit *u = &g->units[i];
        if (u->kind == U_CENTRAL)
            continue;
        /* Pass 1: the first F-6 unit gets a new phone number and e-mail. */
        int changed = u->kind == U_F6 && u->ordinal == 0 && q == 1;
        if (q != 0 && !changed)
            continue;
        json_t *o = org_json(g, ORG_UNIT(u->idx), u->name, "Skolenhet", u->parent);
        if (!unit_lacks_code(g, u))
            SET(o, "schoolUnitCode", js(u->code));
        json_t *types = json_array();
        switch (u->kind) {
        case U_FS: json_array_append_new(types, js("FS")); break;
        case U_F6:
            json_array_append_new(types, js("FKLASS"));
            json_array_append_new(types, js("GR"));
            json_array_append_new(types, js("FTH"));
            break;
        case U_79: case U_OLD: json_array_append_new(types, js("GR")); break;
        case U_GRS: json_array_append_new(types, js("GRS")); break;
        case U_GY: json_array_append_new(types, js("GY")); break;
        }
        SET(o, "schoolTypes", types);
        snprintf(buf, sizeof buf, "%s %d", demo_streets[(size_t)u->idx % demo_n_streets], 3 + u->idx % 40);
        SET(o, "address", org_address(g, buf, "Besöksadress"));
        char slug[96];
        fold_ascii(u->name, slug, sizeof slug, 0);
        snprintf(buf, sizeof buf, "https://%s.se/skolor/%s", g->slug, slug);
        SET(o, "url", js(buf));
        snprintf(buf, sizeof buf, "%s%s@%s.se", slug, q >= 1 && changed ? ".exp" : "", g->slug);
        SET(o, "email", js(buf));
        snprintf(buf, sizeof buf, "0980-319 2%02d", (u->idx + (changed ? 50 : 0)) % 100);
        SET(o, "phoneNumber", js(buf));
        SET(o, "startDate", jdate(u->start));
        if (u->end)
            SET(o, "endDate", jdate(u->end));
        if (put(g, K_ORGANISATION, o))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------- syllabus & programme */

static int emit_syllabuses(gen *g)
{
    uuid_s id;
    for (int i = 0; i < SYL_COUNT; i++) {
        json_t *o = json_object();
        gid(g, T_SYL, (uint32_t)i, id);
        SET(o, "id", js(id));
        if (i < SYL_GRS(0)) {
            const demo_subject *s = &demo_gr_subjects[i];
            SET(o, "schoolType", js("GR"));
            SET(o, "subjectCode", js(s->code));
            SET(o, "subjectName", js(s->name));
            SET(o, "subjectDesignation", js(s->designation));
            SET(o, "startSchoolYear", json_integer(!strcmp(s->designation, "M2") ? 6 : 1));
            SET(o, "endSchoolYear", json_integer(9));
            SET(o, "curriculum", js("GR2011"));
            if (s->lang)
                SET(o, "languageCode", js(s->lang));
            SET(o, "official", json_true());
        } else if (i < SYL_GY(0)) {
            const demo_subject *s = &demo_grs_subjects[i - SYL_GRS(0)];
            SET(o, "schoolType", js("GRS"));
            SET(o, "subjectCode", js(s->code));
            SET(o, "subjectName", js(s->name));
            SET(o, "subjectDesignation", js(s->designation));
            SET(o, "startSchoolYear", json_integer(1));
            SET(o, "endSchoolYear", json_integer(9));
            SET(o, "curriculum", js("GRSÄR2011"));
            SET(o, "official", json_true());
        } else if (i < SYL_MENTOR) {
            const demo_course *c = &demo_gy_courses[i - SYL_GY(0)];
            SET(o, "schoolType", js("GY"));
            SET(o, "subjectCode", js(c->subj_code));
            SET(o, "subjectName", js(c->subj_name));
            SET(o, "courseCode", js(c->code));
            SET(o, "courseName", js(c->name));
            SET(o, "points", json_integer(c->points));
            SET(o, "curriculum", js("GY2011"));
            SET(o, "official", json_true());
        } else {
            SET(o, "schoolType", js("GR"));
            SET(o, "subjectCode", js("MENTOR"));
            SET(o, "subjectName", js("Mentorstid"));
            SET(o, "official", json_false());
        }
        if (put(g, K_SYLLABUS, o))
            return -1;
    }
    return 0;
}

static json_t *syl_refs(gen *g, const int *idx, int max)
{
    json_t *a = json_array();
    uuid_s id;
    for (int i = 0; i < max && idx[i] >= 0; i++) {
        gid(g, T_SYL, (uint32_t)SYL_GY(idx[i]), id);
        json_array_append_new(a, jref(id));
    }
    return a;
}

static json_t *content_part(const char *type, int points, json_t *refs)
{
    json_t *c = json_object();
    SET(c, "type", js(type));
    if (points)
        SET(c, "points", json_integer(points));
    SET(c, "content", refs);
    return c;
}

static int sum_points(const int *idx, int max)
{
    int s = 0;
    for (int i = 0; i < max && idx[i] >= 0; i++)
        s += demo_gy_courses[idx[i]].points;
    return s;
}

static int emit_programmes(gen *g)
{
    uuid_s id, pid;
    for (size_t p = 0; p < demo_n_programmes; p++) {
        const demo_programme *pr = &demo_programmes[p];
        json_t *o = json_object();
        gid(g, T_PROG, (uint32_t)(3 * p), pid);
        SET(o, "id", js(pid));
        SET(o, "name", js(pr->name));
        SET(o, "type", js(pr->type));
        SET(o, "schoolType", js("GY"));
        SET(o, "code", js(pr->code));
        json_t *content = json_array();
        json_array_append_new(content, content_part("Gymnasiegemensamma", sum_points(pr->common, 10), syl_refs(g, pr->common, 10)));
        json_array_append_new(content, content_part("Programgemensamma", sum_points(pr->progcommon, 8), syl_refs(g, pr->progcommon, 8)));
        int gya[1] = { pr->project };
        json_array_append_new(content, content_part("Gymnasiearbete", 100, syl_refs(g, gya, 1)));
        SET(o, "content", content);
        if (put(g, K_PROGRAMME, o))
            return -1;
        for (int i = 0; i < pr->nori; i++) {
            const demo_orientation *ori = &pr->ori[i];
            json_t *c = json_object();
            gid(g, T_PROG, (uint32_t)(3 * p + 1 + (size_t)i), id);
            SET(c, "id", js(id));
            SET(c, "name", js(ori->name));
            SET(c, "type", js("Programinriktning"));
            SET(c, "parentProgramme", jref(pid));
            SET(c, "schoolType", js("GY"));
            SET(c, "code", js(ori->code));
            json_t *cc = json_array();
            json_array_append_new(cc, content_part("Inriktning", sum_points(ori->courses, 6), syl_refs(g, ori->courses, 6)));
            SET(c, "content", cc);
            if (put(g, K_PROGRAMME, c))
                return -1;
        }
    }
    for (size_t p = 0; p < demo_n_gys_programmes; p++) {
        json_t *o = json_object();
        gid(g, T_PROG, (uint32_t)(3 * demo_n_programmes + p), pid);
        SET(o, "id", js(pid));
        SET(o, "name", js(demo_gys_programmes[p].name));
        SET(o, "type", js("Yrkesprogram"));
        SET(o, "schoolType", js("GYS"));
        SET(o, "code", js(demo_gys_programmes[p].code));
        if (put(g, K_PROGRAMME, o))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- a unit */

static int add_group(gen *g, int type, int year, int st, const char *name, int64_t start, int64_t end)
{
    GROW(g, grps, ngrp, cgrp);
    grp *x = &g->grps[g->ngrp];
    memset(x, 0, sizeof *x);
    x->type = type;
    x->year = year;
    x->st = st;
    x->lang = -1;
    x->fallback = -1;
    snprintf(x->name, sizeof x->name, "%.31s", name);
    x->start = start;
    x->end = end;
    return (int)g->ngrp++;
}

static int add_family(gen *g, rng *r, int64_t child_birth, int adult)
{
    GROW(g, fam, nfam, cfam);
    family *f = &g->fam[g->nfam];
    memset(f, 0, sizeof *f);
    int fi = (int)g->nfam++;
    uint64_t fk = hash4(g->seed, T_FAM, pkey(g, T_FAM, 0, 0), (uint64_t)fi);
    (void)fk;
    f->street = (int)below(r, (uint32_t)demo_n_streets);
    f->number = range(r, 1, 120);
    f->postal = (int)below(r, 100);
    f->nguard = adult ? 0 : (chance(r, 0.12) ? 1 : 2);
    /* Protected identities: rare, and always one of each kind in the
     * first units so the smallest demo has them. */
    if (chance(r, 0.0002) || (fi == 3 && g->cur->kind == U_F6 && g->cur->ordinal == 0))
        f->marking = 2;
    else if (chance(r, 0.0002) || (fi == 5 && g->cur->kind == U_79 && g->cur->ordinal == 0))
        f->marking = 1;
    f->shared_email = f->nguard == 2 && chance(r, 0.01);
    f->god_man = f->nguard == 1 && chance(r, 0.01);
    int family = pick_family(r);
    int cy = year_of(child_birth);
    for (int i = 0; i < f->nguard; i++) {
        int sex = i == 0 ? (int)below(r, 2) : (chance(r, 0.93) ? !f->g[0].sex : f->g[0].sex);
        int fam2 = i == 0 || chance(r, 0.6) ? family : -1;
        int64_t b = days_from_civil(cy - range(r, 24, 44), range(r, 1, 12), range(r, 1, 28));
        new_ident(g, r, &f->g[i], sex, b, fam2, 0, 1);
        f->g[i].marking = f->marking;
        if (f->g[i].sex == 2) /* guardians have a known sex */
            f->g[i].sex = 0;
    }
    return fi;
}

static int add_pupil(gen *g, rng *r, int year, int st, int cls, int64_t birth, int64_t start, int login)
{
    GROW(g, pup, npup, cpup);
    pupil *p = &g->pup[g->npup];
    memset(p, 0, sizeof *p);
    int pi = (int)g->npup++;
    int adult = birth + 18 * 365 + 4 <= g->today;
    /* Siblings: some pupils join the previous pupil's family. */
    int fam = -1;
    if (pi > 0 && !adult && chance(r, 0.12) && !g->no_siblings) {
        int prev = g->pup[pi - 1].fam;
        if (prev >= 0 && g->fam[prev].nguard > 0)
            fam = prev;
    }
    if (fam < 0)
        fam = add_family(g, r, birth, adult);
    p = &g->pup[pi];
    family *f = &g->fam[fam];
    int famname = f->nguard ? f->g[0].family : -1;
    if (f->nguard == 2 && chance(r, 0.08))
        famname = f->g[1].family;
    new_ident(g, r, &p->id, -1, birth, famname, login, 1);
    p->id.marking = f->marking;
    p->fam = fam;
    p->year = year;
    p->st = st;
    p->cls0 = p->cls1 = cls;
    p->lang = p->fth = p->schema = -1;
    p->prev_unit = -1;
    p->start = start;
    p->no_resp = adult;
    p->has_phone = year >= 5;
    return pi;
}

static int add_staff(gen *g, rng *r)
{
    GROW(g, stf, nstf, cstf);
    staffp *s = &g->stf[g->nstf];
    int64_t b = days_from_civil(g->acad - range(r, 23, 64), range(r, 1, 12), range(r, 1, 28));
    new_ident(g, r, &s->id, -1, b, -1, 1, 1);
    if (s->id.sex == 2)
        s->id.sex = 0;
    s->street = (int)below(r, (uint32_t)demo_n_streets);
    s->number = range(r, 1, 120);
    s->postal = (int)below(r, 100);
    return (int)g->nstf++;
}

static int add_duty(gen *g, rng *r, int staff, int role, int group, int arole)
{
    GROW(g, dut, ndut, cdut);
    duty *d = &g->dut[g->ndut];
    memset(d, 0, sizeof *d);
    d->staff = staff;
    d->role = role;
    d->group = group;
    d->arole = arole;
    d->pct = chance(r, 0.8) ? 100 : (int)(50 + 5 * below(r, 10));
    d->start = g->year_start - 365 * (int)below(r, 15) - (int)below(r, 200);
    d->leaves = chance(r, 0.01) ? 2 : 0;
    /* Signature: two letters of the given name and two of the family name. */
    char gn[48], fn[48];
    const ident *id = &g->stf[staff].id;
    fold_ascii(given_of2(id), gn, sizeof gn, 0);
    fold_ascii(demo_family[id->family], fn, sizeof fn, 0);
    snprintf(d->sig, sizeof d->sig, "%.2s%.2s", gn, fn);
    for (char *c = d->sig; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    for (size_t i = 0; i < g->ndut; i++) /* unique within the unit */
        if (!strcmp(g->dut[i].sig, d->sig) && g->dut[i].staff != staff) {
            size_t l = strlen(d->sig);
            d->sig[l] = (char)('2' + (int)below(r, 8));
            d->sig[l + 1] = 0;
            break;
        }
    return (int)g->ndut++;
}

static void add_act(gen *g, int group, int subj, int teacher, int type, const char *name, int minutes)
{
    GROW(g, acts, nact, cact);
    act *a = &g->acts[g->nact++];
    memset(a, 0, sizeof *a);
    a->group = group;
    a->subj = subj;
    a->teacher = teacher;
    a->type = type;
    a->minutes = minutes;
    snprintf(a->name, sizeof a->name, "%.95s", name);
}

static int64_t birth_for_year(rng *r, int acad, int age_in_autumn)
{
    int y = acad - age_in_autumn;
    int64_t d0 = days_from_civil(y, 1, 1);
    return d0 + below(r, 365);
}

/* Builds the unit's people and groups (no JSON). The same in every pass. */
static void build_unit(gen *g, unit *u)
{
    g->nfam = g->npup = g->nstf = g->ndut = g->ngrp = g->nact = 0;
    g->cur = u;
    rng r = { hash4(g->seed, T_UNIT, (uint64_t)g->muni, (uint64_t)u->idx) };
    int64_t ys = g->year_start, ye = g->year_end;
    char name[96];
    int first_79 = u->kind == U_79 && u->ordinal == 0;

    if (u->kind == U_CENTRAL) {
        int n = 4 + iround(8 * g->mult);
        for (int i = 0; i < n; i++) {
            int s = add_staff(g, &r);
            add_duty(g, &r, s, i == 0 ? DR_OVRLED : (i % 3 == 1 ? DR_ADMIN : DR_ANNAN), -1, 0);
        }
        return;
    }
    if (u->kind == U_OLD)
        return;

    if (u->kind == U_FS) {
        int teacher0 = -1;
        int rektor = add_staff(g, &r);
        add_duty(g, &r, rektor, DR_REKTOR, -1, 0);
        (void)teacher0;
        for (int a = 0; a < u->size; a++) {
            const char *an = demo_avdelning[(size_t)(a + u->ordinal * 3) % demo_n_avdelning];
            int gi = add_group(g, G_AVD, 0, ST_FS, an, days_from_civil(2015 + u->ordinal % 5, 8, 1), 0);
            int n = range(&r, 16, 21);
            for (int k = 0; k < n; k++) {
                int age = 1 + (int)below(&r, 5);
                int64_t b = birth_for_year(&r, g->acad, age);
                int64_t start = b + 400 + below(&r, 200);
                if (start > g->today - 70)
                    start = g->today - 70 - below(&r, 30);
                if (start < b + 365)
                    start = b + 365;
                add_pupil(g, &r, -age, ST_FS, gi, b, start, 0);
            }
            int s = add_staff(g, &r);
            add_duty(g, &r, s, DR_FSL, gi, 1);
            s = add_staff(g, &r);
            add_duty(g, &r, s, DR_BSK, gi, 2);
            if (a % 2 == 1) {
                s = add_staff(g, &r);
                add_duty(g, &r, s, DR_BSK, gi, 2);
            }
        }
    } else if (u->kind == U_F6) {
        int rektor = add_staff(g, &r);
        add_duty(g, &r, rektor, DR_REKTOR, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_ADMIN, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_SPEC, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_ASSIST, -1, 0);
        static const char *const fcol[] = { "Fritids Gul", "Fritids Blå", "Fritids Grön", "Fritids Röd" };
        int nf = u->size + 1;
        int fgr[4];
        for (int i = 0; i < nf && i < 4; i++) {
            fgr[i] = add_group(g, G_FTH, 0, ST_FTH, fcol[i], ys, ye);
            add_duty(g, &r, add_staff(g, &r), DR_FRITIDS, fgr[i], 3);
        }
        int spec[4];
        for (int i = 0; i < 4; i++)
            spec[i] = add_duty(g, &r, add_staff(g, &r), DR_LARARE, -1, 0);
        for (int y = 0; y <= 6; y++) {
            for (int c = 0; c < u->size; c++) {
                if (y == 0)
                    snprintf(name, sizeof name, "F%c", 'A' + c);
                else
                    snprintf(name, sizeof name, "%d%c", y, 'A' + c);
                int gi = add_group(g, G_CLASS, y, y == 0 ? ST_FKLASS : ST_GR, name, ys, ye);
                int mentor = add_duty(g, &r, add_staff(g, &r), DR_LARARE, gi, 0);
                int extra = add_duty(g, &r, add_staff(g, &r), DR_LARARE, -1, 0);
                int n = range(&r, 21, 27);
                for (int k = 0; k < n; k++) {
                    int64_t b = birth_for_year(&r, g->acad, 6 + y);
                    int64_t start = days_from_civil(g->acad - y, 8, 15);
                    int pi = add_pupil(g, &r, y, y == 0 ? ST_FKLASS : ST_GR, gi, b, start, y >= 1);
                    if (y <= 3 && chance(&r, 0.75))
                        g->pup[pi].fth = fgr[(y + c) % nf];
                }
                if (y == 0) {
                    snprintf(name, sizeof name, "Förskoleklass %s", g->grps[gi].name);
                    add_act(g, gi, -1, mentor, 0, name, 20 * 60 * 34);
                    continue;
                }
                static const int subj[] = { 0, 1, 2, 3, 8, 11, 12, 13, 14 };
                for (size_t s = 0; s < sizeof subj / sizeof subj[0]; s++) {
                    int t = subj[s] >= 11 ? spec[s % 4] : (s % 2 ? extra : mentor);
                    if (subj[s] == 2 && y < 3)
                        t = mentor;
                    snprintf(name, sizeof name, "%s %s", demo_gr_subjects[subj[s]].designation, g->grps[gi].name);
                    add_act(g, gi, SYL_GR(subj[s]), t, 0, name, 60 * 34 * (subj[s] <= 1 ? 4 : 1));
                }
            }
        }
    } else if (u->kind == U_79) {
        add_duty(g, &r, add_staff(g, &r), DR_REKTOR, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_OVRLED, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_ADMIN, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_SYV, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_KURATOR, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_SSK, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_BIBL, -1, 0);
        int ncls = 3 * u->size;
        int nt = iround(ncls * 2.4);
        int t0 = (int)g->ndut;
        for (int i = 0; i < nt; i++) {
            int d = add_duty(g, &r, add_staff(g, &r), DR_LARARE, -1, 0);
            if (i % 9 == 4) /* a lead teacher: a second duty */
                add_duty(g, &r, g->dut[d].staff, DR_FORSTE, -1, 0);
        }
        int tn = (int)g->ndut - t0;
        int lax = add_group(g, G_SCHEMA, 0, ST_GR, "Läxhjälp 7-9", g->term_start, g->term_end);
        for (int y = 7; y <= 9; y++) {
            static const char *const lname[] = { "SP", "TY", "FR" };
            int lg[3];
            for (int l = 0; l < 3; l++) {
                snprintf(name, sizeof name, "%s%d", lname[l], y);
                lg[l] = add_group(g, G_LANG, y, ST_GR, name, ys, ye);
                g->grps[lg[l]].lang = l;
            }
            /* History: in every other 7-9 unit the year-9 French group is
             * dissolved in pass 1; its pupils move to Spanish. */
            if (y == 9 && u->ordinal % 2 == 0) {
                g->grps[lg[2]].deleted = 1;
                g->grps[lg[2]].fallback = lg[0];
            }
            for (int c = 0; c < u->size; c++) {
                snprintf(name, sizeof name, "%d%c", y, 'A' + c);
                int gi = add_group(g, G_CLASS, y, ST_GR, name, ys, ye);
                int ci = (y - 7) * u->size + c;
                /* The mentor: one teacher per class, by its own duty row. */
                int md = add_duty(g, &r, g->dut[t0 + ci % tn].staff, DR_LARARE, gi, 0);
                g->dut[md].pct = g->dut[t0 + ci % tn].pct;
                int n = range(&r, 25, 29);
                for (int k = 0; k < n; k++) {
                    int64_t b = birth_for_year(&r, g->acad, 6 + y);
                    int64_t start = days_from_civil(g->acad - (y - 7), 8, 15);
                    int pi = add_pupil(g, &r, y, ST_GR, gi, b, start, 1);
                    g->pup[pi].lang = lg[below(&r, 3)];
                    if (chance(&r, 0.06))
                        g->pup[pi].schema = lax;
                    g->pup[pi].prev_unit = -2; /* resolved when writing */
                }
                for (int s = 0; s <= 15; s++) {
                    snprintf(name, sizeof name, "%s %s", demo_gr_subjects[s].designation, g->grps[gi].name);
                    int t = t0 + (ci * 5 + s * 3) % tn;
                    if (first_79 && y == 8 && c == 1 && s == 15)
                        t = -1; /* data-quality problem: an activity without teachers */
                    add_act(g, gi, SYL_GR(s), t, 0, name, 60 * 34 * (s <= 2 ? 3 : 1));
                }
                snprintf(name, sizeof name, "Mentorstid %s", g->grps[gi].name);
                add_act(g, gi, SYL_MENTOR, md, 1, name, 30 * 34);
            }
            for (int l = 0; l < 3; l++) {
                snprintf(name, sizeof name, "M2 %s", g->grps[lg[l]].name);
                add_act(g, lg[l], SYL_GR(16 + l), t0 + (y * 3 + l) % tn, 0, name, 60 * 34 * 2);
                if (g->grps[lg[l]].deleted)
                    g->acts[g->nact - 1].deleted = g->grps[lg[l]].deleted;
            }
        }
        if (first_79) /* data-quality problem: a class without members */
            add_group(g, G_EMPTY, 9, ST_GR, "9X", ys, ye);
        add_act(g, lax, -1, t0, 2, "Läxhjälp", 60 * 34);
        if (u->ordinal == 0)
            g->acts[g->nact - 1].deleted = 2; /* history: dropped in pass 2 */
    } else if (u->kind == U_GRS) {
        add_duty(g, &r, add_staff(g, &r), DR_REKTOR, -1, 0);
        static const char *const gn[] = { "Grupp 1-3", "Grupp 4-6", "Grupp 7-9" };
        for (int i = 0; i < 3; i++) {
            int gi = add_group(g, G_CLASS, 3 * i + 1, ST_GRS, gn[i], ys, ye);
            int md = add_duty(g, &r, add_staff(g, &r), DR_LARARE, gi, 0);
            add_duty(g, &r, add_staff(g, &r), DR_ASSIST, -1, 0);
            int n = range(&r, 7, 11);
            for (int k = 0; k < n; k++) {
                int y = 3 * i + 1 + (int)below(&r, 3);
                int64_t b = birth_for_year(&r, g->acad, 6 + y);
                add_pupil(g, &r, y, ST_GRS, gi, b, days_from_civil(g->acad - (y - 1), 8, 15), 1);
            }
            for (size_t s = 0; s < demo_n_grs_subjects; s++) {
                snprintf(name, sizeof name, "%s %s", demo_grs_subjects[s].designation, gn[i]);
                add_act(g, gi, SYL_GRS((int)s), md, 0, name, 60 * 34 * 2);
            }
        }
        add_duty(g, &r, add_staff(g, &r), DR_SPEC, -1, 0);
    } else if (u->kind == U_GY) {
        add_duty(g, &r, add_staff(g, &r), DR_REKTOR, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_ADMIN, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_SYV, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_KURATOR, -1, 0);
        add_duty(g, &r, add_staff(g, &r), DR_SSK, -1, 0);
        int nt = 4 * 3 * u->nprog;
        int t0 = (int)g->ndut;
        for (int i = 0; i < nt; i++)
            add_duty(g, &r, add_staff(g, &r), DR_LARARE, -1, 0);
        for (int pi = 0; pi < u->nprog; pi++) {
            const demo_programme *pr = &demo_programmes[u->prog[pi]];
            for (int y = 1; y <= 3; y++) {
                snprintf(name, sizeof name, "%s%02d", pr->code, (g->acad - (y - 1)) % 100);
                int gi = add_group(g, G_CLASS, y, ST_GY, name, ys, ye);
                int ci = pi * 3 + y - 1;
                int md = add_duty(g, &r, g->dut[t0 + ci].staff, DR_LARARE, gi, 0);
                int n = range(&r, 27, 32);
                for (int k = 0; k < n; k++) {
                    int64_t b = birth_for_year(&r, g->acad, 15 + y);
                    int64_t start = days_from_civil(g->acad - (y - 1), 8, 18);
                    int p = add_pupil(g, &r, y, ST_GY, gi, b, start, 1);
                    g->pup[p].prog = u->prog[pi];
                    g->pup[p].ori = (int)below(&r, (uint32_t)pr->nori);
                    g->pup[p].has_phone = 1;
                }
                /* Courses of this year: every third of the lists, the
                 * orientation's from year 2, the diploma project in year 3. */
                int ti = 0;
                for (int i = 0; i < 10 && pr->common[i] >= 0; i++)
                    if (i % 3 == y - 1) {
                        const demo_course *c = &demo_gy_courses[pr->common[i]];
                        snprintf(name, sizeof name, "%s %s", c->code, g->grps[gi].name);
                        add_act(g, gi, SYL_GY(pr->common[i]), t0 + (ci + ti++) % nt, 0, name, c->points * 60 / 1);
                    }
                for (int i = 0; i < 8 && pr->progcommon[i] >= 0; i++)
                    if (i % 3 == y - 1) {
                        const demo_course *c = &demo_gy_courses[pr->progcommon[i]];
                        snprintf(name, sizeof name, "%s %s", c->code, g->grps[gi].name);
                        add_act(g, gi, SYL_GY(pr->progcommon[i]), t0 + (ci + ti++) % nt, 0, name, c->points * 60);
                    }
                if (y == 3) {
                    const demo_course *c = &demo_gy_courses[pr->project];
                    snprintf(name, sizeof name, "%s %s", c->code, g->grps[gi].name);
                    add_act(g, gi, SYL_GY(pr->project), md, 0, name, 100 * 60);
                }
                snprintf(name, sizeof name, "Mentorstid %s", g->grps[gi].name);
                add_act(g, gi, SYL_MENTOR, md, 1, name, 30 * 34);
            }
        }
    }

    /* History of pupils: class switches, families that move away, and
     * pupils who move in. Decided by hashes, so every pass agrees. */
    size_t n0 = g->npup;
    for (size_t i = 0; i < n0; i++) {
        pupil *p = &g->pup[i];
        uint64_t h = hash4(g->seed, T_CHG, pkey(g, T_PUPIL, ORG_UNIT(u->idx), (uint32_t)i), 99);
        if (p->st != ST_FS && u->size > 1 && g->grps[p->cls0].type == G_CLASS && (hchance(h, 0.004) || hchance(mix64(h), 0.001))) {
            int q = hchance(h, 0.004) ? 1 : 2;
            /* To the next class of the same year. */
            for (size_t k = 0; k < g->ngrp; k++) {
                if ((int)k != p->cls0 && g->grps[k].type == G_CLASS && g->grps[k].year == p->year &&
                    g->grps[k].st == g->grps[p->cls0].st) {
                    p->cls1 = (int)k;
                    p->sw = (int8_t)q;
                    break;
                }
            }
        }
    }
    for (size_t f = 0; f < g->nfam; f++) {
        uint64_t h = hash4(g->seed, T_FAM, pkey(g, T_FAM, ORG_UNIT(u->idx), (uint32_t)f), 7);
        if (hchance(h, 0.002))
            g->fam[f].gone = 1;
        else if (hchance(mix64(h), 0.0005))
            g->fam[f].gone = 2;
    }
    for (size_t i = 0; i < n0; i++) {
        pupil *p = &g->pup[i];
        p->gone = g->fam[p->fam].gone;
        if (p->gone && p->sw >= p->gone)
            p->sw = 0, p->cls1 = p->cls0;
    }
    /* Move-ins in pass 1: about one pupil per 50 classes. */
    size_t ng = g->ngrp;
    for (size_t k = 0; k < ng; k++) {
        grp *gr = &g->grps[k];
        if (gr->type != G_CLASS && gr->type != G_AVD)
            continue;
        uint64_t h = hash4(g->seed, T_GROUP, pkey(g, T_GROUP, ORG_UNIT(u->idx), (uint32_t)k), 5);
        if (!hchance(h, 0.03))
            continue;
        int y = gr->type == G_AVD ? -3 : gr->year;
        int age = gr->type == G_AVD ? 3 : (gr->st == ST_GY ? 15 + y : 6 + y);
        int64_t b = birth_for_year(&r, g->acad, age);
        g->no_siblings = 1; /* a moved-in pupil comes with a family of their own */
        int pi = add_pupil(g, &r, y, gr->st, (int)k, b, g->pass_day[1], gr->type == G_CLASS && y >= 1);
        g->no_siblings = 0;
        pupil *p = &g->pup[pi];
        p->born = 1;
        g->fam[p->fam].born = 1;
        g->fam[p->fam].gone = 0;
        if (gr->st == ST_GY) {
            p->prog = u->prog[0];
            p->ori = 0;
            for (int pi2 = 0; pi2 < u->nprog; pi2++)
                if (!strncmp(gr->name, demo_programmes[u->prog[pi2]].code, 2))
                    p->prog = u->prog[pi2];
            p->has_phone = 1;
        }
        if (u->kind == U_79) {
            for (size_t k2 = 0; k2 < g->ngrp; k2++)
                if (g->grps[k2].type == G_LANG && g->grps[k2].year == y && !g->grps[k2].deleted) {
                    p->lang = (int)k2;
                    break;
                }
        }
    }

    /* Data-quality problems on specific pupils of the first units. */
    if (g->npup > 10) {
        if (u->kind == U_F6 && u->ordinal == 0)
            g->pup[5].id.civic[0] = 0; /* no civic number at all */
        if (u->kind == U_F6 && u->ordinal == 1 && g->pup[3].id.civic[0]) {
            g->pup[3].id.civic[8] = 'T'; /* a temporary number: letters in 9-10 */
            g->pup[3].id.civic[9] = 'F';
        }
        if (first_79 && g->pup[7].id.civic[0]) { /* a wrong check digit */
            char *c = &g->pup[7].id.civic[11];
            *c = (char)('0' + (*c - '0' + 3) % 10);
        }
    }
}

/* Memberships of pupil p as of pass q. */
typedef struct mship {
    int grp;
    int64_t start, end;
} mship;

static int pupil_mships(gen *g, const pupil *p, int q, mship *out)
{
    if (!alive(p->born, p->gone, q))
        return 0;
    int n = 0;
    const grp *c0 = &g->grps[p->cls0];
    int64_t start = p->born ? g->pass_day[p->born] : (c0->type == G_AVD ? p->start : c0->start);
    if (start < c0->start)
        start = c0->start;
    if (p->sw && p->sw <= q) {
        out[n++] = (mship){ p->cls0, start, g->pass_day[p->sw] - 1 };
        out[n++] = (mship){ p->cls1, g->pass_day[p->sw], g->grps[p->cls1].end };
    } else {
        out[n++] = (mship){ p->cls0, start, c0->end };
    }
    if (p->lang >= 0) {
        const grp *l = &g->grps[p->lang];
        if (l->deleted && l->deleted <= q)
            out[n++] = (mship){ l->fallback, g->pass_day[l->deleted], l->end };
        else
            out[n++] = (mship){ p->lang, p->born ? g->pass_day[p->born] : l->start, l->end };
    }
    if (p->fth >= 0)
        out[n++] = (mship){ p->fth, g->grps[p->fth].start, 0 };
    if (p->schema >= 0)
        out[n++] = (mship){ p->schema, g->grps[p->schema].start, g->grps[p->schema].end };
    return n;
}

static int same_mships(const mship *a, int na, const mship *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (a[i].grp != b[i].grp || a[i].start != b[i].start || a[i].end != b[i].end)
            return 0;
    return 1;
}

static const char *email_domain(gen *g, char *buf, size_t cap, const char *sub)
{
    snprintf(buf, cap, "%s%s%s.se", sub, *sub ? "." : "", g->slug);
    return buf;
}

static int emit_unit(gen *g, unit *u)
{
    int q = g->pass;
    int slot = ORG_UNIT(u->idx);
    uuid_s id, id2, unit_id;
    char buf[320], dom[80], dom_staff[80];
    org_id(g, slot, unit_id);
    email_domain(g, dom, sizeof dom, "elev");
    email_domain(g, dom_staff, sizeof dom_staff, "");

    /* ---- guardians */
    for (size_t f = 0; f < g->nfam; f++) {
        family *fm = &g->fam[f];
        for (int i = 0; i < fm->nguard; i++) {
            uint32_t gi = (uint32_t)(f * 2 + (size_t)i);
            uint64_t key = pkey(g, T_GUARD, slot, gi);
            uid(g, T_GUARD, slot, gi, id);
            if (q > 0 && fm->gone == q) {
                del(g, K_PERSON, id);
                continue;
            }
            if (!alive(fm->born, fm->gone, q))
                continue;
            int emigrated = i == 1 && hchance(hash4(g->seed, T_CHG, key, 1234), 0.0008);
            int changed = changes_in(g, key, q) || (emigrated && q == 2);
            if (!(fm->born == q || changed))
                continue;
            int v = version_at(g, key, q);
            const ident *p = &fm->g[i];
            char priv[320], gn[48], fn[48];
            fold_ascii(given_of2(p), gn, sizeof gn, 0);
            fold_ascii(demo_family[p->family], fn, sizeof fn, 0);
            static const char *const mail_dom[] = { "example.com", "example.net", "example.org" };
            if (fm->shared_email) /* data-quality problem: one address for two persons */
                snprintf(priv, sizeof priv, "familjen.%s%zu@%s", fn, f % 100, mail_dom[f % 3]);
            else
                snprintf(priv, sizeof priv, "%s.%s%u@%s", gn, fn, (unsigned)(mix64(key) % 9000 + 100 + (unsigned)v),
                         mail_dom[(key + (uint64_t)v) % 3]);
            person_extra x = { .nphone = 1, .phone_type = "Hem", .private_email = priv,
                               .addr_street = fm->street, .addr_number = fm->number, .addr_postal = fm->postal,
                               .status = emigrated && q >= 2 ? "Utvandrad" : "Aktiv", .version = v };
            if (put(g, K_PERSON, person_json(g, id, p, &x, key)))
                return -1;
        }
    }

    /* ---- pupils */
    for (size_t i = 0; i < g->npup; i++) {
        pupil *p = &g->pup[i];
        uint64_t key = pkey(g, T_PUPIL, slot, (uint32_t)i);
        uid(g, T_PUPIL, slot, (uint32_t)i, id);
        if (q > 0 && p->gone == q) {
            del(g, K_PERSON, id);
            continue;
        }
        if (!alive(p->born, p->gone, q))
            continue;
        int changed = p->has_phone && changes_in(g, key, q);
        if (!(p->born == q || changed))
            continue;
        family *fm = &g->fam[p->fam];
        person_extra x = { .email_type = "Skola elev", .email_domain = dom, .nphone = p->has_phone,
                           .phone_type = "Hem", .addr_street = fm->street, .addr_number = fm->number,
                           .addr_postal = fm->postal, .version = version_at(g, key, q) };
        json_t *o = person_json(g, id, &p->id, &x, key);
        if (p->st != ST_FS) {
            json_t *en = json_array(), *e = json_object();
            SET(e, "enroledAt", jref(unit_id));
            SET(e, "schoolYear", json_integer(p->year));
            SET(e, "schoolType", js(st_name[p->st]));
            SET(e, "startDate", jdate(p->born ? g->pass_day[p->born] : p->start));
            if (p->st == ST_GY) {
                const demo_programme *pr = &demo_programmes[p->prog];
                int ori = p->year >= 2;
                SET(e, "educationCode", js(ori ? pr->ori[p->ori].code : pr->code));
                gid(g, T_PROG, (uint32_t)(3 * p->prog + (ori ? 1 + p->ori : 0)), id2);
                SET(e, "programme", jref(id2));
            }
            json_array_append_new(en, e);
            if (u->kind == U_79 && !p->born) {
                /* The finished enrolment at an F-6 unit of the municipality. */
                int nf6 = 0;
                for (size_t k = 0; k < g->nunits; k++)
                    nf6 += g->units[k].kind == U_F6;
                int which = (int)(mix64(key) % (uint64_t)(nf6 ? nf6 : 1)), seen = 0;
                for (size_t k = 0; k < g->nunits; k++)
                    if (g->units[k].kind == U_F6 && seen++ == which) {
                        json_t *pe = json_object();
                        org_id(g, ORG_UNIT(g->units[k].idx), id2);
                        SET(pe, "enroledAt", jref(id2));
                        SET(pe, "schoolYear", json_integer(6));
                        SET(pe, "schoolType", js("GR"));
                        SET(pe, "startDate", jdate(days_from_civil(year_of(p->start) - 7, 8, 15)));
                        SET(pe, "endDate", jdate(days_from_civil(year_of(p->start), 6, 14)));
                        json_array_append_new(en, pe);
                        break;
                    }
            }
            SET(o, "enrolments", en);
        }
        if (!p->no_resp && fm->nguard) {
            json_t *rs = json_array();
            for (int k = 0; k < fm->nguard; k++) {
                json_t *rr = json_object();
                uid(g, T_GUARD, slot, (uint32_t)(p->fam * 2 + k), id2);
                SET(rr, "person", jpref(id2, fm->marking));
                SET(rr, "relationType", js(fm->god_man ? "God man" : "Vårdnadshavare"));
                json_array_append_new(rs, rr);
            }
            SET(o, "responsibles", rs);
        }
        if (put(g, K_PERSON, o))
            return -1;
    }

    /* ---- staff */
    for (size_t i = 0; i < g->nstf; i++) {
        uint64_t key = pkey(g, T_STAFF, slot, (uint32_t)i);
        if (q > 0 && !changes_in(g, key, q))
            continue;
        staffp *s = &g->stf[i];
        uid(g, T_STAFF, slot, (uint32_t)i, id);
        person_extra x = { .email_type = "Skola personal", .email_domain = dom_staff, .nphone = 1,
                           .phone_type = "Arbete", .work_phone = 1, .addr_street = s->street,
                           .addr_number = s->number, .addr_postal = s->postal, .version = version_at(g, key, q) };
        if (put(g, K_PERSON, person_json(g, id, &s->id, &x, key)))
            return -1;
    }

    /* ---- groups: memberships as of this pass, and which ones changed */
    for (size_t k = 0; k < g->ngrp; k++) {
        g->grps[k].members = json_array();
        g->grps[k].dirty = q == 0;
    }
    for (size_t i = 0; i < g->npup; i++) {
        pupil *p = &g->pup[i];
        mship m[6], pm[6];
        int n = pupil_mships(g, p, q, m);
        if (q > 0) {
            int pn = pupil_mships(g, p, q - 1, pm);
            if (!same_mships(m, n, pm, pn)) {
                for (int j = 0; j < n; j++)
                    g->grps[m[j].grp].dirty = 1;
                for (int j = 0; j < pn; j++)
                    g->grps[pm[j].grp].dirty = 1;
            }
        }
        if (!n)
            continue;
        uid(g, T_PUPIL, slot, (uint32_t)i, id);
        for (int j = 0; j < n; j++) {
            grp *gr = &g->grps[m[j].grp];
            if (!gr->dirty && q > 0)
                continue; /* filled lazily below */
            json_t *ms = json_object();
            SET(ms, "person", jpref(id, p->id.marking));
            SET(ms, "startDate", jdate(m[j].start));
            if (m[j].end)
                SET(ms, "endDate", jdate(m[j].end));
            json_array_append_new(gr->members, ms);
        }
    }
    /* In later passes a group may turn dirty after some of its members
     * were skipped above: rebuild those lists completely. */
    if (q > 0) {
        for (size_t k = 0; k < g->ngrp; k++)
            if (g->grps[k].dirty)
                json_array_clear(g->grps[k].members);
        for (size_t i = 0; i < g->npup; i++) {
            mship m[6];
            int n = pupil_mships(g, &g->pup[i], q, m);
            if (!n)
                continue;
            uid(g, T_PUPIL, slot, (uint32_t)i, id);
            for (int j = 0; j < n; j++) {
                grp *gr = &g->grps[m[j].grp];
                if (!gr->dirty)
                    continue;
                json_t *ms = json_object();
                SET(ms, "person", jpref(id, g->pup[i].id.marking));
                SET(ms, "startDate", jdate(m[j].start));
                if (m[j].end)
                    SET(ms, "endDate", jdate(m[j].end));
                json_array_append_new(gr->members, ms);
            }
        }
    }
    for (size_t k = 0; k < g->ngrp; k++) {
        grp *gr = &g->grps[k];
        uid(g, T_GROUP, slot, (uint32_t)k, id);
        if (q > 0 && gr->deleted == q) {
            del(g, K_GROUP, id);
        } else if (alive(0, gr->deleted, q) && gr->dirty) {
            json_t *o = json_object();
            SET(o, "id", js(id));
            SET(o, "displayName", js(gr->name));
            SET(o, "startDate", jdate(gr->start));
            if (gr->end)
                SET(o, "endDate", jdate(gr->end));
            static const char *const gt[] = { "Klass", "Avdelning", "Avdelning", "Undervisning", "Schema", "Klass" };
            SET(o, "groupType", js(gt[gr->type]));
            SET(o, "schoolType", js(st_name[gr->st]));
            SET(o, "organisation", jref(unit_id));
            SET(o, "groupMemberships", gr->members);
            gr->members = NULL;
            if (put(g, K_GROUP, o))
                return -1;
        }
        json_decref(gr->members);
        gr->members = NULL;
    }

    /* ---- duties */
    for (size_t i = 0; i < g->ndut; i++) {
        duty *d = &g->dut[i];
        if (!(q == 0 || d->leaves == q))
            continue;
        json_t *o = json_object();
        uid(g, T_DUTY, slot, (uint32_t)i, id);
        SET(o, "id", js(id));
        uid(g, T_STAFF, slot, (uint32_t)d->staff, id2);
        SET(o, "person", jpref(id2, 0));
        if (d->group >= 0) {
            json_t *a = json_array(), *ar = json_object();
            uid(g, T_GROUP, slot, (uint32_t)d->group, id2);
            SET(ar, "group", jref(id2));
            SET(ar, "assignmentRoleType", js(arole_names[d->arole]));
            SET(ar, "startDate", jdate(g->grps[d->group].start > d->start ? g->grps[d->group].start : d->start));
            if (g->grps[d->group].end)
                SET(ar, "endDate", jdate(g->grps[d->group].end));
            json_array_append_new(a, ar);
            SET(o, "assignmentRole", a);
        }
        if (u->kind == U_CENTRAL)
            org_id(g, 1, id2);
        SET(o, "dutyAt", jref(u->kind == U_CENTRAL ? id2 : unit_id));
        SET(o, "dutyRole", js(duty_roles[d->role]));
        if (d->role == DR_ANNAN)
            SET(o, "description", js("Utvecklingsledare"));
        SET(o, "signature", js(d->sig));
        SET(o, "dutyPercent", json_integer(d->pct));
        SET(o, "hoursPerYear", json_integer(1767 * d->pct / 100));
        SET(o, "startDate", jdate(d->start));
        if (d->leaves && d->leaves <= q)
            SET(o, "endDate", jdate(g->today + 30));
        if (put(g, K_DUTY, o))
            return -1;
    }

    /* ---- placements: preschool children and after-school pupils */
    for (size_t i = 0; i < g->npup; i++) {
        pupil *p = &g->pup[i];
        int pg = p->st == ST_FS ? p->cls0 : p->fth;
        if (pg < 0)
            continue;
        uid(g, T_PLACE, slot, (uint32_t)i, id);
        if (q > 0 && p->gone == q) {
            del(g, K_PLACEMENT, id);
            continue;
        }
        if (!alive(p->born, p->gone, q) || p->born != q)
            continue;
        json_t *o = json_object();
        SET(o, "id", js(id));
        SET(o, "placedAt", jref(unit_id));
        uid(g, T_GROUP, slot, (uint32_t)pg, id2);
        SET(o, "group", jref(id2));
        uid(g, T_PUPIL, slot, (uint32_t)i, id2);
        SET(o, "child", jpref(id2, p->id.marking));
        family *fm = &g->fam[p->fam];
        if (fm->nguard) {
            json_t *ow = json_array();
            for (int k = 0; k < fm->nguard; k++) {
                uid(g, T_GUARD, slot, (uint32_t)(p->fam * 2 + k), id2);
                json_array_append_new(ow, jpref(id2, fm->marking));
            }
            SET(o, "owners", ow);
        }
        SET(o, "schoolType", js(p->st == ST_FS ? "FS" : "FTH"));
        SET(o, "startDate", jdate(p->born ? g->pass_day[p->born] : p->st == ST_FS ? p->start : g->year_start));
        if (p->st != ST_FS)
            SET(o, "endDate", jdate(g->year_end));
        uint64_t h = mix64(pkey(g, T_PLACE, slot, (uint32_t)i));
        const char *reason = h % 100 < 85 ? "Omsorgsbehov" : h % 100 < 95 ? "Erbjuden tid" : "Eget behov";
        SET(o, "reason", js(reason));
        SET(o, "maxWeeklyScheduleHours", json_integer(reason[0] == 'E' && reason[1] == 'r' ? 15 : 45));
        if (put(g, K_PLACEMENT, o))
            return -1;
    }

    /* ---- activities */
    for (size_t i = 0; i < g->nact; i++) {
        act *a = &g->acts[i];
        uid(g, T_ACT, slot, (uint32_t)i, id);
        if (q > 0 && a->deleted == q) {
            del(g, K_ACTIVITY, id);
            continue;
        }
        if (q != 0 || (a->deleted && a->deleted <= q))
            continue;
        json_t *o = json_object();
        SET(o, "id", js(id));
        SET(o, "displayName", js(a->name));
        SET(o, "calendarEventsRequired", a->type == 2 ? json_false() : json_true());
        SET(o, "startDate", jdate(g->term_start));
        /* "Övrigt" (mentoring, a school council) runs until further notice. */
        if (a->type != 2)
            SET(o, "endDate", jdate(g->term_end));
        static const char *const at[] = { "Undervisning", "Elevaktivitet", "Övrigt" };
        SET(o, "activityType", js(at[a->type]));
        SET(o, "minutesPlanned", json_integer(a->minutes));
        json_t *gs = json_array();
        uid(g, T_GROUP, slot, (uint32_t)a->group, id2);
        json_array_append_new(gs, jref(id2));
        SET(o, "groups", gs);
        if (a->teacher >= 0) {
            json_t *ts = json_array(), *t = json_object();
            uid(g, T_DUTY, slot, (uint32_t)a->teacher, id2);
            SET(t, "duty", jref(id2));
            SET(t, "startDate", jdate(g->term_start));
            SET(t, "minutesPlanned", json_integer(a->minutes));
            SET(t, "grader", a->type == 0 ? json_true() : json_false());
            json_array_append_new(ts, t);
            SET(o, "teachers", ts);
        }
        if (a->subj >= 0) {
            gid(g, T_SYL, (uint32_t)a->subj, id2);
            SET(o, "syllabus", jref(id2));
        }
        SET(o, "organisation", jref(unit_id));
        if (put(g, K_ACTIVITY, o))
            return -1;
    }

    /* ---- study plans of upper-secondary pupils */
    for (size_t i = 0; i < g->npup; i++) {
        pupil *p = &g->pup[i];
        if (p->st != ST_GY)
            continue;
        uid(g, T_PLAN, slot, (uint32_t)i, id);
        if (q > 0 && p->gone == q) {
            del(g, K_STUDYPLAN, id);
            continue;
        }
        if (!alive(p->born, p->gone, q) || p->born != q)
            continue;
        const demo_programme *pr = &demo_programmes[p->prog];
        json_t *o = json_object();
        SET(o, "id", js(id));
        uid(g, T_PUPIL, slot, (uint32_t)i, id2);
        SET(o, "student", jpref(id2, p->id.marking));
        int y0 = year_of(p->start);
        json_t *content = json_array();
        struct { const char *type; const int *list; int max; } parts[] = {
            { "Gymnasiegemensamma", pr->common, 10 },
            { "Programgemensamma", pr->progcommon, 8 },
            { "Inriktning", pr->ori[p->ori].courses, 6 },
            { "Gymnasiearbete", &pr->project, 1 },
        };
        for (size_t k = 0; k < 4; k++) {
            json_t *c = json_object(), *sy = json_array();
            SET(c, "type", js(parts[k].type));
            SET(c, "points", json_integer(sum_points(parts[k].list, parts[k].max)));
            for (int j = 0; j < parts[k].max && parts[k].list[j] >= 0; j++) {
                json_t *s = json_object();
                gid(g, T_SYL, (uint32_t)SYL_GY(parts[k].list[j]), id2);
                SET(s, "syllabus", jref(id2));
                int yr = k == 2 ? 1 + j % 2 : k == 3 ? 2 : j % 3;
                SET(s, "startDate", jdate(days_from_civil(y0 + yr, 8, 18)));
                SET(s, "endDate", jdate(days_from_civil(y0 + yr + 1, 6, 12)));
                json_array_append_new(sy, s);
            }
            SET(c, "syllabuses", sy);
            json_array_append_new(content, c);
        }
        SET(o, "content", content);
        if (mix64(pkey(g, T_PLAN, slot, (uint32_t)i)) % 10 == 0) {
            json_t *notes = json_array(), *nt = json_object();
            SET(nt, "type", js("Elevens mål med studierna"));
            SET(nt, "note", js("Vill läsa vidare på högskola."));
            json_array_append_new(notes, nt);
            SET(o, "notes", notes);
        }
        SET(o, "startDate", jdate(p->born ? g->pass_day[p->born] : p->start));
        /* An individual plan (one in ten) has no end date set yet. */
        if (mix64(pkey(g, T_PLAN, slot, (uint32_t)i)) % 10 != 5)
            SET(o, "endDate", jdate(days_from_civil(y0 + 3, 6, 12)));
        if (put(g, K_STUDYPLAN, o))
            return -1;
    }

    if (q != 0)
        return 0;

    /* ---- school unit offerings (base pass only) */
    if (u->kind == U_GY || u->kind == U_79) {
        json_t *o = json_object();
        uid(g, T_SUO, slot, 0, id);
        SET(o, "id", js(id));
        SET(o, "startDate", jdate(g->year_start));
        SET(o, "endDate", jdate(g->year_end));
        SET(o, "offeredAt", jref(unit_id));
        json_t *sy = json_array();
        if (u->kind == U_79) {
            for (size_t s = 0; s < demo_n_gr_subjects; s++) {
                gid(g, T_SYL, (uint32_t)SYL_GR(s), id2);
                json_array_append_new(sy, jref(id2));
            }
        } else {
            json_t *pa = json_array();
            char seen[64] = { 0 };
            for (int pi = 0; pi < u->nprog; pi++) {
                const demo_programme *pr = &demo_programmes[u->prog[pi]];
                for (int k = 0; k <= pr->nori; k++) {
                    gid(g, T_PROG, (uint32_t)(3 * u->prog[pi] + k), id2);
                    json_array_append_new(pa, jref(id2));
                }
                const int *lists[] = { pr->common, pr->progcommon, pr->ori[0].courses, pr->ori[1].courses, &pr->project };
                const int maxes[] = { 10, 8, 6, 6, 1 };
                for (int l = 0; l < 5; l++)
                    for (int j = 0; j < maxes[l] && lists[l][j] >= 0; j++) {
                        int c = lists[l][j];
                        if (seen[c])
                            continue;
                        seen[c] = 1;
                        gid(g, T_SYL, (uint32_t)SYL_GY(c), id2);
                        json_array_append_new(sy, jref(id2));
                    }
            }
            SET(o, "offeredProgrammes", pa);
        }
        SET(o, "offeredSyllabuses", sy);
        if (put(g, K_SCHOOLUNITOFFERING, o))
            return -1;
    }

    /* ---- rooms and resources */
    if (u->kind != U_CENTRAL && u->kind != U_OLD) {
        int nroom = 0;
        for (size_t k = 0; k < g->ngrp; k++) {
            grp *gr = &g->grps[k];
            if (gr->type != G_CLASS && gr->type != G_AVD)
                continue;
            json_t *o = json_object();
            uid(g, T_ROOM, slot, (uint32_t)nroom++, id);
            SET(o, "id", js(id));
            if (gr->type == G_AVD)
                snprintf(buf, sizeof buf, "%s (lekrum)", gr->name);
            else
                snprintf(buf, sizeof buf, "Sal %d%02d", 1 + (int)k / 10, (int)k % 10 + 1);
            SET(o, "displayName", js(buf));
            SET(o, "seats", json_integer(gr->type == G_AVD ? 20 : 30 + (int)(k % 3) * 2));
            SET(o, "owner", jref(unit_id));
            if (put(g, K_ROOM, o))
                return -1;
        }
        static const char *const special[] = { "Idrottshall", "Musiksal", "Slöjdsal trä", "NO-sal", "Bibliotek", "Aula" };
        static const int seats[] = { 60, 32, 16, 28, 40, 250 };
        int nsp = u->kind == U_FS ? 1 : u->kind == U_GRS ? 2 : 6;
        for (int i = 0; i < nsp; i++) {
            json_t *o = json_object();
            uid(g, T_ROOM, slot, (uint32_t)nroom++, id);
            SET(o, "id", js(id));
            SET(o, "displayName", js(u->kind == U_FS ? "Ateljén" : special[i]));
            SET(o, "seats", json_integer(u->kind == U_FS ? 12 : seats[i]));
            SET(o, "owner", jref(unit_id));
            if (put(g, K_ROOM, o))
                return -1;
        }
        static const char *const res[][2] = {
            { "Projektor 1", "Portabel projektor med HDMI" },
            { "Datorvagn A", "30 bärbara elevdatorer" },
            { "Datorvagn B", "30 bärbara elevdatorer" },
            { "Dokumentkamera", NULL },
            { "Lådcykel", "Cykel med plats för fyra barn" },
        };
        int nres = u->kind == U_FS ? 1 : u->kind == U_GRS ? 2 : 4;
        for (int i = 0; i < nres; i++) {
            int ri = u->kind == U_FS ? 4 : i;
            json_t *o = json_object();
            uid(g, T_RES, slot, (uint32_t)i, id);
            SET(o, "id", js(id));
            SET(o, "displayName", js(res[ri][0]));
            if (res[ri][1])
                SET(o, "description", js(res[ri][1]));
            SET(o, "owner", jref(unit_id));
            if (put(g, K_RESOURCE, o))
                return -1;
        }
    }
    return 0;
}

/* ----------------------------------------------------------- driver */

static void count_final(gen *g)
{
    for (size_t f = 0; f < g->nfam; f++)
        if (alive(g->fam[f].born, g->fam[f].gone, NPASS - 1))
            g->final_persons += (size_t)g->fam[f].nguard;
    for (size_t i = 0; i < g->npup; i++)
        g->final_persons += alive(g->pup[i].born, g->pup[i].gone, NPASS - 1);
    g->final_persons += g->nstf;
}

static int run_pass(gen *g, int q)
{
    g->pass = q;
    g->io.at_ms = g->pass_ms[q];
    if (q == 0 && (emit_syllabuses(g) || emit_programmes(g)))
        return -1;
    for (int m = 0; m < g->nmuni; m++) {
        muni_setup(g, m);
        g->mult = muni_mult(g, m);
        muni_units(g);
        if (emit_orgs(g))
            return -1;
        if (flush_upserts(g))
            return -1;
        for (size_t i = 0; i < g->nunits; i++) {
            build_unit(g, &g->units[i]);
            if (emit_unit(g, &g->units[i]) || unit_boundary(g))
                return -1;
            if (q == NPASS - 1)
                count_final(g);
            g->units_done++;
            if (g->log && g->scale != DEMO_MITTKOPING && time(NULL) - g->last_progress >= 5) {
                g->last_progress = time(NULL);
                size_t w = 0;
                for (int k = 0; k < K__COUNT; k++)
                    w += g->written[q][k];
                fprintf(g->log, "demo: pass %d: municipality %d/%d, %zu records so far\n", q, m + 1, g->nmuni, w);
                fflush(g->log);
            }
        }
    }
    if (flush_all(g))
        return -1;
    if (g->log) {
        char d[11];
        fmt_date(g->pass_day[q], d);
        fprintf(g->log, "demo: pass %d (%s)%s\n", q, d, q == 0 ? ": base state" : ": changes");
        for (size_t i = 0; i < NORDER; i++) {
            int k = upsert_order[i];
            if (g->written[q][k] || g->deleted[q][k] || g->unchanged[q][k])
                fprintf(g->log, "  %-20s %8zu written %6zu deleted\n", model_kind(k)->name, g->written[q][k],
                        g->deleted[q][k]);
        }
        fflush(g->log);
    }
    return 0;
}

int demo_scale_parse(const char *s, demo_scale *out)
{
    if (!s)
        return -1;
    if (!strcmp(s, "mittkoping") || !strcmp(s, "mittköping") || !strcmp(s, "Mittköping")) {
        *out = DEMO_MITTKOPING;
        return 0;
    }
    if (!strcmp(s, "city")) {
        *out = DEMO_CITY;
        return 0;
    }
    if (!strcmp(s, "nation")) {
        *out = DEMO_NATION;
        return 0;
    }
    return -1;
}

const char *demo_scale_name(demo_scale s)
{
    return s == DEMO_CITY ? "city" : s == DEMO_NATION ? "nation" : "mittkoping";
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int demo_generate(store *st, const demo_opts *o, FILE *log)
{
    double t0 = now_seconds();
    gen *g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    g->st = st;
    g->log = log;
    g->seed = mix64(o->seed ^ 0x6d69747464656d6full);
    g->scale = o->scale;
    g->nmuni = o->scale == DEMO_NATION ? 286 : 1;
    int64_t now = o->now_ms;
    if (!now) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    static const int back_days[NPASS] = { 60, 20, 1 };
    for (int i = 0; i < NPASS; i++) {
        g->pass_ms[i] = now - back_days[i] * DAY_MS;
        g->pass_day[i] = g->pass_ms[i] / DAY_MS;
    }
    g->today = now / DAY_MS;
    int y, m, d;
    civil_from_days(g->today, &y, &m, &d);
    g->acad = m >= 8 ? y : y - 1;
    g->year_start = days_from_civil(g->acad, 8, 19);
    g->year_end = days_from_civil(g->acad + 1, 6, 12);
    int64_t vt = days_from_civil(g->acad + 1, 1, 9);
    if (g->today < vt) {
        g->term_start = g->year_start;
        g->term_end = days_from_civil(g->acad, 12, 20);
    } else {
        g->term_start = vt;
        g->term_end = g->year_end;
    }
    g->io.source = NULL;
    g->io.skip_ref_check = o->scale != DEMO_MITTKOPING;
    for (int k = 0; k < K__COUNT; k++)
        g->acc[k] = json_array();
    if (log) {
        fprintf(log, "demo: building %s (scale %s, seed %llu)\n", o->scale == DEMO_NATION ? "a nation of municipalities" : "Mittköping",
                demo_scale_name(o->scale), (unsigned long long)o->seed);
        fflush(log);
    }
#ifdef __GLIBC__
    /* Building and freeing millions of small JSON nodes makes glibc's
     * fastbin consolidation dominate the run (about 3x slower); without
     * fastbins the freed nodes go straight back to tcache/bins. The
     * default is restored afterwards. */
    mallopt(M_MXFAST, 0);
#endif
    /* Pass 0 only creates: its rows are indexed in one sorted pass at its
     * end. The later passes update and delete what it made. */
    int rc = store_bulk_begin(st, STORE_BULK_LOAD);
    if (!rc)
        rc = run_pass(g, 0);
    if (store_bulk_end(st) && !rc) {
        if (log)
            fprintf(log, "demo: indexing the base state failed: %s\n", store_errmsg(st));
        rc = -1;
    }
    for (int q = 1; q < NPASS && !rc; q++)
        rc = run_pass(g, q);
    demo_tt_stats tts = { 0 };
    /* The timetable creates what it writes too; its walks read the entity
     * table alone (store_bulk_begin), and its deletions come last. */
    if (!rc)
        rc = store_bulk_begin(st, STORE_BULK_LOAD);
    if (!rc)
        rc = demo_timetable(st, o->scale, o->seed, now, log, &tts);
    if (store_bulk_end(st) && !rc) {
        if (log)
            fprintf(log, "demo: indexing the timetable failed: %s\n", store_errmsg(st));
        rc = -1;
    }
#ifdef __GLIBC__
    mallopt(M_MXFAST, (int)(64 * sizeof(size_t) / 4));
#endif
    double secs = now_seconds() - t0;
    size_t ent = 0, dl = 0;
    for (int q = 0; q < NPASS; q++)
        for (int k = 0; k < K__COUNT; k++) {
            ent += g->written[q][k];
            dl += g->deleted[q][k];
        }
    ent += tts.events + tts.attendances + tts.absences + tts.attendance_events + tts.schedules + tts.grades;
    dl += tts.deleted;
    if (log && !rc) {
        fprintf(log, "demo: %zu records written, %zu deleted, %zu persons in %.1f s (%.0f records/s)\n", ent, dl,
                g->final_persons, secs, secs > 0 ? (double)ent / secs : 0.0);
        fflush(log);
    }
    if (o->stats) {
        o->stats->entities = ent;
        o->stats->deleted = dl;
        o->stats->persons = g->final_persons;
        o->stats->seconds = secs;
    }
    for (int k = 0; k < K__COUNT; k++) {
        json_decref(g->acc[k]);
        for (size_t j = 0; j < g->ndel[k]; j++)
            free(g->del[k][j]);
        free(g->del[k]);
    }
    for (size_t k = 0; k < g->ngrp; k++)
        json_decref(g->grps[k].members);
    map_free(&g->eppn);
    map_free(&g->civic);
    free(g->units);
    free(g->fam);
    free(g->pup);
    free(g->stf);
    free(g->dut);
    free(g->grps);
    free(g->acts);
    free(g);
    return rc;
}
