#include "sources/sources.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/timefmt.h"

/* Credentials are 256 random bits, so a fast hash is enough (as for clients). */
static void key_hash(const char *key, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

void source_rec_free(source_rec *s)
{
    free(s->url);
    free(s->auth);
    s->url = s->auth = NULL;
}

int source_name_check(const char *name, char *err, size_t errlen)
{
    size_t n = strlen(name);
    if (n == 0 || n > SOURCE_NAME_MAX) {
        snprintf(err, errlen, "a source name has 1 to %d characters", SOURCE_NAME_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.')) {
            snprintf(err, errlen, "the source name '%s' may hold only letters A-Z, digits, '-', '_' and '.'", name);
            return -1;
        }
    }
    if (!strcmp(name, "local")) {
        snprintf(err, errlen, "'local' is reserved: it owns what the command line and the demo write");
        return -1;
    }
    return 0;
}

int source_kinds_parse(source_rec *s, const char *list, char *err, size_t errlen)
{
    memset(s->kinds, 0, sizeof s->kinds);
    s->all_kinds = 0;
    if (!list || !strcmp(list, "all")) {
        memset(s->kinds, 1, sizeof s->kinds);
        s->all_kinds = 1;
        return 0;
    }
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const kind_desc *k = model_kind_by_path(p, len);
        if (!k || !k->deleted_key) {
            snprintf(err, errlen, "'%.*s' is not an entity kind (use path names such as persons,groups)", (int)len, p);
            return -1;
        }
        s->kinds[k->id] = 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

char *source_kinds_string(const source_rec *s)
{
    if (s->all_kinds)
        return xstrdup("all");
    buf b;
    buf_init(&b);
    for (int k = 0; k < K__COUNT; k++)
        if (s->kinds[k])
            buf_printf(&b, "%s%s", b.len ? "," : "", model_kind(k)->path);
    if (!b.len)
        buf_adds(&b, "");
    return buf_steal(&b);
}

int sources_add(store *st, source_rec *s, char key[SOURCE_KEY_LEN])
{
    char hash[65];
    int push = !strcmp(s->type, "push");
    if (push) {
        unsigned char raw[32];
        randombytes_buf(raw, sizeof raw);
        memcpy(key, "skp_", 4); /* skp_: a push credential, never an API key (skn_) */
        sodium_bin2base64(key + 4, SOURCE_KEY_LEN - 4, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        key_hash(key, hash);
    }
    if (!s->delete_pct)
        s->delete_pct = SOURCE_DELETE_PCT;
    if (!s->change_pct)
        s->change_pct = SOURCE_CHANGE_PCT;
    if (!s->hold_min)
        s->hold_min = SOURCE_HOLD_MIN;
    uuid_random(s->id);
    s->created = time_now_ms();
    char *kinds = s->all_kinds ? NULL : source_kinds_string(s);
    store_stmt *q;
    if (store_prepare(st, "INSERT INTO source(id,name,type,key_hash,url,auth,schedule,kinds,delete_pct,change_pct,"
                          "hold_min,created) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", &q)) {
        free(kinds);
        return STORE_ERR;
    }
    store_bind_text(q, 1, s->id);
    store_bind_text(q, 2, s->name);
    store_bind_text(q, 3, s->type);
    if (push)
        store_bind_text(q, 4, hash);
    else
        store_bind_null(q, 4);
    if (s->url)
        store_bind_text(q, 5, s->url);
    else
        store_bind_null(q, 5);
    if (s->auth)
        store_bind_text(q, 6, s->auth);
    else
        store_bind_null(q, 6);
    store_bind_int(q, 7, s->schedule);
    if (kinds)
        store_bind_text(q, 8, kinds);
    else
        store_bind_null(q, 8);
    store_bind_int(q, 9, s->delete_pct);
    store_bind_int(q, 10, s->change_pct);
    store_bind_int(q, 11, s->hold_min);
    store_bind_int(q, 12, s->created);
    int rc = store_step(q);
    store_finalize(q);
    free(kinds);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

#define SOURCE_COLS "id,name,type,url,auth,schedule,kinds,delete_pct,change_pct,hold_min,raised_pct,raised_until,created"

/* store_col_text gives "" for NULL. */
static const char *col_opt(store_stmt *q, int i)
{
    const char *v = store_col_text(q, i);
    return v && *v ? v : NULL;
}

static void read_row(store_stmt *q, source_rec *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", store_col_text(q, 0));
    snprintf(s->name, sizeof s->name, "%s", store_col_text(q, 1));
    snprintf(s->type, sizeof s->type, "%s", store_col_text(q, 2));
    const char *url = col_opt(q, 3), *auth = col_opt(q, 4);
    s->url = url ? xstrdup(url) : NULL;
    s->auth = auth ? xstrdup(auth) : NULL;
    s->schedule = (long)store_col_int(q, 5);
    char err[160];
    if (source_kinds_parse(s, col_opt(q, 6), err, sizeof err))
        memset(s->kinds, 0, sizeof s->kinds); /* a kind this version no longer has: allow none */
    s->delete_pct = (int)store_col_int(q, 7);
    s->change_pct = (int)store_col_int(q, 8);
    s->hold_min = (int)store_col_int(q, 9);
    s->raised_pct = (int)store_col_int(q, 10);
    s->raised_until = store_col_int(q, 11);
    s->created = store_col_int(q, 12);
}

static int get_one(store *st, const char *sql, const char *arg, source_rec *s)
{
    store_stmt *q;
    if (store_prepare(st, sql, &q))
        return STORE_ERR;
    store_bind_text(q, 1, arg);
    int rc = store_step(q);
    if (rc == 1)
        read_row(q, s);
    store_finalize(q);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int sources_get(store *st, const char *name, source_rec *s)
{
    return get_one(st, "SELECT " SOURCE_COLS " FROM source WHERE name=?", name, s);
}

int sources_auth(store *st, const char *key, source_rec *s)
{
    char hash[65];
    key_hash(key, hash);
    return get_one(st, "SELECT " SOURCE_COLS " FROM source WHERE key_hash=? AND type='push'", hash, s);
}

int sources_list(store *st, void (*fn)(void *ctx, const source_rec *s), void *ctx)
{
    store_stmt *q;
    if (store_prepare(st, "SELECT " SOURCE_COLS " FROM source ORDER BY name", &q))
        return STORE_ERR;
    int rc;
    while ((rc = store_step(q)) == 1) {
        source_rec s;
        read_row(q, &s);
        fn(ctx, &s);
        source_rec_free(&s);
    }
    store_finalize(q);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

static int exec1(store *st, const char *sql, const char *arg)
{
    store_stmt *q;
    if (store_prepare(st, sql, &q))
        return STORE_ERR;
    store_bind_text(q, 1, arg);
    int rc = store_step(q);
    store_finalize(q);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

static int exec2(store *st, const char *sql, const char *a, const char *b)
{
    store_stmt *q;
    if (store_prepare(st, sql, &q))
        return STORE_ERR;
    store_bind_text(q, 1, a);
    store_bind_text(q, 2, b);
    int rc = store_step(q);
    store_finalize(q);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int sources_remove(store *st, const char *name)
{
    return exec1(st, "DELETE FROM source_run WHERE source=?", name) ||
                   exec1(st, "DELETE FROM held_batch WHERE source=?", name) ||
                   exec1(st, "DELETE FROM pull_state WHERE source=?", name) ||
                   exec1(st, "DELETE FROM pull_seen WHERE source=?", name) ||
                   exec1(st, "DELETE FROM source WHERE name=?", name)
               ? STORE_ERR
               : STORE_OK;
}

int sources_set_thresholds(store *st, const char *name, int delete_pct, int change_pct, int hold_min,
                           int raised_pct, int64_t raised_until)
{
    store_stmt *q;
    /* plain ? placeholders (the PostgreSQL backend numbers them), each value bound twice */
    if (store_prepare(st, "UPDATE source SET delete_pct=CASE WHEN ?<0 THEN delete_pct ELSE ? END,"
                          " change_pct=CASE WHEN ?<0 THEN change_pct ELSE ? END,"
                          " hold_min=CASE WHEN ?<0 THEN hold_min ELSE ? END,"
                          " raised_pct=CASE WHEN ?<0 THEN raised_pct ELSE ? END,"
                          /* bigint: PostgreSQL would type the parameter as integer */
                          " raised_until=CASE WHEN CAST(? AS BIGINT)<0 THEN raised_until ELSE CAST(? AS BIGINT) END"
                          " WHERE name=?", &q))
        return STORE_ERR;
    int64_t v[5] = { delete_pct, change_pct, hold_min, raised_pct, raised_until };
    for (int i = 0; i < 5; i++) {
        store_bind_int(q, 2 * i + 1, v[i]);
        store_bind_int(q, 2 * i + 2, v[i]);
    }
    store_bind_text(q, 11, name);
    int rc = store_step(q);
    store_finalize(q);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int64_t sources_entity_count(store *st, const char *name, int kind)
{
    store_stmt *q;
    int local = !strcmp(name, "local");
    const char *sql = kind == K_NONE
                          ? (local ? "SELECT count(*) FROM entity WHERE (source=? OR source IS NULL)"
                                   : "SELECT count(*) FROM entity WHERE source=?")
                          : (local ? "SELECT count(*) FROM entity WHERE (source=? OR source IS NULL) AND kind=?"
                                   : "SELECT count(*) FROM entity WHERE source=? AND kind=?");
    if (store_prepare(st, sql, &q))
        return -1;
    store_bind_text(q, 1, name);
    if (kind != K_NONE)
        store_bind_int(q, 2, kind);
    int64_t n = store_step(q) == 1 ? store_col_int(q, 0) : -1;
    store_finalize(q);
    return n;
}

int sources_record_run(store *st, const char *name, const source_run *r)
{
    store_stmt *q;
    if (store_begin(st))
        return STORE_ERR;
    if (store_prepare(st, "INSERT INTO source_run(source,started,finished,what,result,created,updated,deleted,"
                          "unchanged,errors) VALUES(?,?,?,?,?,?,?,?,?,?)", &q)) {
        store_rollback(st);
        return STORE_ERR;
    }
    store_bind_text(q, 1, name);
    store_bind_int(q, 2, r->started);
    store_bind_int(q, 3, r->finished);
    store_bind_text(q, 4, r->what);
    store_bind_text(q, 5, r->result);
    store_bind_int(q, 6, (int64_t)r->created);
    store_bind_int(q, 7, (int64_t)r->updated);
    store_bind_int(q, 8, (int64_t)r->deleted);
    store_bind_int(q, 9, (int64_t)r->unchanged);
    if (r->errors)
        store_bind_text(q, 10, r->errors);
    else
        store_bind_null(q, 10);
    int rc = store_step(q);
    store_finalize(q);
    if (rc >= 0) {
        char sql[200];
        snprintf(sql, sizeof sql, "DELETE FROM source_run WHERE source=? AND seq <= "
                 "(SELECT seq FROM source_run WHERE source=? ORDER BY seq DESC LIMIT 1 OFFSET %d)", SOURCE_RUNS_KEPT);
        rc = exec2(st, sql, name, name);
    }
    if (rc < 0 || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

int sources_runs(store *st, const char *name, long limit, void (*fn)(void *ctx, const source_run *r), void *ctx)
{
    store_stmt *q;
    if (store_prepare(st, "SELECT started,finished,what,result,created,updated,deleted,unchanged,errors"
                          " FROM source_run WHERE source=? ORDER BY seq DESC LIMIT ?", &q))
        return STORE_ERR;
    store_bind_text(q, 1, name);
    store_bind_int(q, 2, limit);
    int rc;
    while ((rc = store_step(q)) == 1) {
        source_run r = {
            .started = store_col_int(q, 0),
            .finished = store_col_int(q, 1),
            .what = store_col_text(q, 2),
            .result = store_col_text(q, 3),
            .created = (size_t)store_col_int(q, 4),
            .updated = (size_t)store_col_int(q, 5),
            .deleted = (size_t)store_col_int(q, 6),
            .unchanged = (size_t)store_col_int(q, 7),
            .errors = store_col_text(q, 8)[0] ? store_col_text(q, 8) : NULL,
        };
        fn(ctx, &r);
    }
    store_finalize(q);
    return rc == 0 ? STORE_OK : STORE_ERR;
}
