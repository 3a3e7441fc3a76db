/*
 * The PostgreSQL backend (libpq). One store is one connection; the server
 * keeps one per worker thread, which is the pool of a node.
 *
 * Writes are queued in libpq's pipeline mode and their results read in one
 * go before the next read or the commit, so an ingest costs about two round
 * trips per entity instead of one per row. A failed queued write aborts the
 * transaction; the error surfaces at the next read or at the commit, and
 * the whole batch is rolled back, as on SQLite.
 *
 * Write transactions take one advisory lock, so writers run one at a time
 * across every node, as SQLite's BEGIN IMMEDIATE makes them on one machine:
 * change-feed numbers then commit in order, and an ingest's "does it exist"
 * checks cannot race another node's insert. Readers never wait for it.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "store/migrations_pg.h"
#include "store/sql_query.h"
#include "util/buf.h"
#include "util/strmap.h"

#define LOCK_MIGRATE "7593021001"  /* advisory lock keys ("skolnav" in spirit) */
#define LOCK_WRITE "7593021002"
#define REL_SLOTS 16
#define REL_MAX 20000
#define PIPE_MAX 256               /* queued writes before their results are read */
#define MAX_ARGS 12
#define PLAN_CACHE 64              /* statements kept prepared per connection */
enum { RB_IDX, RB_SORT, RB_PREL, RB__COUNT }; /* row batches, one per derived table */
#define RB_MAXCOLS 7
#define ANALYZE_FIRST 5000         /* new entities in a write before its statistics are checked */
#define ANALYZE_GROWTH 4           /* ... and each time their number has grown so much again */
#define STATS_TABLES_ANALYZE "ANALYZE entity, idx, sortidx, prel"

struct store {
    store_head h; /* first: see backend.h */
    PGconn *conn;
    int pipe;      /* in pipeline mode */
    int queued;    /* writes sent, results not read */
    int pipe_err;  /* a queued write failed (message in err) */
    int in_tx;     /* inside store_begin .. commit/rollback */
    int append;    /* ... begun by store_begin_append: its BEGIN, INSERTs
                    * and COMMIT go out in one round trip */
    long tx_new, analyze_next; /* see stats_catch_up */
    int tx_analyzed;
    char err[512];
    /* The texts of store_prepare's statements, each prepared once on this
     * connection under the name "c<serial>": parsing and planning a
     * statement cost PostgreSQL more than running the short ones a request
     * makes (the credential, the request log). Least recently used go. */
    struct plan {
        char *sql;
        uint64_t hash, used, serial;
    } plans[PLAN_CACHE];
    uint64_t plan_clock, plan_serial;
    /* relationship.* sets kept (see "relation sets" below) */
    struct relset {
        uint64_t h, used;
        int64_t version; /* the change feed's last seq it was read at */
        int64_t *eids;   /* sorted; NULL when the set is larger than REL_MAX */
        size_t n;
    } rels[REL_SLOTS];
    uint64_t rel_clock;
    /* new derived rows not yet sent (see "row batches" below) */
    struct rowbatch {
        buf col[RB_MAXCOLS]; /* one PostgreSQL array literal per column, unclosed */
        size_t n;
    } rb[RB__COUNT];
};

struct store_stmt {
    store *st; /* first: see backend.h */
    char *sql;
    int nparams;
    char **vals;
    int *lens, *fmts;
    int started, done;
    PGresult *row;
    unsigned char *blob; /* the last col_blob, decoded */
};

static const store_ops pg_ops;

/* ---- errors */

static void set_err(store *st, const char *what, const char *msg)
{
    snprintf(st->err, sizeof st->err, "%s: %s", what, msg && *msg ? msg : "unknown PostgreSQL error");
    size_t n = strlen(st->err);
    while (n && (st->err[n - 1] == '\n' || st->err[n - 1] == ' '))
        st->err[--n] = 0;
}

static int fail_conn(store *st, const char *what)
{
    set_err(st, what, PQerrorMessage(st->conn));
    return STORE_ERR;
}

static int fail_res(store *st, const char *what, PGresult *r)
{
    set_err(st, what, r ? PQresultErrorMessage(r) : PQerrorMessage(st->conn));
    PQclear(r);
    return STORE_ERR;
}

static const char *pg_errmsg(store *st)
{
    return st->err;
}

/* The URL with any password replaced, for messages. */
static void redact(const char *url, char *out, size_t outlen)
{
    const char *auth = strstr(url, "://");
    const char *at = auth ? strchr(auth + 3, '@') : NULL;
    const char *colon = auth && at ? memchr(auth + 3, ':', (size_t)(at - auth - 3)) : NULL;
    if (!colon) {
        snprintf(out, outlen, "%s", url);
        return;
    }
    snprintf(out, outlen, "%.*s:***%s", (int)(colon - url), url, at);
}

/* ---- the write pipeline */

/* Reads the results of every queued statement and leaves pipeline mode.
 * With `last`, the result of the last one (a read queued behind the
 * writes) is handed to the caller instead of being dropped. */
static int drain_keep(store *st, PGresult **last)
{
    if (!st->pipe)
        return STORE_OK;
    int ok = PQpipelineSync(st->conn) == 1;
    if (!ok)
        fail_conn(st, "sending queued writes");
    int nulls = 0, synced = 0;
    /* Each queued write yields its result and a NULL; the sync yields
     * PGRES_PIPELINE_SYNC. A broken connection ends the loop early. */
    while (ok && nulls <= st->queued) {
        PGresult *r = PQgetResult(st->conn);
        if (!r) {
            nulls++;
            if (PQstatus(st->conn) == CONNECTION_BAD)
                break;
            continue;
        }
        ExecStatusType t = PQresultStatus(r);
        if (t == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            synced = 1;
            break;
        }
        if (t == PGRES_FATAL_ERROR && !st->pipe_err) {
            set_err(st, "writing", PQresultErrorMessage(r));
            st->pipe_err = 1;
        }
        if (last && nulls == st->queued - 1 && !*last)
            *last = r;
        else
            PQclear(r);
    }
    if (ok && !synced && !st->pipe_err) {
        fail_conn(st, "reading the results of queued writes");
        st->pipe_err = 1;
    }
    if (!PQexitPipelineMode(st->conn) && !st->pipe_err) {
        fail_conn(st, "leaving pipeline mode");
        st->pipe_err = 1;
    }
    st->pipe = 0;
    st->queued = 0;
    return ok && !st->pipe_err ? STORE_OK : STORE_ERR;
}

static int drain(store *st)
{
    return drain_keep(st, NULL);
}

static int prepare_all(store *st);

/* A new session has none of the old one's prepared statements. */
static void plans_forget(store *st)
{
    for (size_t i = 0; i < PLAN_CACHE; i++) {
        free(st->plans[i].sql);
        st->plans[i] = (struct plan){ 0 };
    }
}

/* Before any statement whose result is needed now. A connection lost
 * between transactions (a restarted or failed-over server) is opened
 * again here, so one failed request is all a worker loses; inside a
 * transaction it is an error, since the transaction is gone with it. */
static int rows_flush(store *st);

static int ready(store *st)
{
    if (rows_flush(st) || drain(st))
        return STORE_ERR;
    if (PQstatus(st->conn) == CONNECTION_BAD) {
        if (st->in_tx)
            return fail_conn(st, "the connection to PostgreSQL was lost");
        PQreset(st->conn);
        plans_forget(st);
        if (PQstatus(st->conn) != CONNECTION_OK)
            return fail_conn(st, "reconnecting to PostgreSQL");
        PQsetClientEncoding(st->conn, "UTF8");
        PGresult *r = PQexec(st->conn, "SET TIME ZONE 'UTC'");
        PQclear(r);
        if (prepare_all(st))
            return STORE_ERR;
    }
    return STORE_OK;
}

typedef struct pgargs {
    const char *v[MAX_ARGS];
    int len[MAX_ARGS], fmt[MAX_ARGS];
    char num[MAX_ARGS][24];
    int n;
} pgargs;

static void a_text(pgargs *a, const char *s)
{
    if (a->n >= MAX_ARGS)
        abort(); /* a statement with more parameters than MAX_ARGS: a bug here */
    a->v[a->n] = s;
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    a->n++;
}

static void a_int(pgargs *a, int64_t x)
{
    snprintf(a->num[a->n], sizeof a->num[a->n], "%lld", (long long)x);
    a_text(a, a->num[a->n]);
}

static void a_blob(pgargs *a, const void *p, size_t n)
{
    a->v[a->n] = n ? p : "";
    a->len[a->n] = (int)n;
    a->fmt[a->n] = 1;
    a->n++;
}

/* Queues a prepared statement (name) or, without one, the plain text
 * `sql`, behind the writes already queued. */
static int queue_raw(store *st, const char *name, const char *sql, int n, const char *const *v, const int *len,
                     const int *fmt)
{
    if (st->pipe_err)
        return STORE_ERR;
    if (!st->pipe) {
        if (PQenterPipelineMode(st->conn) != 1)
            return fail_conn(st, "entering pipeline mode");
        st->pipe = 1;
    }
    int sent = name ? PQsendQueryPrepared(st->conn, name, n, v, len, fmt, 0)
                    : PQsendQueryParams(st->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (sent != 1)
        return fail_conn(st, "queueing a write");
    if (++st->queued >= PIPE_MAX)
        return drain(st);
    return STORE_OK;
}

static int queue(store *st, const char *stmt, const pgargs *a)
{
    return queue_raw(st, stmt, NULL, a->n, a->v, a->len, a->fmt);
}

/* ---- row batches
 *
 * A new entity's derived rows (a person has about fifteen) went out as one
 * INSERT each, and PostgreSQL spent more on beginning and ending those
 * statements than on the rows. They are gathered here as array literals
 * instead and inserted with one statement per table (unnest) once
 * ROWS_BATCH are waiting, or before anything that could see or touch them:
 * any read but the entity-table lookups of run_now, a delete of derived
 * rows, a statement of store_prepare, the commit. A rollback drops them.
 * prel.peid is looked up when the rows go in, as the single INSERT did. */

#define ROWS_BATCH 2000

static const struct {
    const char *name;
    int ncols;
} rb_stmt[] = {
    [RB_IDX] = { "ins_idx_n", 4 },
    [RB_SORT] = { "ins_sort_n", 4 },
    [RB_PREL] = { "ins_prel_n", 7 },
};

static void arr_sep(buf *b)
{
    buf_addc(b, b->len ? ',' : '{');
}

static void arr_text(buf *b, const char *s)
{
    arr_sep(b);
    if (!s) {
        buf_adds(b, "NULL");
        return;
    }
    buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_addc(b, '\\');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

static void arr_int(buf *b, int64_t v)
{
    arr_sep(b);
    buf_printf(b, "%lld", (long long)v);
}

/* bytea in its hex form, the backslash escaped for the array literal */
static void arr_bytea(buf *b, const unsigned char *v, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    arr_sep(b);
    buf_reserve(b, 2 * n + 8);
    buf_adds(b, "\"\\\\x");
    for (size_t i = 0; i < n; i++) {
        buf_addc(b, hex[v[i] >> 4]);
        buf_addc(b, hex[v[i] & 15]);
    }
    buf_addc(b, '"');
}

static void rows_drop(store *st)
{
    for (size_t t = 0; t < sizeof st->rb / sizeof *st->rb; t++) {
        for (int c = 0; c < RB_MAXCOLS; c++)
            buf_reset(&st->rb[t].col[c]);
        st->rb[t].n = 0;
    }
}

static int queue_raw(store *st, const char *name, const char *sql, int n, const char *const *v, const int *len,
                     const int *fmt);

static int rows_flush(store *st)
{
    int rc = STORE_OK;
    for (size_t t = 0; t < sizeof st->rb / sizeof *st->rb && rc == STORE_OK; t++) {
        struct rowbatch *b = &st->rb[t];
        if (!b->n)
            continue;
        const char *v[RB_MAXCOLS];
        int len[RB_MAXCOLS] = { 0 }, fmt[RB_MAXCOLS] = { 0 };
        for (int c = 0; c < rb_stmt[t].ncols; c++) {
            buf_addc(&b->col[c], '}');
            v[c] = b->col[c].data;
        }
        /* libpq copies the values into its output buffer here */
        rc = queue_raw(st, rb_stmt[t].name, NULL, rb_stmt[t].ncols, v, len, fmt);
    }
    rows_drop(st);
    return rc;
}

static int rows_added(store *st, struct rowbatch *b)
{
    return ++b->n >= ROWS_BATCH ? rows_flush(st) : STORE_OK;
}

static int rows_add_idx(store *st, int kind, const char *id, const idx_row *x)
{
    struct rowbatch *b = &st->rb[RB_IDX];
    arr_int(&b->col[0], kind);
    arr_text(&b->col[1], id);
    arr_text(&b->col[2], x->key);
    arr_text(&b->col[3], x->value);
    return rows_added(st, b);
}

static int rows_add_sort(store *st, int kind, const char *id, const sort_row *x)
{
    struct rowbatch *b = &st->rb[RB_SORT];
    arr_int(&b->col[0], kind);
    arr_text(&b->col[1], id);
    arr_text(&b->col[2], x->skey);
    arr_bytea(&b->col[3], x->v, x->vlen);
    return rows_added(st, b);
}

static int rows_add_prel(store *st, int kind, const char *id, const prel_row *x)
{
    struct rowbatch *b = &st->rb[RB_PREL];
    arr_int(&b->col[0], kind);
    arr_text(&b->col[1], id);
    arr_text(&b->col[2], x->type);
    arr_text(&b->col[3], x->org);
    arr_text(&b->col[4], x->person);
    arr_text(&b->col[5], x->start);
    arr_text(&b->col[6], x->end);
    return rows_added(st, b);
}

/* ---- plain statements */

static int pg_exec(store *st, const char *sql)
{
    if (ready(st))
        return STORE_ERR;
    PGresult *r = PQexec(st->conn, sql);
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
        return fail_res(st, "running a statement", r);
    PQclear(r);
    return STORE_OK;
}

/* A prepared statement run now; NULL (with err set) on failure. Behind
 * queued writes the read joins the pipeline, so the writes' results and
 * the read's come back in one round trip. */
static PGresult *run_now(store *st, const char *stmt, const pgargs *a, const char *what)
{
    if (st->pipe && !st->pipe_err) {
        if (PQsendQueryPrepared(st->conn, stmt, a->n, a->v, a->len, a->fmt, 0) != 1) {
            fail_conn(st, what);
            drain(st);
            return NULL;
        }
        st->queued++;
        PGresult *r = NULL;
        int rc = drain_keep(st, &r);
        if (rc || PQresultStatus(r) != PGRES_TUPLES_OK) {
            if (!rc)
                fail_res(st, what, r);
            else
                PQclear(r);
            return NULL;
        }
        return r;
    }
    if (ready(st))
        return NULL;
    PGresult *r = PQexecPrepared(st->conn, stmt, a->n, a->v, a->len, a->fmt, 0);
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
        fail_res(st, what, r);
        return NULL;
    }
    return r;
}

/* ---- schema */

static int64_t cell_int(PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int pg_schema_version(store *st)
{
    if (ready(st))
        return -1;
    PGresult *r = PQexec(st->conn, "SELECT to_regclass('skolnav_schema') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        fail_res(st, "reading the schema version", r);
        return -1;
    }
    int have = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!have)
        return 0;
    r = PQexec(st->conn, "SELECT max(version) FROM skolnav_schema");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        fail_res(st, "reading the schema version", r);
        return -1;
    }
    int v = PQgetisnull(r, 0, 0) ? 0 : (int)cell_int(r, 0, 0);
    PQclear(r);
    return v;
}

static int migrate_locked(store *st, int create)
{
    int have = pg_schema_version(st);
    int want = (int)(sizeof pg_migrations / sizeof *pg_migrations);
    if (have < 0)
        return STORE_ERR;
    if (have > want) {
        snprintf(st->err, sizeof st->err,
                 "the database has schema version %d but this skolnav knows only up to %d; use a newer skolnav",
                 have, want);
        return STORE_ERR;
    }
    if (have == 0 && !create) {
        snprintf(st->err, sizeof st->err,
                 "the database holds no skolnav store yet (create one with 'skolnav migrate --db URL --create',"
                 " 'skolnav migrate --from FILE --to URL' or 'skolnav demo --db URL')");
        return STORE_ERR;
    }
    for (int v = have; v < want; v++) {
        buf sql;
        buf_init(&sql);
        buf_printf(&sql,
                   "BEGIN; %s; CREATE TABLE IF NOT EXISTS skolnav_schema(version integer NOT NULL);"
                   " DELETE FROM skolnav_schema; INSERT INTO skolnav_schema VALUES(%d); COMMIT",
                   pg_migrations[v], v + 1);
        int rc = pg_exec(st, sql.data);
        buf_free(&sql);
        if (rc) {
            char e[512];
            snprintf(e, sizeof e, "upgrading the schema to version %d: %.400s", v + 1, st->err);
            snprintf(st->err, sizeof st->err, "%s", e);
            PQclear(PQexec(st->conn, "ROLLBACK"));
            return STORE_ERR;
        }
    }
    return STORE_OK;
}

static int migrate(store *st, int create)
{
    if (pg_exec(st, "SELECT pg_advisory_lock(" LOCK_MIGRATE ")"))
        return STORE_ERR;
    int rc = migrate_locked(st, create);
    PQclear(PQexec(st->conn, "SELECT pg_advisory_unlock(" LOCK_MIGRATE ")"));
    return rc;
}

static const struct { const char *name, *sql; } statements[] = {
    { "put", "INSERT INTO entity(eid,kind,id,json,display,created,modified,pstart,pend,source)"
             " VALUES((SELECT coalesce(max(eid), $10) FROM entity WHERE eid >= $10 AND eid < $11) + 1,"
             " $1,$2,$3,$4,$5,$6,$7,$8,$9)" },
    { "upd", "UPDATE entity SET json=$3, display=$4, created=$5, modified=$6, pstart=$7, pend=$8, source=$9"
             " WHERE kind=$1 AND id=$2" },
    { "meta", "SELECT created, modified FROM entity WHERE kind=$1 AND id=$2" },
    { "meta_json", "SELECT created, modified, json, source FROM entity WHERE kind=$1 AND id=$2" },
    { "exists", "SELECT 1 FROM entity WHERE kind=$1 AND id=$2" },
    { "metas", "SELECT id, created, modified, json, source FROM entity WHERE kind=$1 AND id = ANY($2::text[])" },
    { "del_e", "DELETE FROM entity WHERE kind=$1 AND id=$2" },
    { "del_idx", "DELETE FROM idx WHERE kind=$1 AND id=$2 AND key=$3 AND value=$4" },
    { "del_sort", "DELETE FROM sortidx WHERE kind=$1 AND id=$2 AND skey=$3 AND v=$4" },
    { "del_prel", "DELETE FROM prel WHERE skind=$1 AND sid=$2 AND type=$3 AND org=$4 AND person=$5" },
    /* prel.peid: see migrations.h 13 and store_sqlite.c fix_peid. */
    { "fix_peid", "UPDATE prel SET peid=(SELECT eid FROM entity WHERE kind=1 AND id=$1) WHERE person=$1" },
    { "ins_idx_n", "INSERT INTO idx(kind,id,key,value) SELECT * FROM unnest($1::integer[], $2::text[], $3::text[],"
                   " $4::text[]) ON CONFLICT DO NOTHING" },
    { "ins_sort_n", "INSERT INTO sortidx(kind,id,skey,v) SELECT * FROM unnest($1::integer[], $2::text[], $3::text[],"
                    " $4::bytea[]) ON CONFLICT DO NOTHING" },
    { "ins_prel_n", "INSERT INTO prel(skind,sid,type,org,person,pstart,pend,peid) SELECT u.*, (SELECT eid FROM entity"
                    " WHERE kind=1 AND id=u.person) FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[],"
                    " $5::text[], $6::text[], $7::text[]) AS u(skind, sid, type, org, person, pstart, pend)" },
    { "ins_change", "INSERT INTO changes(kind,id,op,at) VALUES($1,$2,$3,$4)" },
    { "ins_tomb", "INSERT INTO tombstone(kind,id,at) VALUES($1,$2,$3)" },
};

static int prepare_all(store *st)
{
    for (size_t i = 0; i < sizeof statements / sizeof *statements; i++) {
        PGresult *r = PQprepare(st->conn, statements[i].name, statements[i].sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return fail_res(st, "preparing a statement", r);
        PQclear(r);
    }
    return STORE_OK;
}

/* Notices ("table exists, skipping") are not errors; keep them off stderr. */
static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static PGconn *connect_url(const char *url, char *err, size_t errlen)
{
    PGconn *c = PQconnectdb(url);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char shown[512];
        redact(url, shown, sizeof shown);
        char msg[400];
        snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = 0;
        snprintf(err, errlen, "cannot connect to PostgreSQL at '%s': %s", shown, msg);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    if (PQsetClientEncoding(c, "UTF8")) {
        snprintf(err, errlen, "PostgreSQL: cannot use the UTF8 client encoding");
        PQfinish(c);
        return NULL;
    }
    return c;
}

int pg_store_open(const char *url, int create, store **out, char *err, size_t errlen)
{
    *out = NULL;
    PGconn *c = connect_url(url, err, errlen);
    if (!c)
        return STORE_ERR;
    store *st = xcalloc(1, sizeof *st);
    st->h.ops = &pg_ops;
    st->conn = c;
    if (pg_exec(st, "SET TIME ZONE 'UTC'") || migrate(st, create) || prepare_all(st)) {
        char shown[512];
        redact(url, shown, sizeof shown);
        snprintf(err, errlen, "database '%s': %s", shown, st->err);
        PQfinish(st->conn);
        free(st);
        return STORE_ERR;
    }
    *out = st;
    return STORE_OK;
}

int pg_store_exists(const char *url, char *err, size_t errlen)
{
    PGconn *c = connect_url(url, err, errlen);
    if (!c)
        return -1;
    store st = { .h.ops = &pg_ops, .conn = c };
    int v = pg_schema_version(&st);
    if (v < 0)
        snprintf(err, errlen, "%s", st.err);
    PQfinish(c);
    return v < 0 ? -1 : v > 0;
}

int pg_store_remove(const char *url, char *err, size_t errlen)
{
    PGconn *c = connect_url(url, err, errlen);
    if (!c)
        return STORE_ERR;
    store st = { .h.ops = &pg_ops, .conn = c };
    char sql[sizeof pg_tables_first + sizeof pg_tables + 96];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s CASCADE; DROP TABLE IF EXISTS %s CASCADE", pg_tables_first,
             pg_tables);
    int rc = pg_exec(&st, sql);
    if (rc)
        snprintf(err, errlen, "removing the skolnav tables: %s", st.err);
    PQfinish(c);
    return rc;
}

static void pg_close(store *st)
{
    if (!st)
        return;
    plans_forget(st);
    for (int i = 0; i < REL_SLOTS; i++)
        free(st->rels[i].eids);
    for (size_t t = 0; t < sizeof st->rb / sizeof *st->rb; t++)
        for (int c = 0; c < RB_MAXCOLS; c++)
            buf_free(&st->rb[t].col[c]);
    PQfinish(st->conn);
    free(st);
}

/* ---- transactions */

static int pg_begin(store *st)
{
    st->pipe_err = 0;
    if (pg_exec(st, "BEGIN; SELECT pg_advisory_xact_lock(" LOCK_WRITE ")"))
        return STORE_ERR;
    st->in_tx = 1;
    st->tx_new = 0;
    st->analyze_next = ANALYZE_FIRST;
    st->tx_analyzed = 0;
    return STORE_OK;
}

/* No advisory lock: an append's rows are found by key, never by commit
 * order, so concurrent appends need not queue behind one another, nor
 * behind an ingest holding the writer lock for seconds. BEGIN is only
 * queued: with the INSERTs queued behind it (pg_step) and the COMMIT, the
 * request log and the journal of a response cost one round trip. */
static int pg_begin_append(store *st)
{
    st->pipe_err = 0;
    if (ready(st) || queue_raw(st, NULL, "BEGIN", 0, NULL, NULL, NULL))
        return STORE_ERR;
    st->in_tx = 1;
    st->append = 1;
    return STORE_OK;
}

static int pg_commit(store *st)
{
    int append = st->append;
    st->append = 0;
    int rc = append ? rows_flush(st) || queue_raw(st, NULL, "COMMIT", 0, NULL, NULL, NULL) || drain(st)
                    : pg_exec(st, "COMMIT");
    if (rc == STORE_OK)
        st->in_tx = 0;
    return rc;
}

static void pg_rollback(store *st)
{
    rows_drop(st);
    st->append = 0;
    drain(st);
    st->pipe_err = 0;
    st->in_tx = 0;
    PQclear(PQexec(st->conn, "ROLLBACK"));
    /* An ANALYZE in the transaction counted its rows into pg_class, which
     * does not roll back, while the statistics it wrote did: the next
     * write would take the count as current and keep the stale plans. */
    if (st->tx_analyzed)
        PQclear(PQexec(st->conn, STATS_TABLES_ANALYZE));
    st->tx_analyzed = 0;
}

/* ---- entity writes */

static void key_args(pgargs *a, int kind, const char *id)
{
    a->n = 0;
    a_int(a, kind);
    a_text(a, id);
}

static int pg_entity_meta(store *st, int kind, const char *id, int want_json, store_meta *m)
{
    memset(m, 0, sizeof *m);
    pgargs a;
    key_args(&a, kind, id);
    PGresult *r = run_now(st, want_json ? "meta_json" : "meta", &a, "reading an entity");
    if (!r)
        return STORE_ERR;
    int found = PQntuples(r) > 0;
    if (found) {
        m->created = cell_int(r, 0, 0);
        m->modified = cell_int(r, 0, 1);
        if (want_json) {
            m->json = xstrdup(PQgetvalue(r, 0, 2));
            m->source = PQgetisnull(r, 0, 3) ? NULL : xstrdup(PQgetvalue(r, 0, 3));
        }
    }
    PQclear(r);
    return found ? STORE_OK : STORE_NOTFOUND;
}

static int pg_entity_metas(store *st, int kind, const char *const *ids, size_t n, store_meta *metas, int *found)
{
    strmap at;
    strmap_init(&at);
    buf arr;
    buf_init(&arr);
    for (size_t i = 0; i < n; i++) {
        found[i] = STORE_NOTFOUND;
        memset(&metas[i], 0, sizeof metas[i]);
        strmap_put(&at, ids[i], &found[i]);
        arr_text(&arr, ids[i]);
    }
    buf_adds(&arr, n ? "}" : "{}");
    pgargs a;
    a.n = 0;
    a_int(&a, kind);
    a_text(&a, arr.data);
    PGresult *r = run_now(st, "metas", &a, "reading entities");
    buf_free(&arr);
    int rc = r ? STORE_OK : STORE_ERR;
    for (int row = 0; r && row < PQntuples(r); row++) {
        int *f = strmap_get(&at, PQgetvalue(r, row, 0));
        if (!f)
            continue;
        store_meta *m = &metas[f - found];
        *f = STORE_OK;
        m->created = cell_int(r, row, 1);
        m->modified = cell_int(r, row, 2);
        m->json = xstrdup(PQgetvalue(r, row, 3));
        m->source = PQgetisnull(r, row, 4) ? NULL : xstrdup(PQgetvalue(r, row, 4));
    }
    PQclear(r);
    strmap_free(&at, NULL);
    return rc;
}

static int pg_entity_exists(store *st, int kind, const char *id)
{
    pgargs a;
    key_args(&a, kind, id);
    PGresult *r = run_now(st, "exists", &a, "checking an entity");
    if (!r)
        return STORE_ERR;
    int found = PQntuples(r) > 0;
    PQclear(r);
    return found ? STORE_OK : STORE_NOTFOUND;
}

static void a_opt(pgargs *a, const char *v)
{
    a_text(a, v); /* a NULL value pointer is SQL NULL to libpq */
}

static int idx_op(store *st, const char *stmt, int kind, const char *id, const idx_row *x)
{
    pgargs a;
    key_args(&a, kind, id);
    a_text(&a, x->key);
    a_text(&a, x->value);
    return queue(st, stmt, &a);
}

static int sort_op(store *st, const char *stmt, int kind, const char *id, const sort_row *x)
{
    pgargs a;
    key_args(&a, kind, id);
    a_text(&a, x->skey);
    a_blob(&a, x->v, x->vlen);
    return queue(st, stmt, &a);
}

static int prel_op(store *st, const char *stmt, int kind, const char *id, const prel_row *x)
{
    pgargs a;
    key_args(&a, kind, id);
    a_text(&a, x->type);
    a_text(&a, x->org);
    a_text(&a, x->person);
    return queue(st, stmt, &a);
}

static int pg_entity_rows(store *st, int kind, const char *id, const entity_rows *old, const entity_rows *new)
{
    if (old && rows_flush(st)) /* a row to delete may be waiting to go in */
        return STORE_ERR;
    for (size_t i = 0; old && i < old->nidx; i++)
        if (!rows_has_idx(new, &old->idx[i]) && idx_op(st, "del_idx", kind, id, &old->idx[i]))
            return STORE_ERR;
    for (size_t i = 0; old && i < old->nsort; i++)
        if (!rows_has_sort(new, &old->sort[i]) && sort_op(st, "del_sort", kind, id, &old->sort[i]))
            return STORE_ERR;
    for (size_t i = 0; old && i < old->nprel; i++)
        if (!rows_has_prel(new, &old->prel[i]) && prel_op(st, "del_prel", kind, id, &old->prel[i]))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nidx; i++)
        if (!rows_has_idx(old, &new->idx[i]) && rows_add_idx(st, kind, id, &new->idx[i]))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nsort; i++)
        if (!rows_has_sort(old, &new->sort[i]) && rows_add_sort(st, kind, id, &new->sort[i]))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nprel; i++)
        if (!rows_has_prel(old, &new->prel[i]) && rows_add_prel(st, kind, id, &new->prel[i]))
            return STORE_ERR;
    return STORE_OK;
}

/* As store_sqlite.c fix_peid: a person's creation or deletion gives the
 * rows other entities wrote for it its eid, or none. */
static int fix_peid(store *st, int kind, const char *id)
{
    if (kind != K_PERSON)
        return STORE_OK;
    pgargs a;
    a.n = 0;
    a_text(&a, id);
    return queue(st, "fix_peid", &a);
}

static int add_change(store *st, int kind, const char *id, const char *op, int64_t at)
{
    pgargs a;
    key_args(&a, kind, id);
    a_text(&a, op);
    a_int(&a, at);
    return queue(st, "ins_change", &a);
}

/* PostgreSQL plans a write's lookups by (kind, id) from the statistics
 * its tables had; taken when they were nearly empty, they make each lookup
 * scan every row of the kind (by entity_source), and a first large batch
 * quadratic: 112 000 persons took more than 20 minutes. ANALYZE inside the
 * transaction samples its own new rows as well, and makes PostgreSQL plan
 * the prepared statements again. Run only when the planner's count of
 * entities is behind what this write added, and checked at geometric
 * steps, so a batch of any size pays for it a handful of times at most. */
static int stats_catch_up(store *st)
{
    st->analyze_next = st->tx_new * ANALYZE_GROWTH;
    if (ready(st))
        return STORE_ERR;
    PGresult *r = PQexec(st->conn, "SELECT reltuples::bigint FROM pg_class WHERE oid = 'entity'::regclass");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        return fail_res(st, "reading the entity table's statistics", r);
    int64_t planned = cell_int(r, 0, 0);
    PQclear(r);
    if (planned >= st->tx_new)
        return STORE_OK;
    st->tx_analyzed = 1;
    return pg_exec(st, STATS_TABLES_ANALYZE);
}

static int pg_entity_put(store *st, int kind, const char *id, const char *json, const entity_rows *r,
                         const entity_rows *old, int64_t created, int64_t modified, const char *source)
{
    pgargs a;
    key_args(&a, kind, id);
    a_text(&a, json);
    a_opt(&a, r->display);
    a_int(&a, created);
    a_int(&a, modified);
    a_opt(&a, r->pstart);
    a_opt(&a, r->pend);
    a_opt(&a, source);
    if (!old) {
        a_int(&a, EID_BASE(kind));
        a_int(&a, EID_BASE(kind + 1));
    }
    if (queue(st, old ? "upd" : "put", &a) || (!old && fix_peid(st, kind, id)) ||
        pg_entity_rows(st, kind, id, old, r))
        return STORE_ERR;
    if (!old && st->in_tx && ++st->tx_new >= st->analyze_next && stats_catch_up(st))
        return STORE_ERR;
    return add_change(st, kind, id, old ? "update" : "create", modified);
}

static int pg_entity_delete(store *st, int kind, const char *id, const entity_rows *old, int64_t at)
{
    pgargs a;
    key_args(&a, kind, id);
    if (queue(st, "del_e", &a) || pg_entity_rows(st, kind, id, old, NULL) || fix_peid(st, kind, id))
        return STORE_ERR;
    a_int(&a, at);
    if (queue(st, "ins_tomb", &a))
        return STORE_ERR;
    return add_change(st, kind, id, "delete", at);
}

/* PostgreSQL sizes its own buffers; a bulk load needs nothing more. */
static int pg_tune_bulk(store *st, long cache_mb)
{
    (void)st;
    (void)cache_mb;
    return STORE_OK;
}

static int pg_orgtree_rebuild(store *st)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "DELETE FROM orgtree;"
             "INSERT INTO orgtree(anc, des) WITH RECURSIVE t(anc, des) AS ("
             " SELECT id, id FROM entity WHERE kind=%d"
             " UNION SELECT t.anc, i.id FROM t JOIN idx i ON i.kind=%d AND i.key='parent' AND i.value=t.des)"
             " SELECT anc, des FROM t",
             K_ORGANISATION, K_ORGANISATION);
    return pg_exec(st, sql);
}

/* ---- reads */

static uint64_t text_hash(const char *p)
{
    uint64_t h = 1469598103934665603ull;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* The name `sql` is prepared under, when it is: 1, else 0. */
static int plan_cached(store *st, const char *sql, char name[24])
{
    uint64_t h = text_hash(sql);
    for (size_t i = 0; i < PLAN_CACHE; i++) {
        struct plan *p = &st->plans[i];
        if (p->sql && p->hash == h && !strcmp(p->sql, sql)) {
            p->used = ++st->plan_clock;
            snprintf(name, 24, "c%llu", (unsigned long long)p->serial);
            return 1;
        }
    }
    return 0;
}

/* The name `sql` is prepared under on this connection, preparing it
 * (and dropping the least recently used) when it is not: 0, or -1 with
 * the error in st->err. */
static int plan_name(store *st, const char *sql, int nparams, char name[24])
{
    if (plan_cached(st, sql, name))
        return 0;
    struct plan *lru = &st->plans[0];
    for (size_t i = 1; i < PLAN_CACHE && lru->sql; i++)
        if (!st->plans[i].sql || st->plans[i].used < lru->used)
            lru = &st->plans[i];
    if (lru->sql) {
        char drop[48];
        snprintf(drop, sizeof drop, "DEALLOCATE c%llu", (unsigned long long)lru->serial);
        /* Inside a failed transaction this fails; the name is never used
         * again (serials only grow), so the statement merely stays until
         * the session ends. */
        PQclear(PQexec(st->conn, drop));
        free(lru->sql);
        lru->sql = NULL;
    }
    uint64_t serial = ++st->plan_serial;
    snprintf(name, 24, "c%llu", (unsigned long long)serial);
    PGresult *r = PQprepare(st->conn, name, sql, nparams, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return fail_res(st, "preparing a statement", r);
    PQclear(r);
    *lru = (struct plan){ .sql = xstrdup(sql), .hash = text_hash(sql), .used = ++st->plan_clock, .serial = serial };
    return 0;
}

/* Runs a built query; binary results keep sort keys (bytea) as raw bytes
 * and text as it is. NULL (with err set) on failure. */
static PGresult *run_q(store *st, const sqlq *q, int binary)
{
    if (ready(st))
        return NULL;
    size_t n = q->nb;
    const char **v = xcalloc(n ? n : 1, sizeof *v);
    int *len = xcalloc(n ? n : 1, sizeof *len), *fmt = xcalloc(n ? n : 1, sizeof *fmt);
    char (*num)[24] = xcalloc(n ? n : 1, sizeof *num);
    for (size_t i = 0; i < n; i++) {
        const sql_bind *b = &q->b[i];
        if (b->t == B_TEXT) {
            v[i] = b->s;
        } else if (b->t == B_INT) {
            snprintf(num[i], sizeof num[i], "%lld", (long long)b->i);
            v[i] = num[i];
        } else {
            v[i] = b->blen ? b->b : "";
            len[i] = (int)b->blen;
            fmt[i] = 1;
        }
    }
    char name[24];
    PGresult *r = NULL;
    if (plan_name(st, q->sql.data, (int)n, name) == 0)
        r = PQexecPrepared(st->conn, name, (int)n, v, len, fmt, binary);
    free(v);
    free(len);
    free(fmt);
    free(num);
    if (!r)
        return NULL; /* plan_name said why */
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fail_res(st, "running a query", r);
        return NULL;
    }
    return r;
}

/* A binary bigint (8 bytes, big-endian two's complement) as a cursor: the
 * sign bit flipped, as the SQLite backend packs it (sql_query.h). */
static void pack_int(unsigned char out[8], const char *v, int len)
{
    memset(out, 0, 8);
    if (len == 8)
        memcpy(out, v, 8);
    out[0] ^= 0x80;
}

static int rows_loop(store *st, const sqlq *q, store_row_fn fn, void *ctx)
{
    PGresult *r = run_q(st, q, 1);
    if (!r)
        return STORE_ERR;
    int stop = 0, n = PQntuples(r);
    unsigned char packed[8];
    for (int i = 0; !stop && i < n; i++) {
        store_row row = {
            .id = PQgetvalue(r, i, 0),
            .json = PQgetvalue(r, i, 1),
            .jsonlen = (size_t)PQgetlength(r, i, 1),
        };
        switch (q->sortv) {
        case SORTV_NONE:
            break;
        case SORTV_BLOB:
            row.sortv = (const unsigned char *)PQgetvalue(r, i, 2);
            row.sortvlen = (size_t)PQgetlength(r, i, 2);
            break;
        case SORTV_EID:
        case SORTV_MODIFIED:
            pack_int(packed, PQgetvalue(r, i, 2), PQgetlength(r, i, 2));
            row.sortv = packed, row.sortvlen = 8;
            break;
        }
        stop = fn(ctx, &row);
    }
    PQclear(r);
    return stop;
}

/* ---- relation sets
 *
 * A page of /persons?relationship.* made PostgreSQL build the set of a
 * school's persons (its prel rows, the guardians through their children)
 * and fetch every one of them before it could order the page: 6-8 ms of
 * its CPU a request. The connection keeps the sets it read, sorted, by a
 * hash of their SQL and values, as long as the change feed's last seq is
 * what it was (every entity write adds to the feed in its transaction),
 * and hands the page's query the keys after its cursor as an array, which
 * PostgreSQL probes the primary key with in order and stops at the limit.
 * The check, a set read again and the page share one snapshot (REPEATABLE
 * READ). Sets past REL_MAX keys are not kept: they are the walks of a
 * municipality's root, which the query's own plan serves. */

static int64_t feed_version(store *st)
{
    sqlq v;
    sqlq_init(&v, 1);
    buf_adds(&v.sql, "SELECT coalesce(max(seq), 0) FROM changes");
    PGresult *r = run_q(st, &v, 0);
    sqlq_free(&v);
    int64_t out = r && PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return out;
}

/* Filter i's set as kept, read now when missing or out of date; NULL
 * when it cannot be kept (the query then reads it itself). */
static const struct relset *rel_set(store *st, const query *q, size_t i)
{
    sqlq set;
    sqlq_init(&set, 1);
    uint64_t h = sql_list_keyset(q, i, &set) ? 0 : sqlq_hash(&set) | 1;
    sqlq_free(&set);
    int64_t v = h ? feed_version(st) : -1;
    if (v < 0)
        return NULL;
    struct relset *slot = NULL, *lru = &st->rels[0];
    for (int k = 0; k < REL_SLOTS && !slot; k++) {
        if (st->rels[k].h == h)
            slot = &st->rels[k];
        else if (st->rels[k].used < lru->used)
            lru = &st->rels[k];
    }
    if (!slot || slot->version != v) {
        slot = slot ? slot : lru;
        free(slot->eids);
        *slot = (struct relset){ 0 };
        sqlq fill;
        sqlq_init(&fill, 1);
        buf_adds(&fill.sql, "SELECT DISTINCT s.x FROM ");
        sql_list_keyset(q, i, &fill);
        buf_printf(&fill.sql, " AS s(x) WHERE s.x IS NOT NULL ORDER BY 1 LIMIT %d", REL_MAX + 1);
        PGresult *r = run_q(st, &fill, 0);
        sqlq_free(&fill);
        if (!r)
            return NULL;
        size_t n = (size_t)PQntuples(r);
        if (n <= REL_MAX) {
            slot->eids = xmalloc((n ? n : 1) * sizeof *slot->eids);
            for (size_t k = 0; k < n; k++)
                slot->eids[k] = strtoll(PQgetvalue(r, (int)k, 0), NULL, 10);
            slot->n = n;
        }
        PQclear(r);
        slot->h = h;
        slot->version = v;
    }
    slot->used = ++st->rel_clock;
    return slot->eids ? slot : NULL;
}

static int pg_list(store *st, const query *q, long limit, store_row_fn fn, void *ctx)
{
    sqlq s;
    sqlq_init(&s, 1);
    size_t rel = 0;
    while (rel < q->nf && sql_list_keyset(q, rel, NULL))
        rel++;
    /* Only outside a transaction of the caller's, whose snapshot is its own. */
    int txn = rel < q->nf && !st->in_tx && !getenv("SKOLNAV_NO_DRIVE_SETS") && ready(st) == STORE_OK &&
              PQtransactionStatus(st->conn) == PQTRANS_IDLE &&
              pg_exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") == STORE_OK;
    const struct relset *rs = txn ? rel_set(st, q, rel) : NULL;
    if (txn && PQtransactionStatus(st->conn) == PQTRANS_INERROR) {
        /* Reading the set failed: the page reads it itself, as before. */
        pg_exec(st, "ROLLBACK");
        txn = 0;
    }
    if (rs) {
        s.rel_eids = rs->eids;
        s.nrel_eids = rs->n;
    }
    int rc;
    if (sql_list(q, limit, &s)) {
        snprintf(st->err, sizeof st->err, "the page token's cursor does not fit this list of %s", q->kind->path);
        rc = STORE_BADCURSOR;
    } else {
        rc = rows_loop(st, &s, fn, ctx);
    }
    if (txn && pg_exec(st, rc < 0 ? "ROLLBACK" : "COMMIT") && rc >= 0)
        rc = STORE_ERR;
    sqlq_free(&s);
    return rc;
}

static int pg_fetch_ids(store *st, int kind, const char *const *ids, size_t n, store_row_fn fn, void *ctx)
{
    if (!n)
        return STORE_OK;
    sqlq s;
    sqlq_init(&s, 1);
    sql_fetch_ids(kind, ids, n, &s);
    int rc = rows_loop(st, &s, fn, ctx);
    sqlq_free(&s);
    return rc;
}

static int pg_fetch_by_key(store *st, int kind, const char *key, int via_kind, const char *via_key,
                           const char *const *values, size_t n, store_row_fn fn, void *ctx)
{
    if (!n)
        return STORE_OK;
    sqlq s;
    sqlq_init(&s, 1);
    sql_fetch_by_key(kind, key, via_kind, via_key, values, n, &s);
    int rc = rows_loop(st, &s, fn, ctx);
    sqlq_free(&s);
    return rc;
}

static int pg_display_names(store *st, int kind, const char *const *ids, size_t n, store_name_fn fn, void *ctx)
{
    if (!n)
        return STORE_OK;
    sqlq q;
    sqlq_init(&q, 1);
    sql_display_names(kind, ids, n, &q);
    PGresult *r = run_q(st, &q, 0);
    sqlq_free(&q);
    if (!r)
        return STORE_ERR;
    buf name;
    buf_init(&name);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *own = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1);
        const char *person = kind == K_DUTY && !PQgetisnull(r, i, 2) ? PQgetvalue(r, i, 2) : NULL;
        buf_reset(&name);
        if (person && own && *own)
            buf_printf(&name, "%s (%s)", person, own);
        else
            buf_adds(&name, person ? person : own ? own : "");
        fn(ctx, PQgetvalue(r, i, 0), buf_cstr(&name));
    }
    buf_free(&name);
    PQclear(r);
    return STORE_OK;
}

static int pg_deleted(store *st, const query *q, long limit, store_tomb_fn fn, void *ctx)
{
    sqlq qq;
    sqlq_init(&qq, 1);
    sql_deleted(q, limit, &qq);
    PGresult *r = run_q(st, &qq, 0);
    sqlq_free(&qq);
    if (!r)
        return STORE_ERR;
    int stop = 0;
    for (int i = 0; !stop && i < PQntuples(r); i++)
        stop = fn(ctx, cell_int(r, i, 0), (int)cell_int(r, i, 1), PQgetvalue(r, i, 2));
    PQclear(r);
    return stop;
}

/* ---- raw statements: "?" becomes "$n"; rows arrive one at a time
 * (single-row mode), so a statement over a whole table stays small. */

static int pg_prepare(store *st, const char *sql, store_stmt **out)
{
    buf b;
    buf_init(&b);
    int n = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?') {
            buf_printf(&b, "$%d", ++n);
            continue;
        }
        buf_addc(&b, *p);
    }
    store_stmt *s = xcalloc(1, sizeof *s);
    s->st = st;
    s->sql = buf_steal(&b);
    s->nparams = n;
    s->vals = xcalloc(n ? (size_t)n : 1, sizeof *s->vals);
    s->lens = xcalloc(n ? (size_t)n : 1, sizeof *s->lens);
    s->fmts = xcalloc(n ? (size_t)n : 1, sizeof *s->fmts);
    *out = s;
    return STORE_OK;
}

static int bind_raw(store_stmt *s, int i, const void *v, size_t n, int fmt)
{
    if (i < 1 || i > s->nparams || s->started)
        return -1;
    free(s->vals[i - 1]);
    s->vals[i - 1] = NULL;
    if (v) {
        s->vals[i - 1] = xmalloc(n + 1);
        memcpy(s->vals[i - 1], v, n);
        s->vals[i - 1][n] = 0;
    }
    s->lens[i - 1] = (int)n;
    s->fmts[i - 1] = fmt;
    return 0;
}

static void finish(store_stmt *s);

static int pg_reset(store_stmt *s)
{
    finish(s);
    s->started = s->done = 0;
    return 0;
}

static int pg_bind_text(store_stmt *s, int i, const char *v)
{
    return bind_raw(s, i, v, v ? strlen(v) : 0, 0);
}

static int pg_bind_int(store_stmt *s, int i, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)v);
    return bind_raw(s, i, num, strlen(num), 0);
}

static int pg_bind_null(store_stmt *s, int i)
{
    return bind_raw(s, i, NULL, 0, 0);
}

static int pg_bind_blob(store_stmt *s, int i, const void *v, size_t n)
{
    return bind_raw(s, i, n ? v : "", n, 1);
}

static int is_plain_insert(const char *sql)
{
    return !strncmp(sql, "INSERT ", 7) && !strstr(sql, "RETURNING");
}

/* Reads what is left of a statement's results. */
static void finish(store_stmt *s)
{
    PQclear(s->row);
    s->row = NULL;
    if (!s->started || s->done)
        return;
    PGresult *r;
    while ((r = PQgetResult(s->st->conn)))
        PQclear(r);
    s->done = 1;
}

static int pg_step(store_stmt *s)
{
    store *st = s->st;
    PQclear(s->row);
    s->row = NULL;
    PQfreemem(s->blob);
    s->blob = NULL;
    if (s->done)
        return 0;
    char name[24];
    if (!s->started && st->append && st->pipe && is_plain_insert(s->sql) && plan_cached(st, s->sql, name)) {
        /* In an append transaction an INSERT returns nothing to wait for:
         * it joins the queue, and a failure surfaces at the commit. */
        s->started = s->done = 1;
        return rows_flush(st) || queue_raw(st, name, NULL, s->nparams, (const char *const *)s->vals, s->lens, s->fmts)
                   ? -1
                   : 0;
    }
    if (!s->started) {
        if (ready(st))
            return -1;
        if (plan_name(st, s->sql, s->nparams, name))
            return -1;
        s->started = 1;
        if (PQsendQueryPrepared(st->conn, name, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0) != 1 ||
            PQsetSingleRowMode(st->conn) != 1) {
            fail_conn(st, "running a statement");
            finish(s);
            return -1;
        }
    }
    PGresult *r = PQgetResult(st->conn);
    ExecStatusType t = PQresultStatus(r);
    if (t == PGRES_SINGLE_TUPLE) {
        s->row = r;
        return 1;
    }
    int rc = 0;
    if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
        set_err(st, "running a statement", r ? PQresultErrorMessage(r) : PQerrorMessage(st->conn));
        rc = -1;
    }
    PQclear(r);
    finish(s);
    return rc;
}

static const char *pg_col_text(store_stmt *s, int i)
{
    if (!s->row || i >= PQnfields(s->row) || PQgetisnull(s->row, 0, i))
        return "";
    return PQgetvalue(s->row, 0, i);
}

static int64_t pg_col_int(store_stmt *s, int i)
{
    return strtoll(pg_col_text(s, i), NULL, 10);
}

static const void *pg_col_blob(store_stmt *s, int i, size_t *n)
{
    *n = 0;
    PQfreemem(s->blob);
    s->blob = PQunescapeBytea((const unsigned char *)pg_col_text(s, i), n);
    return s->blob ? (const void *)s->blob : "";
}

static int pg_col_is_null(store_stmt *s, int i)
{
    return !s->row || i >= PQnfields(s->row) || PQgetisnull(s->row, 0, i);
}

static void pg_finalize(store_stmt *s)
{
    if (!s)
        return;
    finish(s);
    PQfreemem(s->blob);
    for (int i = 0; i < s->nparams; i++)
        free(s->vals[i]);
    free(s->vals);
    free(s->lens);
    free(s->fmts);
    free(s->sql);
    free(s);
}

static int pg_sequences_sync(store *st)
{
    return pg_exec(st, "SELECT setval(pg_get_serial_sequence('changes', 'seq'),"
                       " coalesce((SELECT max(seq) FROM changes), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('tombstone', 'seq'),"
                       " coalesce((SELECT max(seq) FROM tombstone), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('outbox', 'id'),"
                       " coalesce((SELECT max(id) FROM outbox), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('feedback', 'id'),"
                       " coalesce((SELECT max(id) FROM feedback), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('access_event', 'seq'),"
                       " coalesce((SELECT max(seq) FROM access_event), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('request_log', 'seq'),"
                       " coalesce((SELECT max(seq) FROM request_log), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('source_run', 'seq'),"
                       " coalesce((SELECT max(seq) FROM source_run), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('admin_login_fail', 'seq'),"
                       " coalesce((SELECT max(seq) FROM admin_login_fail), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('admin_audit', 'seq'),"
                       " coalesce((SELECT max(seq) FROM admin_audit), 0) + 1, false);"
                       "SELECT setval(pg_get_serial_sequence('ledger_reader', 'id'),"
                       " coalesce((SELECT max(id) FROM ledger_reader), 0) + 1, false)");
}

static const store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .errmsg = pg_errmsg,
    .schema_version = pg_schema_version,
    .begin = pg_begin,
    .begin_append = pg_begin_append,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .entity_meta = pg_entity_meta,
    .entity_exists = pg_entity_exists,
    .entity_metas = pg_entity_metas,
    .entity_put = pg_entity_put,
    .entity_delete = pg_entity_delete,
    .entity_rows = pg_entity_rows,
    .tune_bulk = pg_tune_bulk,
    .orgtree_rebuild = pg_orgtree_rebuild,
    .list = pg_list,
    .fetch_ids = pg_fetch_ids,
    .fetch_by_key = pg_fetch_by_key,
    .display_names = pg_display_names,
    .deleted = pg_deleted,
    .prepare = pg_prepare,
    .reset = pg_reset,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_null = pg_bind_null,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .col_blob = pg_col_blob,
    .col_is_null = pg_col_is_null,
    .finalize = pg_finalize,
    .exec = pg_exec,
    .sequences_sync = pg_sequences_sync,
};
