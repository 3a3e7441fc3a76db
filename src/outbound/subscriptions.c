/*
 * Subscriptions as stored (see outbound.h): the subscription table owns the
 * target, the kinds, the signing secret, the expiry and the change-feed
 * cursor; the outbox table holds the pending notifications.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/model.h"
#include "outbound/outbound.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define DAY_MS 86400000LL

static outbound_opts config = {
    .ttl_ms = 30 * DAY_MS,
    .retry_for_ms = DAY_MS,
    .timeout_ms = 10000,
    .coalesce_ms = 300,
};

void outbound_configure(const outbound_opts *o)
{
    if (o->ttl_ms > 0)
        config.ttl_ms = o->ttl_ms;
    if (o->retry_for_ms > 0)
        config.retry_for_ms = o->retry_for_ms;
    if (o->timeout_ms > 0)
        config.timeout_ms = o->timeout_ms;
    if (o->coalesce_ms > 0)
        config.coalesce_ms = o->coalesce_ms;
    config.allow_http_loopback = o->allow_http_loopback;
}

const outbound_opts *outbound_config(void)
{
    return &config;
}

int subs_target_ok(const char *target, char *why, size_t whylen)
{
    if (!target || !*target || strlen(target) > SUB_TARGET_MAX) {
        snprintf(why, whylen, "target must be a URL of at most %d characters", SUB_TARGET_MAX);
        return -1;
    }
    CURLU *u = curl_url();
    if (!u)
        return -1;
    char *scheme = NULL, *host = NULL, *user = NULL;
    int rc = -1;
    if (curl_url_set(u, CURLUPART_URL, target, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(why, whylen, "target '%.200s' is not an absolute URL such as https://vendor.example/hook", target);
    } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        snprintf(why, whylen, "target must not carry a user name or password");
    } else if (!strcasecmp(scheme, "https")) {
        rc = 0;
    } else if (!strcasecmp(scheme, "http")) {
        int loop = !strcmp(host, "127.0.0.1") || !strcasecmp(host, "localhost") || !strcmp(host, "[::1]");
        if (loop && config.allow_http_loopback)
            rc = 0;
        else
            snprintf(why, whylen, "target must use https%s", loop ? " (http to loopback needs serve --webhook-allow-http-loopback)" : "");
    } else {
        snprintf(why, whylen, "target must be an https URL, not %s", scheme);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

static int64_t feed_end(store *st)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT COALESCE(MAX(seq), 0) FROM changes", &s))
        return -1;
    int64_t v = store_step(s) == 1 ? store_col_int(s, 0) : -1;
    store_finalize(s);
    return v;
}

int subs_create(store *st, subscription *s, char secret[SUB_SECRET_HEX])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(secret, SUB_SECRET_HEX, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    uuid_random(s->id);
    s->created = time_now_ms();
    s->expires = s->created + config.ttl_ms;
    s->failing = 0;
    s->last_error[0] = 0;
    if (store_begin(st))
        return STORE_ERR;
    int64_t cursor = feed_end(st);
    store_stmt *q = NULL;
    int rc = cursor < 0 ||
             store_prepare(st, "INSERT INTO subscription(id, client, name, target, kinds, secret, expires, created,"
                               " cursor) VALUES(?,?,?,?,?,?,?,?,?)", &q);
    if (!rc) {
        store_bind_text(q, 1, s->id);
        store_bind_text(q, 2, s->client);
        store_bind_text(q, 3, s->name);
        store_bind_text(q, 4, s->target);
        store_bind_int(q, 5, s->kinds);
        store_bind_text(q, 6, secret);
        store_bind_int(q, 7, s->expires);
        store_bind_int(q, 8, s->created);
        store_bind_int(q, 9, cursor);
        rc = store_step(q) != 0;
    }
    store_finalize(q);
    if (rc || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

#define SUB_COLS "id, client, name, target, kinds, expires, created, failing, COALESCE(last_error, '')"

static void read_row(store_stmt *q, subscription *s)
{
    snprintf(s->id, sizeof s->id, "%s", store_col_text(q, 0));
    snprintf(s->client, sizeof s->client, "%s", store_col_text(q, 1));
    snprintf(s->name, sizeof s->name, "%s", store_col_text(q, 2));
    snprintf(s->target, sizeof s->target, "%s", store_col_text(q, 3));
    s->kinds = (uint32_t)store_col_int(q, 4);
    s->expires = store_col_int(q, 5);
    s->created = store_col_int(q, 6);
    s->failing = (int)store_col_int(q, 7);
    snprintf(s->last_error, sizeof s->last_error, "%s", store_col_text(q, 8));
}

int subs_get(store *st, const char *client, const char *id, subscription *out)
{
    store_stmt *q;
    if (store_prepare(st, "SELECT " SUB_COLS " FROM subscription WHERE id=? AND client=?", &q))
        return STORE_ERR;
    store_bind_text(q, 1, id);
    store_bind_text(q, 2, client);
    int rc = store_step(q);
    if (rc == 1)
        read_row(q, out);
    store_finalize(q);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int subs_list(store *st, const char *client, const char *after_id, long limit,
              int (*fn)(void *ctx, const subscription *s), void *ctx)
{
    store_stmt *q;
    if (store_prepare(st, "SELECT " SUB_COLS " FROM subscription WHERE client=? AND id>? ORDER BY id LIMIT ?", &q))
        return STORE_ERR;
    store_bind_text(q, 1, client);
    store_bind_text(q, 2, after_id);
    store_bind_int(q, 3, limit);
    int rc;
    subscription s;
    while ((rc = store_step(q)) == 1) {
        read_row(q, &s);
        if (fn(ctx, &s))
            break;
    }
    store_finalize(q);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int subs_renew(store *st, const char *client, const char *id, subscription *out)
{
    store_stmt *q;
    if (store_begin(st))
        return STORE_ERR;
    int rc = store_prepare(st, "UPDATE subscription SET expires=?, failing=0, last_error=NULL WHERE id=? AND client=?", &q);
    if (!rc) {
        store_bind_int(q, 1, time_now_ms() + config.ttl_ms);
        store_bind_text(q, 2, id);
        store_bind_text(q, 3, client);
        rc = store_step(q) != 0;
        store_finalize(q);
    }
    /* A notification that was given up on goes out again now. */
    if (!rc && !(rc = store_prepare(st, "UPDATE outbox SET next_at=0, first_try=0 WHERE sub=?", &q))) {
        store_bind_text(q, 1, id);
        rc = store_step(q) != 0;
        store_finalize(q);
    }
    if (rc || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return subs_get(st, client, id, out);
}

int subs_delete(store *st, const char *client, const char *id)
{
    subscription s;
    int rc = subs_get(st, client, id, &s);
    if (rc != STORE_OK)
        return rc;
    if (store_begin(st))
        return STORE_ERR;
    static const char *const sql[] = { "DELETE FROM outbox WHERE sub=?", "DELETE FROM subscription WHERE id=?" };
    for (size_t i = 0; i < 2 && rc == STORE_OK; i++) {
        store_stmt *q;
        if (store_prepare(st, sql[i], &q)) {
            rc = STORE_ERR;
            break;
        }
        store_bind_text(q, 1, id);
        if (store_step(q) != 0)
            rc = STORE_ERR;
        store_finalize(q);
    }
    if (rc != STORE_OK || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

char *subs_json(const subscription *s)
{
    char exp[TIME_CANON_LEN];
    time_format_ms(s->expires, exp);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "expires", json_string(exp));
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "target", json_string(s->target));
    json_t *rt = json_array();
    for (int k = 0; k < K__COUNT; k++)
        if (s->kinds & (1u << k))
            json_array_append_new(rt, json_pack("{ss}", "resource", model_kind(k)->name));
    json_object_set_new(o, "resourceTypes", rt);
    char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return j;
}
