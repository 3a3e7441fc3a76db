/* The settings of each service provider, keyed by its client id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/egil.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define COLS "client, url, ca, cert, key, pin, api_header, api_key, metadata, jwks, entity_id, tag, md_cache," \
             " md_fetched, max_create, max_update, max_delete, activities, timeout_ms, retries, health"

void provision_sp_free(provision_sp *sp)
{
    char **s[] = { &sp->url, &sp->ca, &sp->cert, &sp->key, &sp->pin, &sp->api_header, &sp->api_key,
                   &sp->metadata, &sp->jwks, &sp->entity_id, &sp->tag, &sp->md_cache, &sp->health };
    for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
        free(*s[i]);
        *s[i] = NULL;
    }
}

static char *col(store_stmt *s, int i)
{
    return store_col_is_null(s, i) ? NULL : xstrdup(store_col_text(s, i));
}

static void read_row(store_stmt *s, provision_sp *sp)
{
    char **f[] = { &sp->url, &sp->ca, &sp->cert, &sp->key, &sp->pin, &sp->api_header, &sp->api_key,
                   &sp->metadata, &sp->jwks, &sp->entity_id, &sp->tag, &sp->md_cache };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        *f[i] = col(s, (int)i + 1);
    sp->md_fetched = store_col_int(s, 13);
    sp->max_create = (long)store_col_int(s, 14);
    sp->max_update = (long)store_col_int(s, 15);
    sp->max_delete = (long)store_col_int(s, 16);
    sp->activities_per_group = (int)store_col_int(s, 17);
    sp->timeout_ms = (long)store_col_int(s, 18);
    sp->retries = (int)store_col_int(s, 19);
    sp->health = col(s, 20);
}

int provision_sp_find(store *st, const char *name, provision_sp *sp)
{
    memset(sp, 0, sizeof *sp);
    int rc = clients_find(st, name, &sp->cl);
    if (rc != STORE_OK)
        return rc == CLIENTS_AMBIGUOUS ? STORE_NOTFOUND : rc;
    store_stmt *s;
    if (store_prepare(st, "SELECT " COLS " FROM provision_sp WHERE client=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, sp->cl.id);
    rc = store_step(s);
    if (rc == 1)
        read_row(s, sp);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : rc == 1 ? STORE_OK : STORE_NOTFOUND;
}

int provision_sp_save(store *st, const provision_sp *sp)
{
    store_stmt *s;
    if (store_prepare(st,
                      "INSERT INTO provision_sp(" COLS ", created) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                      " ON CONFLICT(client) DO UPDATE SET url=excluded.url, ca=excluded.ca, cert=excluded.cert,"
                      " key=excluded.key, pin=excluded.pin, api_header=excluded.api_header,"
                      " api_key=excluded.api_key, metadata=excluded.metadata, jwks=excluded.jwks,"
                      " entity_id=excluded.entity_id, tag=excluded.tag, md_cache=excluded.md_cache,"
                      " md_fetched=excluded.md_fetched, max_create=excluded.max_create,"
                      " max_update=excluded.max_update, max_delete=excluded.max_delete,"
                      " activities=excluded.activities, timeout_ms=excluded.timeout_ms, retries=excluded.retries",
                      &s))
        return STORE_ERR;
    const char *t[] = { sp->cl.id, sp->url, sp->ca, sp->cert, sp->key, sp->pin, sp->api_header, sp->api_key,
                        sp->metadata, sp->jwks, sp->entity_id, sp->tag, sp->md_cache };
    for (int i = 0; i < 13; i++) {
        if (t[i])
            store_bind_text(s, i + 1, t[i]);
        else
            store_bind_null(s, i + 1);
    }
    store_bind_int(s, 14, sp->md_fetched);
    store_bind_int(s, 15, sp->max_create);
    store_bind_int(s, 16, sp->max_update);
    store_bind_int(s, 17, sp->max_delete);
    store_bind_int(s, 18, sp->activities_per_group);
    store_bind_int(s, 19, sp->timeout_ms);
    store_bind_int(s, 20, sp->retries);
    if (sp->health)
        store_bind_text(s, 21, sp->health);
    else
        store_bind_null(s, 21);
    store_bind_int(s, 22, time_now_ms());
    int rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
    store_finalize(s);
    return rc;
}

int provision_sp_list(store *st, void (*fn)(void *ctx, const provision_sp *sp), void *ctx)
{
    /* Ids first: one statement at a time on a store (PostgreSQL streams). */
    store_stmt *s;
    if (store_prepare(st, "SELECT client FROM provision_sp ORDER BY client", &s))
        return STORE_ERR;
    char **ids = NULL;
    size_t n = 0;
    int rc;
    while ((rc = store_step(s)) == 1) {
        ids = xrealloc(ids, (n + 1) * sizeof *ids);
        ids[n++] = xstrdup(store_col_text(s, 0));
    }
    store_finalize(s);
    for (size_t i = 0; i < n; i++) {
        provision_sp sp;
        if (rc >= 0 && provision_sp_find(st, ids[i], &sp) == STORE_OK) {
            fn(ctx, &sp);
            provision_sp_free(&sp);
        }
        free(ids[i]);
    }
    free(ids);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

static int set1(store *st, const char *sql, const char *client_id, const char *text, int64_t v)
{
    store_stmt *s;
    if (store_prepare(st, sql, &s))
        return STORE_ERR;
    if (text)
        store_bind_text(s, 1, text);
    else
        store_bind_null(s, 1);
    store_bind_int(s, 2, v);
    store_bind_text(s, 3, client_id);
    int rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
    store_finalize(s);
    return rc;
}

int provision_sp_set_health(store *st, const char *client_id, const char *json)
{
    store_stmt *s;
    if (store_prepare(st, "UPDATE provision_sp SET health=? WHERE client=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, json);
    store_bind_text(s, 2, client_id);
    int rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
    store_finalize(s);
    return rc;
}

int provision_sp_set_md(store *st, const char *client_id, const char *jws, int64_t fetched)
{
    return set1(st, "UPDATE provision_sp SET md_cache=?, md_fetched=? WHERE client=?", client_id, jws, fetched);
}

int provision_sp_remove(store *st, const char *client_id)
{
    store_stmt *s;
    int rc = STORE_OK;
    const char *sql[] = { "DELETE FROM provision_sent WHERE client=?", "DELETE FROM provision_sp WHERE client=?" };
    for (int i = 0; i < 2 && rc == STORE_OK; i++) {
        if (store_prepare(st, sql[i], &s))
            return STORE_ERR;
        store_bind_text(s, 1, client_id);
        rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
        store_finalize(s);
    }
    return rc;
}
