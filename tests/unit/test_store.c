/* store + ingest against a real SQLite file in a temporary directory. */
#include "testutil.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include "access/access.h"
#include "api/query_parse.h"
#include "ingest/ingest.h"
#include "ingest/stream.h"
#include "store/migrations.h"
#include "store/migrations_pg.h"
#include "store/store.h"
#include "util/collate.h"
#include "util/timefmt.h"

typedef struct fixture {
    char dir[256];
    char path[300];
    char url[400]; /* what store_open is given: the SQLite path or a PostgreSQL URL */
    char dbname[64];
    store *st;
    ingest_result *res;
} fixture;

/* The group runs once on SQLite and, when SKOLNAV_TEST_PG names a server
 * (tests/with-pg), once more on PostgreSQL with a fresh database per test. */
static const char *pg_base;
static int on_pg;

static void pg_admin(const char *sql)
{
    char url[400];
    snprintf(url, sizeof url, "%s/postgres", pg_base);
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot reach the test PostgreSQL at %s: %s", url, PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

static void pg_createdb(char *name, size_t n)
{
    static int seq;
    snprintf(name, n, "skolnav_unit_%d_%d", (int)getpid(), ++seq);
    pg_admin(tu_fmt("CREATE DATABASE %s", name));
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/skolnav-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    if (on_pg) {
        pg_createdb(f->dbname, sizeof f->dbname);
        snprintf(f->url, sizeof f->url, "%s/%s", pg_base, f->dbname);
    } else {
        snprintf(f->url, sizeof f->url, "%s", f->path);
    }
    f->res = calloc(1, sizeof *f->res);
    char err[512];
    if (store_open(f->url, 1, &f->st, err, sizeof err)) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

/* An SQLite store's files: the store, the log file beside it, their WAL. */
static void remove_file_store(const char *path)
{
    char err[512];
    if (store_remove(path, err, sizeof err))
        fail_msg("%s", err);
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    remove_file_store(f->path);
    rmdir(f->dir);
    if (on_pg)
        pg_admin(tu_fmt("DROP DATABASE %s", f->dbname));
    free(f->res);
    free(f);
    return 0;
}

/* ---- data */

#define ORG_ROOT "00000000-0000-4000-8000-000000000001"
#define ORG_A "00000000-0000-4000-8000-00000000000a"
#define ORG_B "00000000-0000-4000-8000-00000000000b"
#define ORG_C "00000000-0000-4000-8000-00000000000c"
#define MISSING "00000000-0000-4000-8000-0000000000ff"

static int64_t T(const char *s)
{
    int64_t ms;
    assert_int_equal(time_parse_datetime(s, &ms), 0);
    return ms;
}

static json_t *org(const char *id, const char *name, const char *type, const char *parent, const char *start)
{
    json_t *o = json_pack("{ss ss ss}", "id", id, "displayName", name, "organisationType", type);
    if (parent)
        json_object_set_new(o, "parentOrganisation", json_pack("{ss}", "id", parent));
    if (start)
        json_object_set_new(o, "startDate", json_string(start));
    return o;
}

static int ingest(fixture *f, int kind, json_t *batch, int64_t at)
{
    ingest_opts o = { .at_ms = at, .source = "test" };
    int rc = ingest_batch(f->st, kind, batch, &o, f->res);
    json_decref(batch);
    return rc;
}

static void ingest_ok(fixture *f, int kind, json_t *batch, int64_t at)
{
    if (ingest(f, kind, batch, at)) {
        const ingest_problem *p = &f->res->problems[0];
        fail_msg("ingest failed: [%ld] %s %s: %s", p->index, p->id, p->field, p->message);
    }
}

/* The four organisations: a tree root → A → (B, C); B is given before its parent. */
static void load_orgs(fixture *f, int64_t at)
{
    json_t *b = json_array();
    json_array_append_new(b, org(ORG_B, "Östra skolan", "Skolenhet", ORG_A, "2020-08-01"));
    json_array_append_new(b, org(ORG_ROOT, "Mittköpings kommun", "Huvudman", NULL, NULL));
    json_array_append_new(b, org(ORG_A, "Åsa skola", "Skola", ORG_ROOT, "2010-01-01"));
    json_array_append_new(b, org(ORG_C, "Zelda förskola", "Skolenhet", ORG_A, "2024-01-01"));
    ingest_ok(f, K_ORGANISATION, b, at);
    assert_int_equal(f->res->created, 4);
}

static char *stored_json(fixture *f, int kind, const char *id, store_meta *m)
{
    if (store_entity_meta(f->st, kind, id, 1, m) != STORE_OK)
        fail_msg("entity %s not found", id);
    free(m->source);
    m->source = NULL;
    return m->json;
}

/* ---- tests */

static void open_refusals_sqlite(fixture *f);
static void open_refusals_pg(fixture *f);

static void test_open_migrate(void **state)
{
    fixture *f = *state;
    assert_true(store_schema_version(f->st) >= 1);
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    assert_int_equal(store_setting_set(f->st, "k", "v1"), STORE_OK);
    assert_int_equal(store_setting_set(f->st, "k", "v2"), STORE_OK);
    int v = store_schema_version(f->st);
    store_close(f->st);
    f->st = NULL;

    /* reopening keeps the data and the version, without create too */
    char err[512] = "";
    assert_int_equal(store_open(on_pg ? f->url : tu_fmt("sqlite:%s", f->path), 0, &f->st, err, sizeof err), STORE_OK);
    assert_int_equal(store_schema_version(f->st), v);
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, ORG_A), STORE_OK);
    char *val = NULL;
    assert_int_equal(store_setting_get(f->st, "k", &val), STORE_OK);
    assert_string_equal(val, "v2");
    free(val);
    assert_int_equal(store_setting_get(f->st, "nope", &val), STORE_NOTFOUND);
    assert_null(val);
    /* init sets only what is unset: a second node keeps the first one's value */
    assert_int_equal(store_setting_init(f->st, "k", "v3", &val), STORE_OK);
    assert_string_equal(val, "v2");
    free(val);
    assert_int_equal(store_setting_init(f->st, "fresh", "f1", &val), STORE_OK);
    assert_string_equal(val, "f1");
    free(val);
    store_close(f->st);
    f->st = NULL;

    if (on_pg)
        open_refusals_pg(f);
    else
        open_refusals_sqlite(f);
    assert_int_equal(store_open(f->url, 0, &f->st, err, sizeof err), STORE_OK);
    assert_string_equal(store_backend(f->st), on_pg ? "postgresql" : "sqlite");
}

static void open_refusals_sqlite(fixture *f)
{
    char err[512] = "";
    store *st = NULL;
    /* a missing file without create is refused */
    char missing[320];
    snprintf(missing, sizeof missing, "%s/none.db", f->dir);
    assert_int_equal(store_open(missing, 0, &st, err, sizeof err), STORE_ERR);
    assert_null(st);
    assert_non_null(strstr(err, "none.db"));
    assert_int_equal(access(missing, F_OK), -1);

    /* a file from a newer skolnav is refused, clearly and untouched */
    char newer[320];
    snprintf(newer, sizeof newer, "%s/newer.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(newer, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE x(a); PRAGMA user_version=9999;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    err[0] = 0;
    assert_int_equal(store_open(newer, 1, &st, err, sizeof err), STORE_ERR);
    assert_null(st);
    if (!strstr(err, "9999") || !strstr(err, "newer"))
        fail_msg("unclear message for a newer schema: %s", err);
    assert_int_equal(sqlite3_open(newer, &db), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 9999);
    sqlite3_finalize(s);
    sqlite3_close(db);
    remove_file_store(newer);

    /* not a database at all */
    char junk[320];
    snprintf(junk, sizeof junk, "%s/junk.db", f->dir);
    FILE *fp = fopen(junk, "w");
    fputs("this is not an SQLite database, not even close; it is a text file of some length\n", fp);
    fclose(fp);
    assert_int_equal(store_open(junk, 1, &st, err, sizeof err), STORE_ERR);
    assert_true(err[0]);
    unlink(junk);
    assert_int_equal(store_open("postgres://localhost/x", 1, &st, err, sizeof err), STORE_ERR);

}


static void open_refusals_pg(fixture *f)
{
    char err[512] = "";
    store *st = NULL;
    /* a database that does not exist: the message names it, hides passwords */
    assert_int_equal(store_open(tu_fmt("%s/no_such_db_here", pg_base), 1, &st, err, sizeof err), STORE_ERR);
    assert_null(st);
    assert_non_null(strstr(err, "no_such_db_here"));
    char pw[400];
    snprintf(pw, sizeof pw, "postgresql://someone:s3cret@%s/x", strstr(pg_base, "@") + 1);
    assert_int_equal(store_open(pw, 1, &st, err, sizeof err), STORE_ERR);
    assert_null(strstr(err, "s3cret"));

    /* an empty database without create is refused and left empty */
    char empty[64], url[400];
    pg_createdb(empty, sizeof empty);
    snprintf(url, sizeof url, "%s/%s", pg_base, empty);
    assert_int_equal(store_exists(url, err, sizeof err), 0);
    assert_int_equal(store_open(url, 0, &st, err, sizeof err), STORE_ERR);
    assert_null(st);
    assert_non_null(strstr(err, "no skolnav store"));
    assert_int_equal(store_exists(url, err, sizeof err), 0);

    /* a schema from a newer skolnav is refused, clearly and untouched */
    assert_int_equal(store_open(url, 1, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_exists(url, err, sizeof err), 1);
    assert_int_equal(store_exec(st, "UPDATE skolnav_schema SET version=9999"), STORE_OK);
    store_close(st);
    st = NULL;
    err[0] = 0;
    assert_int_equal(store_open(url, 1, &st, err, sizeof err), STORE_ERR);
    if (!strstr(err, "9999") || !strstr(err, "newer"))
        fail_msg("unclear message for a newer schema: %s", err);
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQexec(c, "SELECT version FROM skolnav_schema");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "9999");
    PQclear(r);
    PQfinish(c);

    /* a connection lost between transactions (server restart, failover) is
     * opened again by the next call after the one that found it gone */
    assert_int_equal(store_remove(url, err, sizeof err), STORE_OK);
    assert_int_equal(store_open(url, 1, &st, err, sizeof err), STORE_OK);
    pg_admin(tu_fmt("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname='%s'", empty));
    assert_int_equal(store_entity_exists(st, K_PERSON, TU_UUID1), STORE_ERR); /* finds it gone */
    assert_int_equal(store_entity_exists(st, K_PERSON, TU_UUID1), STORE_NOTFOUND);
    char *val = NULL;
    assert_int_equal(store_setting_init(st, "after", "reconnect", &val), STORE_OK);
    assert_string_equal(val, "reconnect");
    free(val);
    /* inside a transaction a lost connection is an error, never a silent new session */
    assert_int_equal(store_begin(st), STORE_OK);
    pg_admin(tu_fmt("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname='%s'", empty));
    assert_int_equal(store_entity_exists(st, K_PERSON, TU_UUID1), STORE_ERR);
    assert_int_equal(store_entity_exists(st, K_PERSON, TU_UUID1), STORE_ERR);
    assert_non_null(strstr(store_errmsg(st), "lost"));
    store_rollback(st);
    assert_int_equal(store_entity_exists(st, K_PERSON, TU_UUID1), STORE_NOTFOUND);
    store_close(st);
    st = NULL;

    /* store_remove drops the skolnav tables; the database is then empty again */
    assert_int_equal(store_remove(url, err, sizeof err), STORE_OK);
    assert_int_equal(store_exists(url, err, sizeof err), 0);
    pg_admin(tu_fmt("DROP DATABASE %s", empty));
    (void)f;
}

static void test_ingest_references(void **state)
{
    fixture *f = *state;
    int64_t t0 = T("2024-01-01T00:00:00Z");
    load_orgs(f, t0);
    /* a reference to a missing organisation: the whole batch is refused */
    json_t *b = json_array();
    json_array_append_new(b, org(TU_UUID1, "Ny skola", "Skola", ORG_ROOT, NULL));
    json_array_append_new(b, org(TU_UUID2, "Fel skola", "Skola", MISSING, NULL));
    assert_int_equal(ingest(f, K_ORGANISATION, b, t0), -1);
    assert_true(f->res->nproblems >= 1);
    assert_int_equal(f->res->problems[0].index, 1);
    assert_string_equal(f->res->problems[0].field, "parentOrganisation");
    assert_non_null(strstr(f->res->problems[0].message, MISSING));
    assert_int_equal(f->res->created, 0);
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, TU_UUID1), STORE_NOTFOUND);
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, TU_UUID2), STORE_NOTFOUND);

    /* a duplicate id in one batch (case differs) */
    b = json_array();
    json_array_append_new(b, org(TU_UUID1, "Ny skola", "Skola", NULL, NULL));
    json_array_append_new(b, org("0B5F6C2E-3D4A-4E5F-8A6B-7C8D9E0F1A2B", "Samma", "Skola", NULL, NULL));
    assert_int_equal(ingest(f, K_ORGANISATION, b, t0), -1);
    assert_string_equal(f->res->problems[0].field, "id");
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, TU_UUID1), STORE_NOTFOUND);

    /* an invalid record: nothing written */
    b = json_array();
    json_array_append_new(b, org(TU_UUID1, "Ny skola", "Skola", NULL, NULL));
    json_array_append_new(b, org(TU_UUID2, "Fel", "Skolan", NULL, NULL));
    assert_int_equal(ingest(f, K_ORGANISATION, b, t0), -1);
    assert_int_equal(f->res->problems[0].index, 1);
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, TU_UUID1), STORE_NOTFOUND);

    /* not an array; kinds that cannot be ingested */
    assert_int_equal(ingest(f, K_ORGANISATION, json_object(), t0), -1);
    assert_int_equal(ingest(f, K_AGGREGATEDATTENDANCE, json_array(), t0), -1);
    ingest_ok(f, K_ORGANISATION, json_array(), t0);

    /* persons referring to the store's organisations (through enrolments) */
    const field *en = model_field(model_kind(K_PERSON)->fields, "enrolments");
    assert_non_null(en);
    assert_non_null(model_field(en->sub, "enroledAt"));
    json_t *p = tu_min_entity(K_PERSON);
    json_object_set_new(p, "id", json_string(TU_UUID3));
    json_object_set_new(p, "givenName", json_string("Åsa"));
    json_object_set_new(p, "familyName", json_string("Berg"));
    json_t *item = tu_min_object(en->sub, 0);
    json_object_set_new(item, "enroledAt", json_pack("{ss}", "id", ORG_B));
    json_object_set_new(p, "enrolments", json_pack("[o]", item));
    json_t *bad_p = json_deep_copy(p);
    json_object_set_new(json_array_get(json_object_get(bad_p, "enrolments"), 0), "enroledAt", json_pack("{ss}", "id", MISSING));
    json_object_set_new(bad_p, "id", json_string(TU_UUID1));
    assert_int_equal(ingest(f, K_PERSON, json_pack("[O o]", p, bad_p), t0), -1);
    assert_string_equal(f->res->problems[0].field, "enrolments[0].enroledAt");
    assert_int_equal(store_entity_exists(f->st, K_PERSON, TU_UUID3), STORE_NOTFOUND);
    ingest_ok(f, K_PERSON, json_pack("[o]", p), t0);
    assert_int_equal(f->res->created, 1);
    assert_int_equal(store_entity_exists(f->st, K_PERSON, TU_UUID3), STORE_OK);
    /* a person id is not an organisation */
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, TU_UUID3), STORE_NOTFOUND);

    /* skip_ref_check trusts the references */
    ingest_opts o = { .at_ms = t0, .skip_ref_check = 1 };
    b = json_array();
    json_array_append_new(b, org(TU_UUID2, "Betrodd", "Skola", MISSING, NULL));
    assert_int_equal(ingest_batch(f->st, K_ORGANISATION, b, &o, f->res), 0);
    json_decref(b);
}

static void test_meta_modified(void **state)
{
    fixture *f = *state;
    int64_t t0 = T("2024-01-01T00:00:00Z"), t1 = T("2024-02-01T00:00:00Z"), t2 = T("2024-03-01T00:00:00Z");
    load_orgs(f, t0);
    store_meta m;
    char *j0 = stored_json(f, K_ORGANISATION, ORG_A, &m);
    assert_int_equal(m.created, t0);
    assert_int_equal(m.modified, t0);
    json_t *doc = json_loads(j0, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "meta"), "modified")),
                        "2024-01-01T00:00:00.000Z");
    json_decref(doc);

    /* the same content again (upper-case ids, a displayName in the
     * reference, a meta of its own) changes nothing */
    json_t *same = org("00000000-0000-4000-8000-00000000000A", "Åsa skola", "Skola", ORG_ROOT, "2010-01-01");
    json_object_set_new(json_object_get(same, "parentOrganisation"), "displayName", json_string("x"));
    json_object_set_new(same, "meta", json_pack("{ss ss}", "created", "2000-01-01T00:00:00Z", "modified", "2000-01-01T00:00:00Z"));
    ingest_ok(f, K_ORGANISATION, json_pack("[o]", same), t1);
    assert_int_equal(f->res->unchanged, 1);
    assert_int_equal(f->res->updated, 0);
    char *j1 = stored_json(f, K_ORGANISATION, ORG_A, &m);
    assert_int_equal(m.modified, t0);
    assert_string_equal(j0, j1);
    free(j1);

    /* a change bumps modified, keeps created */
    ingest_ok(f, K_ORGANISATION, json_pack("[o]", org(ORG_A, "Åsa skola", "Skola", ORG_ROOT, "2011-01-01")), t2);
    assert_int_equal(f->res->updated, 1);
    char *j2 = stored_json(f, K_ORGANISATION, ORG_A, &m);
    assert_int_equal(m.created, t0);
    assert_int_equal(m.modified, t2);
    assert_non_null(strstr(j2, "2011-01-01"));
    assert_non_null(strstr(j2, "\"created\":\"2024-01-01T00:00:00.000Z\""));
    free(j2);
    free(j0);
}

typedef struct tombs {
    int64_t seq[16];
    int kind[16];
    char id[16][UUID_STR_LEN];
    int n;
} tombs;

static int tomb_fn(void *ctx, int64_t seq, int kind, const char *id)
{
    tombs *t = ctx;
    assert_true(t->n < 16);
    t->seq[t->n] = seq;
    t->kind[t->n] = kind;
    snprintf(t->id[t->n], UUID_STR_LEN, "%s", id);
    t->n++;
    return 0;
}

/* Another source can neither change nor delete an entity: every one is
 * listed with its owner, and nothing of the batch is written. */
static void test_ownership(void **state)
{
    fixture *f = *state;
    int64_t t0 = T("2024-01-01T00:00:00Z");
    load_orgs(f, t0);
    ingest_opts o = { .at_ms = t0 + 1000, .source = "other" };
    json_t *b = json_array();
    json_array_append_new(b, org("00000000-0000-4000-8000-0000000000EE", "New", "Skolenhet", NULL, NULL));
    json_array_append_new(b, org(ORG_B, "Renamed B", "Skolenhet", ORG_A, NULL));
    json_array_append_new(b, org(ORG_C, "Renamed C", "Skolenhet", ORG_A, NULL));
    assert_int_equal(ingest_batch(f->st, K_ORGANISATION, b, &o, f->res), -1);
    json_decref(b);
    assert_int_equal(f->res->nconflicts, 2);
    assert_int_equal(f->res->problems[0].index, 1);
    assert_non_null(strstr(f->res->problems[0].message, "belongs to source 'test'; source 'other' cannot"));
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, "00000000-0000-4000-8000-0000000000ee"), STORE_NOTFOUND);
    const char *ids[] = { ORG_B };
    assert_int_equal(ingest_delete(f->st, K_ORGANISATION, ids, 1, &o, f->res), -1);
    assert_int_equal(f->res->nconflicts, 1);
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, ORG_B), STORE_OK);
}

static void test_delete_tombstone(void **state)
{
    fixture *f = *state;
    int64_t t0 = T("2024-01-01T00:00:00Z"), t1 = T("2024-05-01T00:00:00Z");
    load_orgs(f, t0);
    ingest_opts o = { .at_ms = t1, .source = "test" }; /* the owner of load_orgs' entities */
    const char *ids[] = { "00000000-0000-4000-8000-00000000000C" };
    assert_int_equal(ingest_delete(f->st, K_ORGANISATION, ids, 1, &o, f->res), 0);
    assert_int_equal(f->res->deleted, 1);
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, ORG_C), STORE_NOTFOUND);
    /* unknown and malformed ids are problems; nothing is deleted then */
    const char *bad[] = { ORG_B, MISSING };
    assert_int_equal(ingest_delete(f->st, K_ORGANISATION, bad, 2, &o, f->res), -1);
    assert_int_equal(f->res->deleted, 0);
    assert_int_equal(store_entity_exists(f->st, K_ORGANISATION, ORG_B), STORE_OK);
    const char *notuuid[] = { "nope" };
    assert_int_equal(ingest_delete(f->st, K_ORGANISATION, notuuid, 1, &o, f->res), -1);

    query q;
    query_init(&q, NULL);
    q.deleted = 1;
    tombs t = { 0 };
    assert_int_equal(store_deleted(f->st, &q, 100, tomb_fn, &t), STORE_OK);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.kind[0], K_ORGANISATION);
    assert_string_equal(t.id[0], ORG_C);
    /* filtered by time and kind, paged by sequence */
    q.has_after = 1;
    q.after_ms = t1;
    memset(&t, 0, sizeof t);
    assert_int_equal(store_deleted(f->st, &q, 100, tomb_fn, &t), STORE_OK);
    assert_int_equal(t.n, 0); /* after is exclusive */
    q.after_ms = t1 - 1;
    assert_int_equal(store_deleted(f->st, &q, 100, tomb_fn, &t), STORE_OK);
    assert_int_equal(t.n, 1);
    q.has_after = 0;
    q.entities = 1u << K_PERSON;
    memset(&t, 0, sizeof t);
    assert_int_equal(store_deleted(f->st, &q, 100, tomb_fn, &t), STORE_OK);
    assert_int_equal(t.n, 0);
    q.entities = 0;
    const char *two[] = { ORG_B };
    assert_int_equal(ingest_delete(f->st, K_ORGANISATION, two, 1, &o, f->res), 0);
    memset(&t, 0, sizeof t);
    assert_int_equal(store_deleted(f->st, &q, 1, tomb_fn, &t), STORE_OK);
    assert_int_equal(t.n, 1);
    q.cur_seq = t.seq[0];
    assert_int_equal(store_deleted(f->st, &q, 1, tomb_fn, &t), STORE_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.id[1], ORG_B);
    assert_true(t.seq[1] > t.seq[0]);
    query_free(&q);
    /* a deleted entity can come back */
    ingest_ok(f, K_ORGANISATION, json_pack("[o]", org(ORG_C, "Zelda förskola", "Skolenhet", ORG_A, NULL)), t1);
    assert_int_equal(f->res->created, 1);
}

/* ---- lists */

typedef struct rows {
    char id[64][UUID_STR_LEN];
    char name[64][128];
    unsigned char *sortv[64];
    size_t sortvlen[64];
    int n;
} rows;

static int row_fn(void *ctx, const store_row *r)
{
    rows *x = ctx;
    assert_true(x->n < 64);
    snprintf(x->id[x->n], UUID_STR_LEN, "%s", r->id);
    json_t *doc = json_loadb(r->json, r->jsonlen, 0, NULL);
    assert_non_null(doc);
    snprintf(x->name[x->n], 128, "%s", json_string_value(json_object_get(doc, "displayName")));
    assert_string_equal(json_string_value(json_object_get(doc, "id")), r->id);
    json_decref(doc);
    x->sortv[x->n] = r->sortvlen ? malloc(r->sortvlen) : NULL;
    if (r->sortvlen)
        memcpy(x->sortv[x->n], r->sortv, r->sortvlen);
    x->sortvlen[x->n] = r->sortvlen;
    x->n++;
    return 0;
}

static void rows_clear(rows *x)
{
    for (int i = 0; i < x->n; i++)
        free(x->sortv[i]);
    memset(x, 0, sizeof *x);
}

static void list(fixture *f, const char *raw, rows *out)
{
    qs in;
    api_error e;
    query q;
    assert_int_equal(qs_parse(raw, &in, &e), 0);
    if (query_parse(OPK_LIST, model_kind(K_ORGANISATION), &in, NULL, &q, &e))
        fail_msg("'%s': %s", raw, e.message);
    qs_free(&in);
    rows_clear(out);
    if (store_list(f->st, &q, 100, row_fn, out) != STORE_OK)
        fail_msg("store_list '%s': %s", raw, store_errmsg(f->st));
    query_free(&q);
}

static int has(const rows *x, const char *id)
{
    for (int i = 0; i < x->n; i++)
        if (!strcmp(x->id[i], id))
            return 1;
    return 0;
}

static void test_list_filters(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    ingest_ok(f, K_ORGANISATION, json_pack("[o]", org(ORG_B, "Östra skolan", "Skolenhet", ORG_A, "2020-08-02")),
              T("2024-02-01T00:00:00Z"));
    ingest_ok(f, K_ORGANISATION, json_pack("[o]", org(ORG_C, "Zelda förskola", "Skolenhet", ORG_A, "2024-01-02")),
              T("2024-03-01T00:00:00Z"));
    rows r = { 0 };
    list(f, "", &r);
    assert_int_equal(r.n, 4);
    /* without sortkey: arrival order, which updates do not change */
    const char *arrival[] = { ORG_B, ORG_ROOT, ORG_A, ORG_C };
    for (int i = 0; i < r.n; i++)
        assert_string_equal(r.id[i], arrival[i]);

    list(f, "type=Skolenhet", &r);
    assert_int_equal(r.n, 2);
    assert_true(has(&r, ORG_B) && has(&r, ORG_C));
    list(f, "type=Skolenhet,Huvudman", &r);
    assert_int_equal(r.n, 3);
    list(f, "type=Bolag", &r);
    assert_int_equal(r.n, 0);
    list(f, "parent=" ORG_A, &r);
    assert_int_equal(r.n, 2);
    list(f, "parent=00000000-0000-4000-8000-00000000000A&type=Skolenhet", &r);
    assert_int_equal(r.n, 2);
    list(f, "parent=" ORG_ROOT "&type=Skolenhet", &r);
    assert_int_equal(r.n, 0);

    /* date window; organisations without a startDate count as open */
    list(f, "startDate.onOrAfter=2020-08-02", &r);
    assert_int_equal(r.n, 3); /* B (on the day), C, and the root without a start */
    assert_true(has(&r, ORG_B) && has(&r, ORG_C) && has(&r, ORG_ROOT));
    list(f, "startDate.onOrBefore=2020-08-01", &r);
    assert_int_equal(r.n, 2);
    assert_true(has(&r, ORG_A) && has(&r, ORG_ROOT));
    list(f, "startDate.onOrAfter=2015-01-01&startDate.onOrBefore=2023-12-31&type=Skolenhet", &r);
    assert_int_equal(r.n, 1);
    assert_true(has(&r, ORG_B));

    /* meta.modified: after is exclusive, before inclusive */
    list(f, "meta.modified.after=2024-02-01T00:00:00Z", &r);
    assert_int_equal(r.n, 1);
    assert_true(has(&r, ORG_C));
    list(f, "meta.modified.after=2024-02-01T00:59:59.999%2B01:00", &r);
    assert_int_equal(r.n, 2);
    list(f, "meta.modified.before=2024-02-01T00:00:00Z", &r);
    assert_int_equal(r.n, 3);
    assert_false(has(&r, ORG_C));
    list(f, "meta.modified.before=2024-01-31T23:59:59.999Z", &r);
    assert_int_equal(r.n, 2);
    list(f, "meta.modified.after=2024-01-01T00:00:00Z&meta.modified.before=2024-02-01T00:00:00Z", &r);
    assert_int_equal(r.n, 1);
    assert_true(has(&r, ORG_B));
    list(f, "meta.created.before=2024-01-01T00:00:00Z", &r);
    assert_int_equal(r.n, 4);
    list(f, "meta.created.after=2024-01-01T00:00:00Z", &r);
    assert_int_equal(r.n, 0);
    rows_clear(&r);
}

/* Pages through organisations sorted by `sortkey`, limit per page, and
 * returns every id in page order. */
static int page_all(fixture *f, const char *sortkey, long limit, rows *all)
{
    const kind_desc *k = model_kind(K_ORGANISATION);
    query q;
    query_init(&q, k);
    q.sort = sortkey ? model_sort(k, sortkey) : NULL;
    if (sortkey)
        assert_non_null(q.sort);
    memset(all, 0, sizeof *all);
    int pages = 0;
    for (;;) {
        rows page = { 0 };
        assert_int_equal(store_list(f->st, &q, limit, row_fn, &page), STORE_OK);
        pages++;
        assert_true(page.n <= limit);
        for (int i = 0; i < page.n; i++) {
            assert_true(all->n < 64);
            memcpy(all->id[all->n], page.id[i], UUID_STR_LEN);
            memcpy(all->name[all->n], page.name[i], 128);
            all->n++;
        }
        if (page.n < limit) {
            rows_clear(&page);
            break;
        }
        /* the cursor: last row's sort value and id */
        free(q.cur_v);
        q.has_cursor = 1;
        q.cur_v = page.sortv[page.n - 1];
        q.cur_vlen = page.sortvlen[page.n - 1];
        page.sortv[page.n - 1] = NULL;
        memcpy(q.cur_id, page.id[page.n - 1], UUID_STR_LEN);
        rows_clear(&page);
        assert_true(pages < 100);
    }
    query_free(&q);
    return pages;
}

static void test_keyset_paging(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    /* more organisations, some with equal names (ties broken by id) */
    const char *names[] = { "Anna skola", "anna skola", "Émile skola", "Erik skola", "Edvin skola", "Ärla skola",
                            "Anna skola", "Bertil skola", "Östen skola", "Åsa skola", "Zorn skola", "Oskar skola" };
    json_t *b = json_array();
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char id[UUID_STR_LEN];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-0000000001%02zx", (sizeof names / sizeof *names - i) * 7);
        json_array_append_new(b, org(id, names[i], "Skolenhet", ORG_A, NULL));
    }
    ingest_ok(f, K_ORGANISATION, b, T("2024-01-02T00:00:00Z"));
    int total = 4 + (int)(sizeof names / sizeof *names);

    for (long limit = 1; limit <= 5; limit++) {
        rows all;
        int pages = page_all(f, "DisplayNameAsc", limit, &all);
        assert_int_equal(all.n, total);
        assert_true(pages >= total / limit);
        for (int i = 0; i < all.n; i++)
            for (int j = 0; j < i; j++)
                if (!strcmp(all.id[i], all.id[j]))
                    fail_msg("limit %ld: %s seen twice", limit, all.id[i]);
        for (int i = 1; i < all.n; i++) {
            int c = collate_cmp(all.name[i - 1], all.name[i]);
            if (c > 0 || (c == 0 && strcmp(all.id[i - 1], all.id[i]) >= 0))
                fail_msg("limit %ld: '%s' (%s) sorted before '%s' (%s)", limit, all.name[i - 1], all.id[i - 1],
                         all.name[i], all.id[i]);
        }
        /* Swedish order: Zorn < Åsa < Ärla < Östen, Émile among the E's */
        int zi = -1, ai = -1, oi = -1, ei = -1, edv = -1, eri = -1;
        for (int i = 0; i < all.n; i++) {
            if (!strcmp(all.name[i], "Zorn skola")) zi = i;
            if (!strcmp(all.name[i], "Åsa skola")) ai = i;
            if (!strcmp(all.name[i], "Östen skola")) oi = i;
            if (!strcmp(all.name[i], "Émile skola")) ei = i;
            if (!strcmp(all.name[i], "Edvin skola")) edv = i;
            if (!strcmp(all.name[i], "Erik skola")) eri = i;
        }
        assert_true(zi < ai && ai < oi);
        assert_true(edv < ei && ei < eri);

        /* arrival order, and ModifiedDesc */
        page_all(f, NULL, limit, &all);
        assert_int_equal(all.n, total);
        assert_string_equal(all.id[0], ORG_B);
        assert_string_equal(all.id[3], ORG_C);
        for (int i = 4; i < all.n; i++) {
            char id[UUID_STR_LEN];
            snprintf(id, sizeof id, "00000000-0000-4000-8000-0000000001%02zx",
                     (sizeof names / sizeof *names - (size_t)(i - 4)) * 7);
            assert_string_equal(all.id[i], id);
        }
        page_all(f, "ModifiedDesc", limit, &all);
        assert_int_equal(all.n, total);
        for (int i = 0; i < all.n; i++)
            for (int j = 0; j < i; j++)
                assert_string_not_equal(all.id[i], all.id[j]);
        /* the four from the first batch (older) come last */
        for (int i = all.n - 4; i < all.n; i++)
            assert_true(!strcmp(all.id[i], ORG_ROOT) || !strcmp(all.id[i], ORG_A) || !strcmp(all.id[i], ORG_B) ||
                        !strcmp(all.id[i], ORG_C));
    }
}

/* A file written by the first schema (entities keyed by id, no derived
 * rows yet) is upgraded in place on open: the data stays, the derived rows
 * are built, filters, sorts and arrival order work, writes go on. */
static void test_upgrade_v1_file(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    f->st = NULL;
    char old[320];
    snprintf(old, sizeof old, "%s/v1.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sqlite_migrations[0], NULL, NULL, NULL), SQLITE_OK);
    const struct { const char *id, *json; int64_t created; } v1[] = {
        { ORG_B, "{\"id\":\"" ORG_B "\",\"meta\":{\"created\":\"2024-01-02T00:00:00.000Z\",\"modified\":"
                 "\"2024-01-02T00:00:00.000Z\"},\"displayName\":\"Östra skolan\",\"organisationType\":"
                 "\"Skolenhet\",\"parentOrganisation\":{\"id\":\"" ORG_A "\"}}", 2 },
        { ORG_A, "{\"id\":\"" ORG_A "\",\"meta\":{\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":"
                 "\"2024-01-01T00:00:00.000Z\"},\"displayName\":\"Åsa skola\",\"organisationType\":\"Skola\"}", 1 },
        { ORG_C, "{\"id\":\"" ORG_C "\",\"meta\":{\"created\":\"2024-01-03T00:00:00.000Z\",\"modified\":"
                 "\"2024-01-03T00:00:00.000Z\"},\"displayName\":\"Zelda förskola\",\"organisationType\":"
                 "\"Skolenhet\",\"parentOrganisation\":{\"id\":\"" ORG_A "\"}}", 3 },
    };
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO entity(kind,id,json,created,modified) VALUES(0,?,?,?,?)",
                                        -1, &ins, NULL), SQLITE_OK);
    for (size_t i = 0; i < 3; i++) {
        sqlite3_bind_text(ins, 1, v1[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, v1[i].json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, v1[i].created);
        sqlite3_bind_int64(ins, 4, v1[i].created);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    char err[512] = "";
    if (store_open(old, 0, &f->st, err, sizeof err))
        fail_msg("upgrading a version 1 file: %s", err);
    assert_int_equal(store_schema_version(f->st), (int)(sizeof sqlite_migrations / sizeof *sqlite_migrations));
    rows r = { 0 };
    list(f, "", &r); /* arrival order: by creation */
    assert_int_equal(r.n, 3);
    assert_string_equal(r.id[0], ORG_A);
    assert_string_equal(r.id[1], ORG_B);
    assert_string_equal(r.id[2], ORG_C);
    list(f, "type=Skolenhet", &r); /* index rows were built */
    assert_int_equal(r.n, 2);
    list(f, "parent=" ORG_A, &r);
    assert_int_equal(r.n, 2);
    list(f, "sortkey=DisplayNameAsc", &r); /* sort rows too, in Swedish order */
    assert_int_equal(r.n, 3);
    assert_string_equal(r.id[0], ORG_C);
    assert_string_equal(r.id[1], ORG_A);
    assert_string_equal(r.id[2], ORG_B);
    /* writes go on after the upgrade: a new one arrives last */
    ingest_ok(f, K_ORGANISATION, json_pack("[o]", org(ORG_ROOT, "Mittköpings kommun", "Huvudman", NULL, NULL)),
              T("2024-02-01T00:00:00Z"));
    list(f, "", &r);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.id[3], ORG_ROOT);
    rows_clear(&r);
    store_close(f->st);
    f->st = NULL;
    remove_file_store(old);
    /* the fixture's own file, reopened for teardown */
    assert_int_equal(store_open(f->path, 1, &f->st, err, sizeof err), STORE_OK);
}

static int64_t sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* A version 10 file keeps a journal row per person; migration 11 folds
 * those into ledger before it replaces the journal, so no disclosure
 * recorded before the upgrade is lost, and the journal of today (12's,
 * persons grouped by categories) unpacks through ledger_pending. */
static void test_upgrade_v10_journal(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    f->st = NULL;
    char old[320];
    snprintf(old, sizeof old, "%s/v10.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
    for (int i = 0; i < 10; i++)
        assert_int_equal(sqlite3_exec(db, sqlite_migrations[i], NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO ledger VALUES('c1','api','p1',1,100,100);"
                                  "INSERT INTO ledger_journal VALUES('p1','c1','api',4,300);"
                                  "INSERT INTO ledger_journal VALUES('p2','c1','api',1,200);"
                                  "INSERT INTO ledger_journal VALUES('p2','c1','api',8,250);"
                                  "INSERT INTO ledger_journal VALUES('p2','c1','scim',2,260);"
                                  "PRAGMA user_version=10",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[512] = "";
    if (store_open(old, 0, &f->st, err, sizeof err))
        fail_msg("upgrading a version 10 file: %s", err);
    store_close(f->st);
    f->st = NULL;
    assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, tu_fmt("ATTACH '%s-log' AS log", old), NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM ledger"), 3);
    assert_int_equal(sql_int(db, "SELECT cats*1000+first FROM ledger WHERE person='p1'"), 5100);
    assert_int_equal(sql_int(db, "SELECT last FROM ledger WHERE person='p1'"), 300);
    assert_int_equal(sql_int(db, "SELECT cats*1000+first FROM ledger WHERE person='p2' AND channel='api'"), 9200);
    assert_int_equal(sql_int(db, "SELECT last FROM ledger WHERE person='p2' AND channel='api'"), 250);
    assert_int_equal(sql_int(db, "SELECT cats FROM ledger WHERE person='p2' AND channel='scim'"), 2);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM ledger_journal"), 0);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO ledger_journal(client, channel, at, persons)"
                                  " VALUES('c2','api',400,'{\"3\":[\"p1\"],\"16\":[\"p3\"]}')",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM ledger_pending WHERE client='c2' AND at=400"), 2);
    assert_int_equal(sql_int(db, "SELECT cats FROM ledger_pending WHERE person='p3'"), 16);
    sqlite3_close(db);
    remove_file_store(old);
    assert_int_equal(store_open(f->path, 1, &f->st, err, sizeof err), STORE_OK);
}

static int64_t store_int(store *st, const char *sql)
{
    store_stmt *s;
    assert_int_equal(store_prepare(st, sql, &s), STORE_OK);
    int rc = store_step(s);
    if (rc != 1)
        fail_msg("%s: %s", sql, rc < 0 ? store_errmsg(st) : "no row");
    int64_t v = store_col_int(s, 0);
    store_finalize(s);
    return v;
}

/* "cats first last" of one ledger row, through the view. */
static const char *ledger_of(store *st, const char *client, const char *channel, const char *person)
{
    static char out[96];
    store_stmt *s;
    assert_int_equal(store_prepare(st, "SELECT cats, first, last FROM ledger WHERE client=? AND channel=? AND person=?", &s),
                     STORE_OK);
    store_bind_text(s, 1, client);
    store_bind_text(s, 2, channel);
    store_bind_text(s, 3, person);
    if (store_step(s) == 1)
        snprintf(out, sizeof out, "%lld %lld %lld", (long long)store_col_int(s, 0), (long long)store_col_int(s, 1),
                 (long long)store_col_int(s, 2));
    else
        snprintf(out, sizeof out, "none");
    store_finalize(s);
    return out;
}

static void journal_add(store *st, const char *client, int64_t at, const char *persons)
{
    store_stmt *s;
    assert_int_equal(store_begin(st), STORE_OK);
    assert_int_equal(store_prepare(st, "INSERT INTO ledger_journal(client, channel, at, persons) VALUES(?,'api',?,?)", &s),
                     STORE_OK);
    store_bind_text(s, 1, client);
    store_bind_int(s, 2, at);
    store_bind_text(s, 3, persons);
    assert_int_equal(store_step(s), 0);
    store_finalize(s);
    assert_int_equal(store_commit(st), STORE_OK);
}

/* 11's ledger (keyed by the client's id as text) and its journal
 * ({"person": categories} per response), on either backend. */
static const char v11_ledger[] =
    "INSERT INTO ledger(client, channel, person, cats, first, last) VALUES('c1','api','p1',1,100,100);"
    "INSERT INTO ledger(client, channel, person, cats, first, last) VALUES('c1','api','p2',2,150,500);"
    "INSERT INTO ledger(client, channel, person, cats, first, last) VALUES('c1','scim','p1',4,120,130);"
    "INSERT INTO ledger_journal(client, channel, at, persons) VALUES('c1','api',300,'{\"p1\":8,\"p3\":1}');"
    "INSERT INTO ledger_journal(client, channel, at, persons) VALUES('c2','export',350,'{\"p1\":16}');"
    "INSERT INTO ledger_journal(client, channel, at, persons) VALUES('c1','api',400,'{\"p3\":2}')";

/* Replaces the fixture's store by one at schema `version`: the first
 * `version` migrations, then the `extra` statements (the data that
 * version held), then opens it, which runs the migrations after it. */
static void build_old_store(fixture *f, int version, const char *const *extra, size_t nextra)
{
    store_close(f->st);
    f->st = NULL;
    if (on_pg) {
        pg_admin(tu_fmt("DROP DATABASE %s", f->dbname));
        pg_admin(tu_fmt("CREATE DATABASE %s", f->dbname));
        PGconn *c = PQconnectdb(f->url);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        for (size_t i = 0; i < (size_t)version + nextra + 1; i++) {
            const char *sql = i < (size_t)version            ? pg_migrations[i]
                              : i < (size_t)version + nextra ? extra[i - (size_t)version]
                                                             : tu_fmt("CREATE TABLE skolnav_schema(version integer NOT NULL);"
                                                                      " INSERT INTO skolnav_schema VALUES(%d)",
                                                                      version);
            PGresult *r = PQexec(c, sql);
            if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
                fail_msg("building a version %d store, step %zu: %s", version, i, PQerrorMessage(c));
            PQclear(r);
        }
        PQfinish(c);
    } else {
        remove_file_store(f->path);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
        for (int i = 0; i < version; i++)
            assert_int_equal(sqlite3_exec(db, sqlite_migrations[i], NULL, NULL, NULL), SQLITE_OK);
        for (size_t i = 0; i < nextra; i++)
            assert_int_equal(sqlite3_exec(db, extra[i], NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, tu_fmt("PRAGMA user_version=%d", version), NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    (void)pg_tables;
    (void)pg_tables_first;
}

static store *upgrade_from(fixture *f, int version, const char *const *extra, size_t nextra)
{
    build_old_store(f, version, extra, nextra);
    char err[512] = "";
    if (store_open(f->url, 0, &f->st, err, sizeof err))
        fail_msg("upgrading a version %d store: %s", version, err);
    assert_int_equal(store_schema_version(f->st), (int)(sizeof sqlite_migrations / sizeof *sqlite_migrations));
    return f->st;
}

/* Migration 12 keys the ledger by reader (a small integer per client and
 * channel) and changes the journal's form. A version 11 store keeps
 * every disclosure: its ledger rows and its journal's (folded first) are
 * in the ledger view as before, under one reader per (client, channel),
 * and the new journal folds onto them. Both backends. */
static void test_upgrade_v11_ledger(void **state)
{
    const char *const extra[] = { v11_ledger };
    store *st = upgrade_from(*state, 11, extra, 1);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_reader"), 3);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_row"), 5);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_journal"), 0);
    assert_string_equal(ledger_of(st, "c1", "api", "p1"), "9 100 300");
    assert_string_equal(ledger_of(st, "c1", "api", "p2"), "2 150 500");
    assert_string_equal(ledger_of(st, "c1", "scim", "p1"), "4 120 130");
    assert_string_equal(ledger_of(st, "c1", "api", "p3"), "3 300 400");
    assert_string_equal(ledger_of(st, "c2", "export", "p1"), "16 350 350");
    json_t *list;
    assert_int_equal(access_person_disclosures(st, "p1", &list), 0);
    assert_int_equal(json_array_size(list), 3);
    json_decref(list);

    /* today's journal: persons grouped by categories; a new reader (c3) */
    journal_add(st, "c1", 1000, "{\"32\":[\"p2\",\"p4\"],\"1\":[\"p5\"]}");
    journal_add(st, "c3", 1100, "{\"1\":[\"p1\"]}");
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_pending"), 4);
    assert_int_equal(store_int(st, "SELECT cats FROM ledger_pending WHERE person='p5'"), 1);
    assert_int_equal(access_ledger_fold(st), STORE_OK);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_journal"), 0);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_reader"), 4);
    assert_string_equal(ledger_of(st, "c1", "api", "p2"), "34 150 1000");
    assert_string_equal(ledger_of(st, "c1", "api", "p4"), "32 1000 1000");
    assert_string_equal(ledger_of(st, "c3", "api", "p1"), "1 1100 1100");
    /* within the minute of "last" the same categories rewrite nothing;
     * later, or with a new category, the row moves on */
    journal_add(st, "c1", 1000 + 30000, "{\"32\":[\"p4\"]}");
    journal_add(st, "c1", 1000 + 70000, "{\"32\":[\"p2\"]}");
    assert_int_equal(access_ledger_fold(st), STORE_OK);
    assert_string_equal(ledger_of(st, "c1", "api", "p4"), "32 1000 1000");
    assert_string_equal(ledger_of(st, "c1", "api", "p2"), "34 150 71000");
}

/* Migration 13 gives every prel row its person's eid (none for a person
 * not stored); creating that person later gives the rows written for it
 * its eid, and deleting a person takes it away. Both backends. */
static void test_upgrade_v12_prel_peid(void **state)
{
    /* two persons, relation rows written by a person and by a duty, one
     * of them for a person not stored; the derived rows are current, so
     * only migration 13 touches prel */
    char coll[64];
    collate_version(coll, sizeof coll);
    const char *const extra[] = {
        "INSERT INTO entity(eid, kind, id, json, created, modified) VALUES"
        " (1099511627777, 1, 'p1', '{\"id\":\"p1\"}', 1, 1), (1099511627778, 1, 'p2', '{\"id\":\"p2\"}', 1, 1)",
        "INSERT INTO prel(person, type, org, skind, sid) VALUES ('p2', 'enrolment', 'o1', 1, 'p2'),"
        " ('p1', 'duty', 'o1', 3, 'd1'), ('ghost', 'duty', 'o1', 3, 'd2'), ('p1', 'enrolment', 'o2', 1, 'p1')",
        tu_fmt("INSERT INTO setting(k, v) VALUES('rows_version', '%d/%s')", ROWS_VERSION, coll),
    };
    store *st = upgrade_from(*state, 12, extra, sizeof extra / sizeof *extra);
    assert_int_equal(store_int(st, "SELECT count(*) FROM prel"), 4);
    assert_int_equal(store_int(st, "SELECT count(*) FROM prel WHERE person='p1' AND peid=1099511627777"), 2);
    assert_int_equal(store_int(st, "SELECT count(*) FROM prel WHERE person='p2' AND peid=1099511627778"), 1);
    assert_int_equal(store_int(st, "SELECT count(*) FROM prel WHERE person='ghost' AND peid IS NULL"), 1);

    /* the duty's person arrives: its row takes the new person's eid */
    entity_rows r;
    json_t *e = json_pack("{s:s}", "id", "ghost");
    rows_build(K_PERSON, e, 1, &r);
    assert_int_equal(store_begin(st), STORE_OK);
    assert_int_equal(store_entity_put(st, K_PERSON, "ghost", "{\"id\":\"ghost\"}", &r, NULL, 2, 2, NULL), STORE_OK);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_int_equal(store_int(st, "SELECT count(*) FROM prel WHERE person='ghost' AND peid="
                                   "(SELECT eid FROM entity WHERE kind=1 AND id='ghost')"), 1);
    /* and leaves again: the row stays (the duty wrote it), without an eid */
    assert_int_equal(store_begin(st), STORE_OK);
    assert_int_equal(store_entity_delete(st, K_PERSON, "ghost", &r, 3), STORE_OK);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_int_equal(store_int(st, "SELECT count(*) FROM prel WHERE person='ghost' AND peid IS NULL"), 1);
    rows_free(&r);
    json_decref(e);
}

/* A batch large enough that the fold reads the reader's rows to drop the
 * keys they cover (ledger_fold.c): those rows stay as they are, the
 * others are written, and a person journaled twice in one batch is one
 * row with both responses' categories and times. */
static void test_ledger_fold_batch(void **state)
{
    fixture *f = *state;
    store *st = f->st;
    buf a, b;
    buf_init(&a);
    buf_init(&b);
    buf_adds(&a, "{\"1\":[");
    buf_adds(&b, "{\"1\":[");
    for (int i = 0; i < 200; i++) {
        buf_printf(&a, "%s\"q%03d\"", i ? "," : "", i);
        if (i % 2)
            buf_printf(&b, "%s\"q%03d\"", b.len > 6 ? "," : "", i);
    }
    buf_adds(&a, "],\"2\":[\"q000\"]}");
    buf_adds(&b, "],\"4\":[\"q001\",\"q300\"]}");
    journal_add(st, "c9", 5000, buf_cstr(&a));
    journal_add(st, "c9", 6000, "{\"8\":[\"q000\"]}");
    assert_int_equal(access_ledger_fold(st), STORE_OK);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger WHERE client='c9'"), 200);
    assert_string_equal(ledger_of(st, "c9", "api", "q000"), "11 5000 6000");
    assert_string_equal(ledger_of(st, "c9", "api", "q199"), "1 5000 5000");
    /* 100 covered keys, one with a new category, one new person */
    journal_add(st, "c9", 5000 + 1000, buf_cstr(&b));
    assert_int_equal(access_ledger_fold(st), STORE_OK);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger WHERE client='c9'"), 201);
    assert_string_equal(ledger_of(st, "c9", "api", "q003"), "1 5000 5000");
    assert_string_equal(ledger_of(st, "c9", "api", "q001"), "5 5000 6000");
    assert_string_equal(ledger_of(st, "c9", "api", "q300"), "4 6000 6000");
    /* a form the fast reader does not take (an escaped id) still folds */
    journal_add(st, "c9", 7000, "{\"1\": [\"q\\\"x\"]}");
    assert_int_equal(access_ledger_fold(st), STORE_OK);
    assert_string_equal(ledger_of(st, "c9", "api", "q\"x"), "1 7000 7000");
    buf_free(&a);
    buf_free(&b);
}

static json_t *pupil_at(const char *id, const char *school)
{
    return json_pack("{ss ss ss ss s[{s{ss} ss ss}]}", "id", id, "givenName", "Elev", "familyName", "Test",
                     "securityMarking", "Ingen", "enrolments", "enroledAt", "id", school, "schoolType", "GR",
                     "startDate", "2025-08-15");
}

static int count_row(void *ctx, const store_row *r)
{
    (void)r;
    ++*(int *)ctx;
    return 0;
}

static int persons_where(store *st, const char *qstring)
{
    qs in;
    api_error e;
    query q;
    assert_int_equal(qs_parse(qstring, &in, &e), 0);
    if (query_parse(OPK_LIST, model_kind(K_PERSON), &in, NULL, &q, &e))
        fail_msg("%s", e.message);
    qs_free(&in);
    int n = 0;
    if (store_list(st, &q, 1000, count_row, &n) != STORE_OK)
        fail_msg("store_list: %s", store_errmsg(st));
    query_free(&q);
    return n;
}

/* The persons of relationship.organisation=school, read as a page driven
 * from the relation set (which the connection keeps between pages). */
static int pupils_of(store *st, const char *school)
{
    return persons_where(st, tu_fmt("relationship.organisation=%s", school));
}

/* A relation set kept by the connection (SQLite's drive sets) is read
 * again after any write that may change it: an entity written on the same
 * connection, or a commit by another connection. */
static void test_relation_sets_follow_writes(void **state)
{
    fixture *f = *state;
    setenv("SKOLNAV_LIST_PLAN", "set", 1);
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID1, ORG_B)), T("2024-01-02T00:00:00Z"));
    assert_int_equal(pupils_of(f->st, ORG_B), 1);
    assert_int_equal(pupils_of(f->st, ORG_B), 1);
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID2, ORG_B)), T("2024-01-03T00:00:00Z"));
    assert_int_equal(pupils_of(f->st, ORG_B), 2);
    assert_int_equal(pupils_of(f->st, ORG_C), 0);
    store *other;
    char err[512];
    assert_int_equal(store_open(f->url, 0, &other, err, sizeof err), STORE_OK);
    assert_int_equal(pupils_of(other, ORG_B), 2);
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID2, ORG_C)), T("2024-01-04T00:00:00Z"));
    assert_int_equal(pupils_of(other, ORG_B), 1);
    assert_int_equal(pupils_of(other, ORG_C), 1);
    assert_int_equal(pupils_of(f->st, ORG_B), 1);
    store_close(other);
    unsetenv("SKOLNAV_LIST_PLAN");
}

/* Rows of a staged load are found by the writer's own reads at once, by
 * an update of a staged entity, and by another connection once it opens
 * the store (a load killed before store_bulk_end leaves them committed);
 * ending the load indexes each row once. */
static void test_a_bulk_load_indexes_what_it_staged(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    assert_int_equal(store_bulk_begin(f->st, STORE_BULK_LOAD), STORE_OK);
    ingest_ok(f, K_PERSON, json_pack("[oo]", pupil_at(TU_UUID1, ORG_B), pupil_at(TU_UUID2, ORG_B)),
              T("2024-01-02T00:00:00Z"));
    assert_int_equal(pupils_of(f->st, ORG_B), 2);
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID3, ORG_C)), T("2024-01-03T00:00:00Z"));
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID2, ORG_C)), T("2024-01-04T00:00:00Z"));
    assert_int_equal(pupils_of(f->st, ORG_B), 1);
    assert_int_equal(pupils_of(f->st, ORG_C), 2);
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID4, ORG_C)), T("2024-01-05T00:00:00Z"));
    store *other;
    char err[512];
    assert_int_equal(store_open(f->url, 0, &other, err, sizeof err), STORE_OK);
    assert_int_equal(pupils_of(other, ORG_C), 3);
    assert_int_equal(store_bulk_end(f->st), STORE_OK);
    assert_int_equal(pupils_of(f->st, ORG_C), 3);
    assert_int_equal(pupils_of(other, ORG_B), 1);
    if (!on_pg) {
        store_stmt *s;
        assert_int_equal(store_prepare(other, "SELECT (SELECT count(*) FROM stage_idx) + (SELECT count(*) FROM"
                                              " stage_sort) + (SELECT count(*) FROM stage_prel),"
                                              " (SELECT count(*) FROM prel WHERE peid IS NULL)", &s), STORE_OK);
        assert_int_equal(store_step(s), 1);
        assert_int_equal(store_col_int(s, 0), 0);
        assert_int_equal(store_col_int(s, 1), 0);
        store_finalize(s);
    }
    store_close(other);
}

/* A batch-scoped bulk load indexes what it staged when its transaction
 * commits, so another connection finds the entities at once; a rolled
 * back transaction leaves neither entities nor rows. */
static void test_a_bulk_batch_is_indexed_at_its_commit(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    store *other;
    char err[512];
    assert_int_equal(store_open(f->url, 0, &other, err, sizeof err), STORE_OK);
    assert_int_equal(store_bulk_begin(f->st, STORE_BULK_BATCH), STORE_OK);
    ingest_ok(f, K_PERSON, json_pack("[oo]", pupil_at(TU_UUID1, ORG_B), pupil_at(TU_UUID2, ORG_C)),
              T("2024-01-02T00:00:00Z"));
    assert_int_equal(pupils_of(other, ORG_B), 1);
    assert_int_equal(pupils_of(other, ORG_C), 1);
    assert_int_equal(store_begin(f->st), STORE_OK);
    ingest_opts io = { .at_ms = T("2024-01-03T00:00:00Z"), .in_txn = 1 };
    json_t *b = json_pack("[o]", pupil_at(TU_UUID3, ORG_B));
    assert_int_equal(ingest_batch(f->st, K_PERSON, b, &io, f->res), 0);
    json_decref(b);
    assert_int_equal(pupils_of(f->st, ORG_B), 2);
    store_rollback(f->st);
    assert_int_equal(pupils_of(f->st, ORG_B), 1);
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID4, ORG_B)), T("2024-01-04T00:00:00Z"));
    assert_int_equal(store_bulk_end(f->st), STORE_OK);
    assert_int_equal(pupils_of(other, ORG_B), 2);
    assert_int_equal(pupils_of(f->st, ORG_C), 1);
    store_close(other);
}

/* Metas of several entities at once, in the order asked, unknown ids
 * reported as such (the PostgreSQL store answers them in one query). */
static void test_entity_metas_in_the_order_asked(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID1, ORG_B)), T("2024-01-02T00:00:00Z"));
    ingest_ok(f, K_PERSON, json_pack("[o]", pupil_at(TU_UUID2, ORG_C)), T("2024-01-03T00:00:00Z"));
    const char *ids[] = { TU_UUID2, TU_UUID4, TU_UUID1 };
    store_meta m[3];
    int found[3];
    assert_int_equal(store_entity_metas(f->st, K_PERSON, ids, 3, m, found), STORE_OK);
    assert_int_equal(found[0], STORE_OK);
    assert_int_equal(found[1], STORE_NOTFOUND);
    assert_int_equal(found[2], STORE_OK);
    assert_int_equal(m[0].modified, T("2024-01-03T00:00:00Z"));
    assert_int_equal(m[2].created, T("2024-01-02T00:00:00Z"));
    assert_non_null(strstr(m[0].json, TU_UUID2));
    assert_non_null(strstr(m[2].json, ORG_B));
    assert_string_equal(m[2].source, "test");
    for (int i = 0; i < 3; i += 2) {
        free(m[i].json);
        free(m[i].source);
    }
    assert_int_equal(store_entity_metas(f->st, K_GROUP, ids, 3, m, found), STORE_OK);
    assert_int_equal(found[0], STORE_NOTFOUND);
    assert_int_equal(found[2], STORE_NOTFOUND);
}

/* n pupils with ids from `from` on, alternately at C and B. */
static json_t *many_pupils(int n, int from)
{
    json_t *b = json_array();
    for (int i = from; i < from + n; i++) {
        char id[UUID_STR_LEN];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
        json_array_append_new(b, pupil_at(id, i % 2 ? ORG_B : ORG_C));
    }
    return b;
}

/* Derived rows keep text that an SQL array literal must escape (the
 * PostgreSQL store sends new rows as such literals, 2 000 to a statement:
 * the batch here crosses that), and each row arrives once. */
static void test_derived_rows_keep_awkward_text(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    json_t *b = many_pupils(400, 0); /* about 5 derived rows each */
    json_object_set_new(json_array_get(b, 7), "givenName", json_string("Å\"s\\a{N,ULL}"));
    ingest_ok(f, K_PERSON, b, T("2024-01-02T00:00:00Z"));
    assert_int_equal(persons_where(f->st, "nameContains=%C3%A5%22s%5Ca%7BN%2CULL%7D"), 1);
    assert_int_equal(persons_where(f->st, "nameContains=elev"), 399);
    assert_int_equal(pupils_of(f->st, ORG_B), 200);
    assert_int_equal(pupils_of(f->st, ORG_C), 200);
}

/* A reference found once is not looked up again in the batch, but only
 * for its own kind: the second pupil names the school's id as a guardian. */
static void test_a_found_reference_counts_for_its_kind_only(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    json_t *odd = pupil_at(TU_UUID2, ORG_B);
    json_object_set_new(odd, "responsibles", json_pack("[{s{ss}ss}]", "person", "id", ORG_B, "relationType", "Vårdnadshavare"));
    assert_int_equal(ingest(f, K_PERSON, json_pack("[oo]", pupil_at(TU_UUID1, ORG_B), odd), T("2024-01-02T00:00:00Z")), -1);
    assert_int_equal(f->res->nproblems, 1);
    assert_int_equal(f->res->problems[0].index, 1);
    assert_string_equal(f->res->problems[0].field, "responsibles[0].person");
    assert_non_null(strstr(f->res->problems[0].message, "refers to Person"));
    assert_int_equal(store_entity_exists(f->st, K_PERSON, TU_UUID1), STORE_NOTFOUND);
}

/* One text cell of a query on the fixture's PostgreSQL database. */
static char *pg_cell(fixture *f, const char *sql)
{
    PGconn *c = PQconnectdb(f->url);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    char *v = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* A large write into a nearly empty PostgreSQL store takes the tables'
 * statistics inside its transaction, so its own lookups by id are planned
 * on the unique key, not on an index that scans every row of the kind;
 * and a rolled back one leaves no count of rows that never were. */
static void test_a_large_write_plans_on_fresh_statistics(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    assert_int_equal(store_begin(f->st), STORE_OK);
    ingest_opts io = { .at_ms = T("2024-01-02T00:00:00Z"), .in_txn = 1 };
    json_t *b = many_pupils(6000, 0);
    assert_int_equal(ingest_batch(f->st, K_PERSON, b, &io, f->res), 0);
    json_decref(b);
    store_rollback(f->st);
    char *v = pg_cell(f, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'entity'");
    assert_true(atol(v) < 100); /* the four organisations */
    free(v);
    ingest_ok(f, K_PERSON, many_pupils(6000, 0), T("2024-01-03T00:00:00Z"));
    v = pg_cell(f, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'entity'");
    assert_true(atol(v) >= 5000); /* taken at the 5 000th new entity */
    free(v);
    v = pg_cell(f, "EXPLAIN SELECT created FROM entity WHERE kind = 1 AND id = 'x'");
    if (!strstr(v, "entity_id"))
        fail_msg("the lookup by id is planned as: %s", v);
    free(v);
    assert_int_equal(store_entity_exists(f->st, K_PERSON, "00000000-0000-4000-8000-000000005999"), STORE_OK);
}

/* Filters and paging through the public route: query_parse → token → store. */
static void test_paging_with_filter(void **state)
{
    fixture *f = *state;
    load_orgs(f, T("2024-01-01T00:00:00Z"));
    json_t *b = json_array();
    for (int i = 0; i < 9; i++) {
        char id[UUID_STR_LEN];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-0000000002%02x", i);
        json_array_append_new(b, org(id, tu_fmt("Skola %c", 'I' - i), i % 3 ? "Skolenhet" : "Skola", ORG_A, NULL));
    }
    ingest_ok(f, K_ORGANISATION, b, T("2024-01-02T00:00:00Z"));
    static const unsigned char key[PAGETOKEN_KEYLEN] = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";
    token_ctx tc = { key, TU_UUID1 };
    char raw[2048] = "type=Skolenhet&sortkey=DisplayNameAsc&limit=2";
    rows seen = { 0 };
    for (int pages = 0;; pages++) {
        assert_true(pages < 20);
        qs in;
        api_error e;
        query q;
        assert_int_equal(qs_parse(raw, &in, &e), 0);
        if (query_parse(OPK_LIST, model_kind(K_ORGANISATION), &in, &tc, &q, &e))
            fail_msg("%s", e.message);
        qs_free(&in);
        rows page = { 0 };
        assert_int_equal(store_list(f->st, &q, q.limit, row_fn, &page), STORE_OK);
        for (int i = 0; i < page.n; i++) {
            assert_false(has(&seen, page.id[i]));
            memcpy(seen.id[seen.n], page.id[i], UUID_STR_LEN);
            memcpy(seen.name[seen.n], page.name[i], 128);
            seen.n++;
        }
        if (page.n < q.limit) {
            rows_clear(&page);
            query_free(&q);
            break;
        }
        char *tok = query_next_token(&q, &tc, page.id[page.n - 1], page.sortv[page.n - 1], page.sortvlen[page.n - 1], 0);
        snprintf(raw, sizeof raw, "pageToken=%s", tok);
        free(tok);
        rows_clear(&page);
        query_free(&q);
    }
    /* 6 of the 9 plus B and C */
    assert_int_equal(seen.n, 8);
    for (int i = 1; i < seen.n; i++)
        assert_true(collate_cmp(seen.name[i - 1], seen.name[i]) <= 0);
    assert_false(has(&seen, ORG_A));
}

/* A write the database refuses in the middle of a batch: on PostgreSQL the
 * writes are pipelined, so the refusal surfaces later, and still the whole
 * batch is rolled back and the store stays usable. PostgreSQL refuses an
 * index entry over about 2.7 kB (docs/architecture.md); SQLite takes it. */
static void test_refused_write_rolls_back_the_batch(void **state)
{
    fixture *f = *state;
    int64_t t0 = T("2024-03-01T00:00:00Z");
    char *huge = malloc(12001);
    srand(12000);
    for (int i = 0; i < 12000; i++)
        huge[i] = (char)('a' + rand() % 26); /* random, so it does not compress */
    huge[12000] = 0;
    json_t *b = json_array();
    const char *ids[] = { TU_UUID1, TU_UUID2, TU_UUID3 };
    for (int i = 0; i < 3; i++) {
        json_t *p = tu_min_entity(K_PERSON);
        json_object_set_new(p, "id", json_string(ids[i]));
        json_object_set_new(p, "givenName", json_string(i == 1 ? huge : "Vanlig"));
        json_object_set_new(p, "familyName", json_string("Person"));
        json_array_append_new(b, p);
    }
    free(huge);
    int rc = ingest(f, K_PERSON, b, t0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_entity_exists(f->st, K_PERSON, ids[i]), on_pg ? STORE_NOTFOUND : STORE_OK);
    if (on_pg) {
        assert_int_equal(rc, -1);
        assert_true(f->res->nproblems >= 1);
        assert_non_null(strstr(f->res->problems[0].message, "the store failed"));
        assert_int_equal(f->res->created, 0);
    } else {
        assert_int_equal(rc, 0);
    }
    /* the store takes the next batch */
    json_t *p = tu_min_entity(K_PERSON);
    json_object_set_new(p, "id", json_string(TU_UUID1));
    json_object_set_new(p, "givenName", json_string("Efter"));
    json_object_set_new(p, "familyName", json_string("Felet"));
    ingest_ok(f, K_PERSON, json_pack("[o]", p), t0 + 1000);
    store_meta m;
    assert_non_null(strstr(stored_json(f, K_PERSON, TU_UUID1, &m), "Efter"));
    free(m.json);
}

/* Statements run many times give the same answers however many other
 * statements ran in between: PostgreSQL keeps 64 prepared per connection
 * and drops the least recently used, so 100 distinct texts, twice over,
 * are prepared, dropped and prepared again. A statement that does not
 * parse fails alone. */
static void test_statement_reuse(void **state)
{
    fixture *f = *state;
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 100; i++) {
            store_stmt *s;
            assert_int_equal(store_prepare(f->st, tu_fmt("SELECT ? + %d", i), &s), STORE_OK);
            assert_int_equal(store_bind_int(s, 1, 1000 * round), 0);
            assert_int_equal(store_step(s), 1);
            assert_int_equal(store_col_int(s, 0), 1000 * round + i);
            assert_int_equal(store_step(s), 0);
            store_finalize(s);
        }
    store_stmt *bad;
    if (store_prepare(f->st, "SELEKT 1", &bad) == STORE_OK) {
        assert_int_equal(store_step(bad), -1);
        store_finalize(bad);
    }
    assert_int_equal(store_int(f->st, "SELECT 7"), 7);
}

static int append_log(store *st, const char *client, int64_t at)
{
    store_stmt *s;
    int rc = store_prepare(st, "INSERT INTO request_log(at, client, method, path, status, items, bytes, duration_ms)"
                               " VALUES(?, ?, 'GET', '/persons', 200, 1, 10, 1)", &s);
    if (rc)
        return -1;
    store_bind_int(s, 1, at);
    if (client)
        store_bind_text(s, 2, client);
    else
        store_bind_null(s, 2);
    rc = store_step(s);
    store_finalize(s);
    return rc;
}

/* An append transaction (store_begin_append) writes all of its rows or
 * none: on PostgreSQL its INSERTs are queued and a failing one (a NULL
 * client) surfaces at the commit, which then fails and is rolled back. */
static void test_append_transaction(void **state)
{
    fixture *f = *state;
    store *st = f->st;
    /* twice each: the first run of a text prepares it, later ones queue */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_begin_append(st), STORE_OK);
        assert_int_equal(append_log(st, "c1", 100 + i), 0);
        assert_int_equal(append_log(st, "c2", 200 + i), 0);
        assert_int_equal(store_commit(st), STORE_OK);
    }
    assert_int_equal(store_int(st, "SELECT count(*) FROM request_log"), 4);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_begin_append(st), STORE_OK);
        int rc = append_log(st, "c3", 300) || append_log(st, NULL, 300) || store_commit(st);
        assert_int_not_equal(rc, 0);
        store_rollback(st);
    }
    assert_int_equal(store_int(st, "SELECT count(*) FROM request_log"), 4);
    assert_int_equal(store_int(st, "SELECT count(*) FROM request_log WHERE client='c3'"), 0);
    /* the connection goes on */
    assert_int_equal(store_begin_append(st), STORE_OK);
    assert_int_equal(append_log(st, "c4", 400), 0);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_int_equal(store_int(st, "SELECT count(*) FROM request_log"), 5);
}

/* A version 13 store's request log and journal, with a gap at the end of
 * each (a purge, a fold) that a new row must not fill: seq is never used
 * twice (ledger_fold.c relies on it). */
static const char *const v13_log[] = {
    "INSERT INTO request_log(at, client, method, path, status, items, bytes, duration_ms) VALUES"
    " (100, 'c1', 'GET', '/persons', 200, 3, 10, 1), (110, 'c1', 'GET', '/groups', 200, 0, 10, 1),"
    " (120, 'c2', 'GET', '/groups', 200, 0, 10, 1)",
    "DELETE FROM request_log WHERE at=120",
    "INSERT INTO ledger_journal(client, channel, at, persons) VALUES ('c1', 'api', 100, '{\"1\":[\"p1\"]}'),"
    " ('c1', 'api', 200, '{\"1\":[\"p2\"]}')",
    "DELETE FROM ledger_journal WHERE at=200",
};

/* Migration 14 moves the request log and the ledger's journal into the
 * log file beside an SQLite store (nothing moves on PostgreSQL): every
 * row is still there, new rows continue the sequences, and the store's
 * own file holds neither table. Both backends. */
static void test_upgrade_v13_log_file(void **state)
{
    fixture *f = *state;
    store *st = upgrade_from(f, 13, v13_log, sizeof v13_log / sizeof *v13_log);
    assert_int_equal(store_int(st, "SELECT count(*) FROM request_log"), 2);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_pending WHERE person='p1'"), 1);
    assert_int_equal(append_log(st, "c3", 300), 0);
    assert_int_equal(store_int(st, "SELECT seq FROM request_log WHERE client='c3'"), 4);
    journal_add(st, "c3", 300, "{\"1\":[\"p3\"]}");
    assert_int_equal(store_int(st, "SELECT seq FROM ledger_journal WHERE client='c3'"), 3);
    if (!on_pg) {
        assert_int_equal(store_int(st, "SELECT count(*) FROM main.sqlite_master WHERE name IN"
                                       " ('request_log', 'ledger_journal', 'ledger_pending')"), 0);
        assert_int_equal(store_int(st, "SELECT count(*) FROM log.sqlite_master WHERE name IN"
                                       " ('request_log', 'ledger_journal', 'ledger_pending')"), 3);
    }
    assert_int_equal(access_ledger_fold(st), STORE_OK);
    assert_string_equal(ledger_of(st, "c1", "api", "p1"), "1 100 100");
    assert_string_equal(ledger_of(st, "c3", "api", "p3"), "1 300 300");
}

/* 14's exits (persons only) and ledger readers (no kind), on either backend. */
static const char *const v14_exits[] = {
    "INSERT INTO ledger_reader(client, channel) VALUES ('c1', 'api')",
    "INSERT INTO ledger_row(reader, person, cats, first, last) VALUES (1, 'p1', 2, 100, 100)",
    "INSERT INTO scope_exit(client, person, at) VALUES ('c1', 'p1', 150)",
};

/* Migration 15 keeps what the client received of other kinds beside the
 * persons: the old readers and exits become the Person kind's, and a
 * journal row of groups folds under a reader of its own that the view
 * ledger (the persons, for audits) does not show. Both backends. */
static void test_upgrade_v14_exits_of_every_kind(void **state)
{
    fixture *f = *state;
    store *st = upgrade_from(f, 14, v14_exits, sizeof v14_exits / sizeof *v14_exits);
    assert_string_equal(ledger_of(st, "c1", "api", "p1"), "2 100 100");
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_reader WHERE client='c1' AND kind=1"), 1);
    assert_int_equal(store_int(st, "SELECT count(*) FROM scope_exit WHERE client='c1' AND kind=1 AND id='p1'"
                                   " AND at=150"), 1);
    assert_int_equal(store_int(st, "SELECT count(*) FROM subscription WHERE scope_at<>0"), 0);
    store_stmt *s;
    assert_int_equal(store_begin(st), STORE_OK);
    assert_int_equal(store_prepare(st, "INSERT INTO ledger_journal(client, channel, at, persons, kind)"
                                       " VALUES('c1','api',300,'{\"1\":[\"g1\",\"p1\"]}',?)", &s), STORE_OK);
    store_bind_int(s, 1, K_GROUP);
    assert_int_equal(store_step(s), 0);
    store_finalize(s);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger_pending"), 0);
    assert_int_equal(access_ledger_fold(st), STORE_OK);
    assert_int_equal(store_int(st, "SELECT count(*) FROM ledger WHERE person='g1'"), 0);
    assert_string_equal(ledger_of(st, "c1", "api", "p1"), "2 100 100"); /* the group's p1 is not the person's */
    assert_int_equal(store_int(st, tu_fmt("SELECT count(*) FROM ledger_reader r JOIN ledger_row l ON l.reader=r.id"
                                          " WHERE r.client='c1' AND r.kind=%d AND l.person IN ('g1', 'p1')", K_GROUP)), 2);
}

/* Migration 14 copies the rows to the log file in a transaction of its
 * own before it drops the tables: a crash between the two leaves the
 * rows in both files, and the next open copies them again without
 * doubling them. SQLite only. */
static void test_upgrade_v13_interrupted(void **state)
{
    fixture *f = *state;
    build_old_store(f, 13, v13_log, sizeof v13_log / sizeof *v13_log);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, tu_fmt("ATTACH '%s-log' AS log", f->path), NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sqlite_log_migrations[0], NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA log.user_version=1;"
                                  "INSERT INTO log.request_log SELECT * FROM main.request_log;"
                                  "INSERT INTO log.ledger_journal SELECT * FROM main.ledger_journal",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[512] = "";
    if (store_open(f->path, 0, &f->st, err, sizeof err))
        fail_msg("opening a store whose move to the log file was interrupted: %s", err);
    assert_int_equal(store_int(f->st, "SELECT count(*) FROM request_log"), 2);
    assert_int_equal(store_int(f->st, "SELECT count(*) FROM ledger_journal"), 1);
    assert_int_equal(append_log(f->st, "c3", 300), 0);
    assert_int_equal(store_int(f->st, "SELECT seq FROM request_log WHERE client='c3'"), 4);
}

/* A write transaction on the store (an ingest batch, however long) does
 * not hold up the responses' log rows: it holds the store file's lock,
 * not the log file's, so an append on another connection commits at
 * once (it waited for the busy timeout and failed when store_begin took
 * every attached file). SQLite only. */
static void test_a_write_leaves_the_log_free(void **state)
{
    fixture *f = *state;
    store *other;
    char err[512];
    assert_int_equal(store_open(f->path, 0, &other, err, sizeof err), STORE_OK);
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_setting_set(f->st, "test.writer", "1"), STORE_OK);
    /* Were the log file the writer's too, the append would wait out the
     * busy timeout and fail. */
    assert_int_equal(store_begin_append(other), STORE_OK);
    assert_int_equal(append_log(other, "c1", 100), 0);
    assert_int_equal(store_commit(other), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(store_int(other, "SELECT count(*) FROM request_log WHERE client='c1'"), 1);
    assert_int_equal(store_int(other, "SELECT count(*) FROM setting WHERE k='test.writer'"), 1);
    store_close(other);
}

/* Why the log file exists: a response's log row and journal row do not
 * change the store's own file, so the other connections keep their page
 * cache of it (in WAL mode a commit to a file makes every other
 * connection drop its cache of that file). A write to the store does
 * change it. SQLite only. */
static void test_append_leaves_the_store_file_alone(void **state)
{
    fixture *f = *state;
    store *other;
    char err[512];
    assert_int_equal(store_open(f->path, 0, &other, err, sizeof err), STORE_OK);
    int64_t v0 = store_int(f->st, "PRAGMA main.data_version");
    assert_int_equal(store_begin_append(other), STORE_OK);
    assert_int_equal(append_log(other, "c1", 100), 0);
    assert_int_equal(store_commit(other), STORE_OK);
    journal_add(other, "c1", 100, "{\"1\":[\"p1\"]}");
    assert_int_equal(store_int(f->st, "PRAGMA main.data_version"), v0);
    assert_int_equal(store_int(f->st, "SELECT count(*) FROM request_log"), 1);
    assert_int_equal(store_begin(other), STORE_OK);
    assert_int_equal(store_exec(other, "INSERT INTO setting(k, v) VALUES('test', '1')"), STORE_OK);
    assert_int_equal(store_commit(other), STORE_OK);
    assert_int_not_equal(store_int(f->st, "PRAGMA main.data_version"), v0);
    store_close(other);
}

/* The raw-SQL API behaves the same on both backends: "?" placeholders
 * (not inside quotes), text, integers, NULL and bytes with zeros. */
static void test_raw_sql(void **state)
{
    fixture *f = *state;
    store_stmt *s;
    assert_int_equal(store_prepare(f->st, "SELECT '?', ?, ? + 1, ?", &s), STORE_OK);
    assert_int_equal(store_bind_text(s, 1, "a'b"), 0);
    assert_int_equal(store_bind_int(s, 2, 41), 0);
    assert_int_equal(store_bind_null(s, 3), 0);
    assert_int_equal(store_step(s), 1);
    assert_string_equal(store_col_text(s, 0), "?");
    assert_string_equal(store_col_text(s, 1), "a'b");
    assert_int_equal(store_col_int(s, 2), 42);
    assert_true(store_col_is_null(s, 3));
    assert_false(store_col_is_null(s, 1));
    assert_int_equal(store_step(s), 0);
    store_finalize(s);

    static const unsigned char bytes[] = { 0x00, 0xff, 0x27, 0x5c, 0x00, 0x80 };
    assert_int_equal(store_prepare(f->st, "INSERT INTO sortidx(kind, skey, v, id) VALUES(?, ?, ?, ?)", &s), STORE_OK);
    store_bind_int(s, 1, K_PERSON);
    store_bind_text(s, 2, "raw");
    store_bind_blob(s, 3, bytes, sizeof bytes);
    store_bind_text(s, 4, TU_UUID1);
    assert_int_equal(store_step(s), 0);
    store_finalize(s);
    assert_int_equal(store_prepare(f->st, "SELECT v FROM sortidx WHERE skey = 'raw'", &s), STORE_OK);
    assert_int_equal(store_step(s), 1);
    size_t n = 0;
    const void *v = store_col_blob(s, 0, &n);
    assert_int_equal(n, sizeof bytes);
    assert_memory_equal(v, bytes, sizeof bytes);
    assert_int_equal(store_step(s), 0);
    store_finalize(s);

    /* an error names itself and leaves the store usable; an unfinished
     * statement can be finalized early */
    int prc = store_prepare(f->st, "SELECT no_such_column FROM sortidx", &s);
    if (prc == STORE_OK) {
        assert_int_equal(store_step(s), -1);
        store_finalize(s);
    }
    assert_non_null(strstr(store_errmsg(f->st), "no_such_column"));
    assert_int_equal(store_prepare(f->st, "SELECT skey FROM sortidx", &s), STORE_OK);
    assert_int_equal(store_step(s), 1);
    store_finalize(s);
    assert_int_equal(store_entity_exists(f->st, K_PERSON, TU_UUID1), STORE_NOTFOUND);
}

/* ---- ingest streams give what ingest_batch gives */

/* The batch through a stream (rolled back), then through ingest_batch (its
 * own transaction): the same return, counts and problems, in order. */
static int stream_vs_batch(fixture *f, json_t *batch, const char *source)
{
    ingest_stream *s = ingest_stream_new(K_ORGANISATION);
    assert_non_null(s);
    size_t i;
    json_t *r;
    json_array_foreach(batch, i, r)
        assert_int_equal(ingest_stream_add(s, r), 0);
    assert_int_equal(ingest_stream_count(s), json_array_size(batch));
    ingest_result *sr = calloc(1, sizeof *sr);
    int64_t at = T("2024-03-01T00:00:00Z");
    ingest_opts so = { .at_ms = at, .source = source, .in_txn = 1 };
    assert_int_equal(store_begin(f->st), 0);
    int src = ingest_stream_apply(f->st, s, &so, sr);
    store_rollback(f->st);
    ingest_stream_free(s);
    ingest_opts bo = { .at_ms = at, .source = source };
    int brc = ingest_batch(f->st, K_ORGANISATION, batch, &bo, f->res);
    assert_int_equal(src, brc);
    assert_int_equal(sr->created, f->res->created);
    assert_int_equal(sr->updated, f->res->updated);
    assert_int_equal(sr->unchanged, f->res->unchanged);
    assert_int_equal(sr->nproblems, f->res->nproblems);
    assert_int_equal(sr->nconflicts, f->res->nconflicts);
    for (size_t p = 0; p < sr->nproblems && p < INGEST_MAX_ERRORS; p++) {
        assert_int_equal(sr->problems[p].index, f->res->problems[p].index);
        assert_string_equal(sr->problems[p].id, f->res->problems[p].id);
        assert_string_equal(sr->problems[p].field, f->res->problems[p].field);
        assert_string_equal(sr->problems[p].message, f->res->problems[p].message);
    }
    free(sr);
    json_decref(batch);
    return brc;
}

static void test_stream_matches_batch(void **state)
{
    fixture *f = *state;
    /* a child before its parent, both new: references resolve within the batch */
    assert_int_equal(stream_vs_batch(f, json_pack("[o,o,o]", org(ORG_A, "A", "Skolenhet", ORG_ROOT, NULL),
                                                  org(ORG_ROOT, "Root", "Huvudman", NULL, NULL),
                                                  org(ORG_B, "B", "Skolenhet", ORG_ROOT, NULL)), "test"), 0);
    assert_int_equal(f->res->created, 3);
    /* the same again: unchanged; one changed: updated */
    assert_int_equal(stream_vs_batch(f, json_pack("[o,o]", org(ORG_A, "A", "Skolenhet", ORG_ROOT, NULL),
                                                  org(ORG_B, "B2", "Skolenhet", ORG_ROOT, NULL)), "test"), 0);
    assert_int_equal(f->res->unchanged, 1);
    assert_int_equal(f->res->updated, 1);
    /* invalid fields, a missing reference, an id twice, a reference to the
     * invalid record: validation problems first, then references */
    json_t *bad = org(ORG_C, "C", "Skolenhet", MISSING, NULL);
    json_object_set_new(bad, "organisationType", json_string("Nope"));
    assert_int_equal(stream_vs_batch(f, json_pack("[o,o,o,o,o]", org(ORG_A, "A", "Skolenhet", MISSING, NULL), bad,
                                                  org(ORG_B, "B", "Skolenhet", ORG_C, NULL), json_integer(7),
                                                  org(ORG_B, "B3", "Skolenhet", ORG_ROOT, NULL)), "test"), -1);
    assert_true(f->res->nproblems >= 4);
    /* another source's entities: every one listed, nothing written */
    assert_int_equal(stream_vs_batch(f, json_pack("[o,o]", org(ORG_A, "A9", "Skolenhet", ORG_ROOT, NULL),
                                                  org(ORG_B, "B9", "Skolenhet", ORG_ROOT, NULL)), "other"), -1);
    assert_int_equal(f->res->nconflicts, 2);
    /* more than INGEST_MAX_ERRORS problems: the same first ones and count */
    json_t *many = json_array();
    for (int n = 0; n < 150; n++)
        json_array_append_new(many, json_pack("{ss}", "id", n % 2 ? "not-a-uuid" : MISSING));
    assert_int_equal(stream_vs_batch(f, many, "test"), -1);
    assert_true(f->res->nproblems > INGEST_MAX_ERRORS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_modified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_tombstone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ownership, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_matches_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyset_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_with_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_write_rolls_back_the_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_v11_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_v12_prel_peid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger_fold_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_v13_log_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_v14_exits_of_every_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relation_sets_follow_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_bulk_load_indexes_what_it_staged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_bulk_batch_is_indexed_at_its_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entity_metas_in_the_order_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_derived_rows_keep_awkward_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_found_reference_counts_for_its_kind_only, setup, teardown),
    };
    /* version 1 files are SQLite files: PostgreSQL stores began at the
     * current layout */
    /* statistics are PostgreSQL's */
    const struct CMUnitTest pg_only[] = {
        cmocka_unit_test_setup_teardown(test_a_large_write_plans_on_fresh_statistics, setup, teardown),
    };
    const struct CMUnitTest sqlite_only[] = {
        cmocka_unit_test_setup_teardown(test_upgrade_v1_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_v10_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_v13_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_leaves_the_store_file_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_write_leaves_the_log_free, setup, teardown),
    };
    int rc = cmocka_run_group_tests_name("store on SQLite", tests, NULL, NULL);
    rc |= cmocka_run_group_tests_name("store on SQLite: upgrades", sqlite_only, NULL, NULL);
    pg_base = getenv("SKOLNAV_TEST_PG");
    if (pg_base && *pg_base) {
        on_pg = 1;
        rc |= cmocka_run_group_tests_name("store on PostgreSQL", tests, NULL, NULL);
        rc |= cmocka_run_group_tests_name("store on PostgreSQL: statistics", pg_only, NULL, NULL);
    } else {
        fprintf(stderr, "note: SKOLNAV_TEST_PG is not set; the PostgreSQL pass runs under tests/with-pg (make check)\n");
    }
    collate_thread_done();
    return rc;
}
