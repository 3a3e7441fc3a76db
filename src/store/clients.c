#include "store/clients.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/timefmt.h"

static void key_hash(const char *key, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static int done(store_stmt *s)
{
    int rc = store_step(s);
    store_finalize(s);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

int clients_add_key(store *st, const char *client_id, int64_t expires_ms, char key[CLIENT_KEY_LEN],
                    char key_id[CLIENT_KEYID_LEN])
{
    unsigned char raw[32], rid[8];
    randombytes_buf(raw, sizeof raw);
    randombytes_buf(rid, sizeof rid);
    memcpy(key, "skn_", 4);
    sodium_bin2base64(key + 4, CLIENT_KEY_LEN - 4, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_bin2hex(key_id, CLIENT_KEYID_LEN, rid, sizeof rid);
    char hash[65];
    key_hash(key, hash);
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO client_key(id, client, hash, created, expires) VALUES(?,?,?,?,?)", &s))
        return STORE_ERR;
    store_bind_text(s, 1, key_id);
    store_bind_text(s, 2, client_id);
    store_bind_text(s, 3, hash);
    store_bind_int(s, 4, time_now_ms());
    if (expires_ms > 0)
        store_bind_int(s, 5, expires_ms);
    else
        store_bind_null(s, 5);
    return done(s);
}

int clients_add(store *st, const char *name, int full_access, char id[UUID_STR_LEN], char key[CLIENT_KEY_LEN])
{
    uuid_random(id);
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO client(id, name, full_access, created) VALUES(?,?,?,?)", &s))
        return STORE_ERR;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, name);
    store_bind_int(s, 3, full_access);
    store_bind_int(s, 4, time_now_ms());
    if (done(s))
        return STORE_ERR;
    char kid[CLIENT_KEYID_LEN];
    return clients_add_key(st, id, 0, key, kid);
}

int clients_expire_keys(store *st, const char *client_id, const char *keep_key_id, int64_t at_ms)
{
    store_stmt *s;
    int64_t now = time_now_ms();
    if (at_ms <= now) {
        if (store_prepare(st, "UPDATE client_key SET revoked=? WHERE client=? AND id<>? AND revoked IS NULL", &s))
            return STORE_ERR;
        store_bind_int(s, 1, now);
    } else {
        if (store_prepare(st, "UPDATE client_key SET expires=CASE WHEN expires IS NULL OR expires>? THEN ? ELSE expires END"
                              " WHERE client=? AND id<>? AND revoked IS NULL", &s))
            return STORE_ERR;
        store_bind_int(s, 1, at_ms);
        store_bind_int(s, 2, at_ms);
        store_bind_text(s, 3, client_id);
        store_bind_text(s, 4, keep_key_id);
        return done(s);
    }
    store_bind_text(s, 2, client_id);
    store_bind_text(s, 3, keep_key_id);
    return done(s);
}

int clients_revoke_key(store *st, const char *client_id, const char *key_id)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT 1 FROM client_key WHERE client=? AND id=? AND revoked IS NULL", &s))
        return STORE_ERR;
    store_bind_text(s, 1, client_id);
    store_bind_text(s, 2, key_id);
    int rc = store_step(s);
    store_finalize(s);
    if (rc != 1)
        return rc < 0 ? STORE_ERR : STORE_NOTFOUND;
    if (store_prepare(st, "UPDATE client_key SET revoked=? WHERE client=? AND id=?", &s))
        return STORE_ERR;
    store_bind_int(s, 1, time_now_ms());
    store_bind_text(s, 2, client_id);
    store_bind_text(s, 3, key_id);
    return done(s);
}

int clients_set_details(store *st, const char *client_id, const client_details *d)
{
    static const char *const cols[] = { "vendor", "contact", "dpo", "purpose", "legal_basis", "contract_end" };
    const char *vals[] = { d->vendor, d->contact, d->dpo, d->purpose, d->legal_basis, d->contract_end };
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        if (!vals[i])
            continue;
        char sql[96];
        snprintf(sql, sizeof sql, "UPDATE client SET %s=? WHERE id=?", cols[i]);
        store_stmt *s;
        if (store_prepare(st, sql, &s))
            return STORE_ERR;
        if (*vals[i])
            store_bind_text(s, 1, vals[i]);
        else
            store_bind_null(s, 1);
        store_bind_text(s, 2, client_id);
        if (done(s))
            return STORE_ERR;
    }
    return STORE_OK;
}

#define CLIENT_COLS                                                                                \
    "c.id, c.name, c.full_access, c.suspended, c.all_orgs, c.cats, c.protected, c.pseudonyms," \
    " c.writes, coalesce(c.contract_end, ''), c.created,"                                      \
    " coalesce((SELECT v FROM setting WHERE k='stop_all'), '0')"

static void today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void read_client(store_stmt *s, client *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", store_col_text(s, 0));
    snprintf(c->name, sizeof c->name, "%s", store_col_text(s, 1));
    c->full_access = (int)store_col_int(s, 2);
    c->suspended = (int)store_col_int(s, 3);
    c->all_orgs = (int)store_col_int(s, 4);
    c->cats = (uint32_t)store_col_int(s, 5);
    const char *p = store_col_text(s, 6);
    c->protect = !strcmp(p, "full") ? PROTECT_FULL : !strcmp(p, "alias") ? PROTECT_ALIAS : PROTECT_EXCLUDE;
    c->pseudonyms = (int)store_col_int(s, 7);
    c->writes = (int)store_col_int(s, 8);
    snprintf(c->contract_end, sizeof c->contract_end, "%s", store_col_text(s, 9));
    c->created = store_col_int(s, 10);
    c->stopped_all = !strcmp(store_col_text(s, 11), "1");
    char d[11];
    today(d);
    /* The contract end date is the last day of access. */
    c->expired = c->contract_end[0] && strcmp(d, c->contract_end) > 0;
}

/* The live key matching `where` (one placeholder, bound to v), of client_id
 * when given. Portable SQL: plain placeholders, no SQLite-only functions. */
static int auth_by(store *st, const char *where, const char *v, const char *client_id, client *c)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " CLIENT_COLS ", k.id FROM client_key k JOIN client c ON c.id=k.client"
             " WHERE %s AND k.revoked IS NULL AND (k.expires IS NULL OR k.expires>?)%s", where,
             client_id ? " AND k.client=?" : "");
    store_stmt *s;
    if (store_prepare(st, sql, &s))
        return STORE_ERR;
    store_bind_text(s, 1, v);
    store_bind_int(s, 2, time_now_ms());
    if (client_id)
        store_bind_text(s, 3, client_id);
    int rc = store_step(s);
    if (rc == 1) {
        read_client(s, c);
        snprintf(c->key_id, sizeof c->key_id, "%s", store_col_text(s, 12));
    }
    store_finalize(s);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int clients_auth(store *st, const char *key, client *c)
{
    char hash[65];
    key_hash(key, hash);
    return auth_by(st, "k.hash=?", hash, NULL, c);
}

int clients_auth_secret(store *st, const char *client_id, const char *key, client *c)
{
    char hash[65];
    key_hash(key, hash);
    return auth_by(st, "k.hash=?", hash, client_id, c);
}

int clients_auth_key_id(store *st, const char *client_id, const char *key_id, client *c)
{
    return auth_by(st, "k.id=?", key_id, client_id, c);
}

int clients_find(store *st, const char *id_or_name, client *c)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT " CLIENT_COLS " FROM client c WHERE c.id=? OR c.name=?"
                          " ORDER BY CASE WHEN c.id=? THEN 0 ELSE 1 END", &s))
        return STORE_ERR;
    char lower[UUID_STR_LEN] = "";
    if (!uuid_valid(id_or_name))
        uuid_lower(id_or_name, lower);
    const char *want = lower[0] ? lower : id_or_name;
    store_bind_text(s, 1, want);
    store_bind_text(s, 2, id_or_name);
    store_bind_text(s, 3, want);
    int rc = store_step(s);
    if (rc == 1) {
        read_client(s, c);
        int exact_id = !strcmp(c->id, id_or_name) || !strcmp(c->id, lower);
        if (!exact_id && store_step(s) == 1) {
            store_finalize(s);
            return CLIENTS_AMBIGUOUS;
        }
    }
    store_finalize(s);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int clients_list(store *st, void (*fn)(void *ctx, const client *c, int64_t created), void *ctx)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT " CLIENT_COLS " FROM client c ORDER BY c.created, c.id", &s))
        return STORE_ERR;
    int rc;
    while ((rc = store_step(s)) == 1) {
        client c;
        read_client(s, &c);
        fn(ctx, &c, c.created);
    }
    store_finalize(s);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

static int set_orgs(store *st, const char *client_id, const char *const *orgs, size_t n, int add)
{
    for (size_t i = 0; i < n; i++) {
        store_stmt *s;
        if (store_prepare(st, add ? "INSERT INTO client_org(client, org) VALUES(?,?) ON CONFLICT DO NOTHING"
                                  : "DELETE FROM client_org WHERE client=? AND org=?", &s))
            return STORE_ERR;
        store_bind_text(s, 1, client_id);
        store_bind_text(s, 2, orgs[i]);
        if (done(s))
            return STORE_ERR;
    }
    return STORE_OK;
}

int clients_grant(store *st, const char *client_id, int all_orgs, const char *const *orgs, size_t norgs,
                  uint32_t cats, int protect, int pseudonyms, int writes)
{
    static const char *const pnames[] = { "exclude", "alias", "full" };
    store_stmt *s;
    if (store_prepare(st, "UPDATE client SET all_orgs=CASE WHEN ?=1 THEN 1 ELSE all_orgs END, cats=cats|?,"
                          " protected=coalesce(?, protected), pseudonyms=coalesce(?, pseudonyms),"
                          " writes=coalesce(?, writes) WHERE id=?", &s))
        return STORE_ERR;
    store_bind_int(s, 1, all_orgs ? 1 : 0);
    store_bind_int(s, 2, cats);
    if (protect >= 0 && protect <= PROTECT_FULL)
        store_bind_text(s, 3, pnames[protect]);
    else
        store_bind_null(s, 3);
    if (pseudonyms >= 0)
        store_bind_int(s, 4, pseudonyms);
    else
        store_bind_null(s, 4);
    if (writes >= 0)
        store_bind_int(s, 5, writes);
    else
        store_bind_null(s, 5);
    store_bind_text(s, 6, client_id);
    if (done(s))
        return STORE_ERR;
    return set_orgs(st, client_id, orgs, norgs, 1);
}

int clients_revoke(store *st, const char *client_id, int all_orgs, const char *const *orgs, size_t norgs,
                   uint32_t cats)
{
    store_stmt *s;
    /* "&~" would be one (unknown) operator to PostgreSQL's lexer. */
    if (store_prepare(st,
                      "UPDATE client SET all_orgs=CASE WHEN ?=1 THEN 0 ELSE all_orgs END,"
                      " cats=cats & ~CAST(? AS BIGINT) WHERE id=?",
                      &s))
        return STORE_ERR;
    store_bind_int(s, 1, all_orgs ? 1 : 0);
    store_bind_int(s, 2, cats);
    store_bind_text(s, 3, client_id);
    if (done(s))
        return STORE_ERR;
    return set_orgs(st, client_id, orgs, norgs, 0);
}

int clients_orgs(store *st, const char *client_id, void (*fn)(void *ctx, const char *org), void *ctx)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT org FROM client_org WHERE client=? ORDER BY org", &s))
        return STORE_ERR;
    store_bind_text(s, 1, client_id);
    int rc;
    while ((rc = store_step(s)) == 1)
        fn(ctx, store_col_text(s, 0));
    store_finalize(s);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

int clients_set_suspended(store *st, const char *client_id, int suspended)
{
    store_stmt *s;
    if (store_prepare(st, "UPDATE client SET suspended=? WHERE id=?", &s))
        return STORE_ERR;
    store_bind_int(s, 1, suspended);
    store_bind_text(s, 2, client_id);
    return done(s);
}

int clients_remove(store *st, const char *client_id)
{
    /* The ledger and the request log keep their rows: what was disclosed
     * stays accountable after the client is gone. */
    static const char *const sql[] = {
        "DELETE FROM client_key WHERE client=?",
        "DELETE FROM client_org WHERE client=?",
        "DELETE FROM client WHERE id=?",
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        store_stmt *s;
        if (store_prepare(st, sql[i], &s))
            return STORE_ERR;
        store_bind_text(s, 1, client_id);
        if (done(s))
            return STORE_ERR;
    }
    return STORE_OK;
}

int clients_stop_all(store *st, int on)
{
    return store_setting_set(st, "stop_all", on ? "1" : "0");
}

int clients_event(store *st, const char *client_id, const char *what)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO access_event(at, client, what) VALUES(?,?,?)", &s))
        return STORE_ERR;
    store_bind_int(s, 1, time_now_ms());
    if (client_id)
        store_bind_text(s, 2, client_id);
    else
        store_bind_null(s, 2);
    store_bind_text(s, 3, what);
    return done(s);
}
