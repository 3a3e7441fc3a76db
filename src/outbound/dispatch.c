/*
 * The webhook dispatcher (see outbound.h): one thread, one store
 * connection, one libcurl multi handle. Each turn of its loop
 *   1. turns new change-feed rows into pending notifications (fill),
 *   2. starts the deliveries that are due, at most one per subscription,
 *   3. waits up to POLL_MS for network activity and records the results.
 * Deliveries run side by side, so a receiver that never answers costs its
 * own subscription one timeout per attempt and nobody else anything.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "model/model.h"
#include "store/sql_query.h"
#include "outbound/outbound.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timefmt.h"

#define POLL_MS 100
#define LEASE_TTL_MS 10000
#define MAX_INFLIGHT 64
#define FEED_BATCH 20000
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS (5 * 60 * 1000)
#define RESPONSE_MAX 65536

typedef struct inflight {
    CURL *h;
    int64_t outbox_id;
    char sub[UUID_STR_LEN];
    char *body;
    struct curl_slist *hdrs;
    size_t got; /* response bytes seen (discarded) */
    char err[CURL_ERROR_SIZE];
} inflight;

typedef struct dispatcher {
    store *st;
    CURLM *multi;
    inflight *fl[MAX_INFLIGHT]; /* heap cells: libcurl keeps pointers to them */
    int n;
} dispatcher;

static pthread_t thread;
static atomic_int stopping;
static int started;
static char *db_url;

/* ------------------------------------------------------------ fill */

static int64_t inflight_outbox(dispatcher *d, const char *sub)
{
    for (int i = 0; i < d->n; i++)
        if (!strcmp(d->fl[i]->sub, sub))
            return d->fl[i]->outbox_id;
    return -1;
}

static char *body_json(uint32_t mod, int deleted)
{
    json_t *o = json_object(), *a = json_array();
    for (int k = 0; k < K__COUNT; k++)
        if (mod & (1u << k))
            json_array_append_new(a, json_string(model_kind(k)->name));
    json_object_set_new(o, "modifiedEntites", a); /* sic: the specification's spelling */
    json_object_set_new(o, "deletedEntities", json_boolean(deleted));
    char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return j;
}

static void body_parse(const char *body, uint32_t *mod, int *deleted)
{
    json_t *o = json_loads(body, 0, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "modifiedEntites"), i, v) {
        const kind_desc *k = model_kind_by_name(json_string_value(v) ? json_string_value(v) : "");
        if (k)
            *mod |= 1u << k->id;
    }
    if (json_is_true(json_object_get(o, "deletedEntities")))
        *deleted = 1;
    json_decref(o);
}

typedef struct pending_sub {
    char id[UUID_STR_LEN], client[UUID_STR_LEN];
    uint32_t kinds;
    int64_t cursor;
    /* The client's newest access event, and the one its exits were last
     * looked for after: a grant narrowed leaves no row in the feed. */
    int64_t event_at, scope_at;
} pending_sub;

/* The feed after the subscription's cursor, each change with what its
 * client may learn of it through the access view: 1 in view (a deletion:
 * of a granted kind), 2 an entity it received that has left its view (a
 * deletion to it, as /deletedEntities reports it), 0 nothing. The view's
 * scope is the SQL of the API's own lists (sql_scope). */
static void feed_query(const access_view *av, const pending_sub *ps, int gone, sqlq *q)
{
    sqlq_init(q, 0);
    buf_adds(&q->sql, "SELECT c.seq, c.kind, c.id, c.op, ");
    if (gone) {
        buf_adds(&q->sql, "0");
    } else if (av->passthrough) {
        buf_adds(&q->sql, "1");
    } else {
        buf_adds(&q->sql, "CASE");
        for (int k = 0; k < K__COUNT; k++) {
            if (!(ps->kinds & (1u << k)) || !access_kind_granted(av, k))
                continue;
            buf_printf(&q->sql, " WHEN c.kind=%d AND c.op='delete' THEN 1 WHEN c.kind=%d AND ", k, k);
            sql_scope(&av->scope, k, "c.id", q);
            buf_adds(&q->sql, " THEN 1");
            buf_printf(&q->sql, " WHEN c.kind=%d AND c.id IN (SELECT l.person FROM ledger_reader r CROSS JOIN"
                                " ledger_row l WHERE l.reader=r.id AND r.kind=%d AND r.client=", k, k);
            sqlq_text(q, av->cl.id);
            buf_adds(&q->sql, ") THEN 2");
        }
        buf_adds(&q->sql, " ELSE 0 END");
    }
    buf_adds(&q->sql, " FROM changes c WHERE c.seq>");
    sqlq_int(q, ps->cursor);
    buf_adds(&q->sql, " ORDER BY c.seq LIMIT ");
    sqlq_int(q, FEED_BATCH);
}

/* Records one subscription's share of the feed after its cursor. A client
 * that may not be served now (stopped, suspended, contract over) keeps its
 * cursor: what changed meanwhile reaches it once it is admitted again. */
static int fill_one(dispatcher *d, const pending_sub *ps)
{
    store *st = d->st;
    client cl;
    api_error ae;
    int rc = clients_find(st, ps->client, &cl);
    if (rc == STORE_ERR || rc == CLIENTS_AMBIGUOUS)
        return -1;
    int gone = rc == STORE_NOTFOUND; /* a removed client hears nothing more */
    if (!gone && access_admit(&cl, &ae))
        return 0;
    access_view av;
    memset(&av, 0, sizeof av);
    /* The feed query reads the ledger: what was received a moment ago may
     * still be in the journal only. */
    if (!gone && access_ledger_fold(st))
        return -1;
    long exits = 0;
    int regrant = !gone && ps->event_at > ps->scope_at;
    if (!gone)
        access_begin(&av, st, &cl, "webhook", 0); /* a notification names kinds only: no ledger */
    /* Stamped here, the exits are the client's to fetch from now on, and
     * this notification tells it so. */
    if (regrant && access_exits_refresh(&av, st, ps->kinds, &exits)) {
        access_finish(&av, st, NULL);
        return -1;
    }
    sqlq fq;
    feed_query(&av, ps, gone, &fq);
    if (!gone)
        access_finish(&av, st, NULL);
    store_stmt *q;
    rc = store_prepare_sqlq(st, &fq, &q);
    sqlq_free(&fq);
    if (rc)
        return -1;
    uint32_t mod = 0;
    int deleted = exits > 0;
    int64_t last = ps->cursor;
    while ((rc = store_step(q)) == 1) {
        last = store_col_int(q, 0);
        int kind = (int)store_col_int(q, 1);
        int64_t seen = store_col_int(q, 4);
        if (kind < 0 || kind >= K__COUNT || !(ps->kinds & (1u << kind)) || !seen)
            continue;
        if (seen == 2 || !strcmp(store_col_text(q, 3), "delete"))
            deleted = 1;
        else
            mod |= 1u << kind;
    }
    store_finalize(q);
    if (rc < 0 || (last == ps->cursor && !regrant))
        return rc < 0 ? -1 : 0;
    if (store_begin(st))
        return -1;
    rc = 0;
    if (mod || deleted) {
        /* Merge into the newest notification not on its way already. */
        int64_t busy = inflight_outbox(d, ps->id), oid = -1;
        char *old = NULL;
        if (!store_prepare(st, "SELECT id, body FROM outbox WHERE sub=? AND id<>? ORDER BY id DESC LIMIT 1", &q)) {
            store_bind_text(q, 1, ps->id);
            store_bind_int(q, 2, busy);
            if (store_step(q) == 1) {
                oid = store_col_int(q, 0);
                old = xstrdup(store_col_text(q, 1));
            }
            store_finalize(q);
        } else {
            rc = -1;
        }
        if (old)
            body_parse(old, &mod, &deleted);
        free(old);
        char *body = body_json(mod, deleted);
        if (!rc && oid >= 0 && !store_prepare(st, "UPDATE outbox SET body=? WHERE id=?", &q)) {
            store_bind_text(q, 1, body);
            store_bind_int(q, 2, oid);
            rc = store_step(q) != 0;
            store_finalize(q);
        } else if (!rc && oid < 0 &&
                   !store_prepare(st, "INSERT INTO outbox(sub, body, created, next_at) VALUES(?,?,?,?)", &q)) {
            int64_t now = time_now_ms();
            store_bind_text(q, 1, ps->id);
            store_bind_text(q, 2, body);
            store_bind_int(q, 3, now);
            store_bind_int(q, 4, now + outbound_config()->coalesce_ms);
            rc = store_step(q) != 0;
            store_finalize(q);
        } else {
            rc = -1;
        }
        free(body);
    }
    if (!rc && !store_prepare(st, "UPDATE subscription SET cursor=?, scope_at=? WHERE id=?", &q)) {
        store_bind_int(q, 1, last);
        store_bind_int(q, 2, regrant ? ps->event_at : ps->scope_at);
        store_bind_text(q, 3, ps->id);
        rc = store_step(q) != 0;
        store_finalize(q);
    }
    if (rc || store_commit(st)) {
        store_rollback(st);
        return -1;
    }
    return 0;
}

static void fill(dispatcher *d)
{
    store_stmt *q;
    if (store_prepare(d->st, "SELECT id, client, kinds, cursor, scope_at, event_at FROM"
                             " (SELECT s.*, (SELECT COALESCE(MAX(e.at), 0) FROM access_event e"
                             "   WHERE e.client=s.client) AS event_at FROM subscription s WHERE s.expires>?) t"
                             " WHERE cursor < (SELECT COALESCE(MAX(seq), 0) FROM changes) OR event_at > scope_at", &q))
        return;
    store_bind_int(q, 1, time_now_ms());
    pending_sub *ps = NULL;
    size_t n = 0, cap = 0;
    while (store_step(q) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ps = xrealloc(ps, cap * sizeof *ps);
        }
        snprintf(ps[n].id, UUID_STR_LEN, "%s", store_col_text(q, 0));
        snprintf(ps[n].client, UUID_STR_LEN, "%s", store_col_text(q, 1));
        ps[n].kinds = (uint32_t)store_col_int(q, 2);
        ps[n].cursor = store_col_int(q, 3);
        ps[n].scope_at = store_col_int(q, 4);
        ps[n].event_at = store_col_int(q, 5);
        n++;
    }
    store_finalize(q);
    for (size_t i = 0; i < n; i++)
        if (fill_one(d, &ps[i]))
            log_msg(LOG_WARN, "webhooks: recording changes for subscription %s failed: %s", ps[i].id,
                    store_errmsg(d->st));
    free(ps);
}

/* ------------------------------------------------------------ deliver */

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    inflight *f = ctx;
    f->got += size * n;
    return f->got > RESPONSE_MAX ? 0 : size * n;
}

static void sign(const char *secret_hex, const char *ts, const char *body, char out[65])
{
    unsigned char key[32], mac[crypto_auth_hmacsha256_BYTES];
    size_t klen = 0;
    sodium_hex2bin(key, sizeof key, secret_hex, strlen(secret_hex), NULL, &klen, NULL);
    crypto_auth_hmacsha256_state s;
    crypto_auth_hmacsha256_init(&s, key, klen);
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&s, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
    sodium_memzero(key, sizeof key);
}

static void start_one(dispatcher *d, int64_t oid, const char *sub, const char *body, const char *target,
                      const char *secret)
{
    inflight *f = xcalloc(1, sizeof *f);
    f->h = curl_easy_init();
    if (!f->h) {
        free(f);
        return;
    }
    f->outbox_id = oid;
    snprintf(f->sub, sizeof f->sub, "%s", sub);
    f->body = xstrdup(body);
    char ts[32], mac[65], h[160];
    snprintf(ts, sizeof ts, "%lld", (long long)(time_now_ms() / 1000));
    sign(secret, ts, body, mac);
    f->hdrs = curl_slist_append(f->hdrs, "Content-Type: application/json");
    snprintf(h, sizeof h, "X-Skolnav-Timestamp: %s", ts);
    f->hdrs = curl_slist_append(f->hdrs, h);
    snprintf(h, sizeof h, "X-Skolnav-Signature: sha256=%s", mac);
    f->hdrs = curl_slist_append(f->hdrs, h);
    snprintf(h, sizeof h, "X-Skolnav-Subscription: %s", sub);
    f->hdrs = curl_slist_append(f->hdrs, h);
    f->hdrs = curl_slist_append(f->hdrs, "Expect:");
    const outbound_opts *o = outbound_config();
    curl_easy_setopt(f->h, CURLOPT_URL, target);
    curl_easy_setopt(f->h, CURLOPT_POSTFIELDS, f->body);
    curl_easy_setopt(f->h, CURLOPT_POSTFIELDSIZE, (long)strlen(f->body));
    curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, f->hdrs);
    curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms < 5000 ? o->timeout_ms : 5000L);
    curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f->h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(f->h, CURLOPT_PROTOCOLS_STR, o->allow_http_loopback ? "http,https" : "https");
    curl_easy_setopt(f->h, CURLOPT_USERAGENT, "skolnav-webhook/1");
    curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(f->h, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(f->h, CURLOPT_ERRORBUFFER, f->err);
    curl_easy_setopt(f->h, CURLOPT_PRIVATE, f);
    curl_multi_add_handle(d->multi, f->h);
    d->fl[d->n++] = f;
}

typedef struct due {
    int64_t id, first_try;
    char sub[UUID_STR_LEN], client[UUID_STR_LEN];
    char *body, *target, *secret;
} due;

/* 1 when the subscription's client may be served now (access_admit): an
 * emergency stop holds its notifications in the outbox until it ends. */
static int admitted(store *st, const char *client_id)
{
    client cl;
    api_error ae;
    return clients_find(st, client_id, &cl) == STORE_OK && !access_admit(&cl, &ae);
}

static void start_due(dispatcher *d)
{
    if (d->n >= MAX_INFLIGHT)
        return;
    int64_t now = time_now_ms();
    store_stmt *q;
    if (store_prepare(d->st, "SELECT o.id, o.sub, o.body, s.target, s.secret, o.first_try, s.client FROM outbox o"
                             " JOIN subscription s ON s.id=o.sub WHERE o.next_at<=? AND s.failing=0 AND s.expires>?"
                             " ORDER BY o.id LIMIT ?", &q))
        return;
    store_bind_int(q, 1, now);
    store_bind_int(q, 2, now);
    store_bind_int(q, 3, MAX_INFLIGHT * 2);
    /* Rows are copied out first: the checks below run statements of their
     * own, and a PostgreSQL connection runs one at a time. */
    due rows[MAX_INFLIGHT * 2];
    int nrows = 0;
    while (nrows < MAX_INFLIGHT * 2 && store_step(q) == 1) {
        due *r = &rows[nrows++];
        r->id = store_col_int(q, 0);
        snprintf(r->sub, sizeof r->sub, "%s", store_col_text(q, 1));
        r->body = xstrdup(store_col_text(q, 2));
        r->target = xstrdup(store_col_text(q, 3));
        r->secret = xstrdup(store_col_text(q, 4));
        r->first_try = store_col_int(q, 5);
        snprintf(r->client, sizeof r->client, "%s", store_col_text(q, 6));
    }
    store_finalize(q);
    for (int i = 0; i < nrows; i++) {
        due *r = &rows[i];
        /* one delivery per subscription at a time, oldest first */
        if (d->n < MAX_INFLIGHT && inflight_outbox(d, r->sub) < 0 && admitted(d->st, r->client)) {
            start_one(d, r->id, r->sub, r->body, r->target, r->secret);
            if (!r->first_try && !store_prepare(d->st, "UPDATE outbox SET first_try=? WHERE id=?", &q)) {
                store_bind_int(q, 1, now);
                store_bind_int(q, 2, r->id);
                store_step(q);
                store_finalize(q);
            }
        }
        free(r->body);
        free(r->target);
        sodium_memzero(r->secret, strlen(r->secret));
        free(r->secret);
    }
}

static void record(dispatcher *d, inflight *f, CURLcode res)
{
    long code = 0;
    curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &code);
    int ok = res == CURLE_OK && code >= 200 && code < 300;
    int64_t now = time_now_ms();
    store_stmt *q;
    if (ok) {
        if (!store_prepare(d->st, "DELETE FROM outbox WHERE id=?", &q)) {
            store_bind_int(q, 1, f->outbox_id);
            store_step(q);
            store_finalize(q);
        }
        log_msg(LOG_DEBUG, "webhooks: delivered %s to subscription %s", f->body, f->sub);
        return;
    }
    char why[300];
    if (res != CURLE_OK)
        snprintf(why, sizeof why, "%s", f->err[0] ? f->err : curl_easy_strerror(res));
    else
        snprintf(why, sizeof why, "the receiver answered HTTP %ld", code);
    int64_t first = now, attempts = 0;
    if (!store_prepare(d->st, "SELECT first_try, attempts FROM outbox WHERE id=?", &q)) {
        store_bind_int(q, 1, f->outbox_id);
        if (store_step(q) == 1) {
            first = store_col_int(q, 0) ? store_col_int(q, 0) : now;
            attempts = store_col_int(q, 1);
        }
        store_finalize(q);
    }
    attempts++;
    if (now - first >= outbound_config()->retry_for_ms) {
        log_msg(LOG_WARN, "webhooks: subscription %s is failing after %lld attempts: %s", f->sub,
                (long long)attempts, why);
        if (!store_prepare(d->st, "UPDATE subscription SET failing=1, last_error=? WHERE id=?", &q)) {
            store_bind_text(q, 1, why);
            store_bind_text(q, 2, f->sub);
            store_step(q);
            store_finalize(q);
        }
    }
    /* Exponential backoff, each wait drawn from [b/2, 3b/2) so receivers
     * coming back are not hit by every sender at once. */
    int64_t b = BACKOFF_FIRST_MS;
    for (int64_t i = 1; i < attempts && b < BACKOFF_MAX_MS; i++)
        b *= 2;
    if (b > BACKOFF_MAX_MS)
        b = BACKOFF_MAX_MS;
    int64_t wait = b / 2 + (int64_t)randombytes_uniform((uint32_t)b);
    if (!store_prepare(d->st, "UPDATE outbox SET attempts=?, next_at=?, first_try=? WHERE id=?", &q)) {
        store_bind_int(q, 1, attempts);
        store_bind_int(q, 2, now + wait);
        store_bind_int(q, 3, first);
        store_bind_int(q, 4, f->outbox_id);
        store_step(q);
        store_finalize(q);
    }
    log_msg(LOG_INFO, "webhooks: delivery to subscription %s failed (%s); retry %lld in %lld ms", f->sub, why,
            (long long)attempts, (long long)wait);
}

static void release(dispatcher *d, inflight *f)
{
    curl_multi_remove_handle(d->multi, f->h);
    curl_easy_cleanup(f->h);
    curl_slist_free_all(f->hdrs);
    free(f->body);
    for (int i = 0; i < d->n; i++)
        if (d->fl[i] == f) {
            d->fl[i] = d->fl[--d->n];
            break;
        }
    free(f);
}

static void collect(dispatcher *d)
{
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(d->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        inflight *f = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        CURLcode res = m->data.result;
        if (!f)
            continue;
        record(d, f, res);
        release(d, f);
    }
}

static void *run(void *arg)
{
    (void)arg;
    dispatcher d = { 0 };
    char err[512];
    if (store_open(db_url, 0, &d.st, err, sizeof err)) {
        log_msg(LOG_ERR, "webhooks: %s", err);
        return NULL;
    }
    d.multi = curl_multi_init();
    /* One node of many dispatches: the others wait for the lease, so a
     * notification is sent once however many nodes serve the store. */
    char holder[UUID_STR_LEN];
    uuid_random(holder);
    int leader = 0;
    int64_t lease_next = 0;
    while (!atomic_load(&stopping)) {
        int64_t now = time_now_ms();
        if (now >= lease_next) {
            int rc = store_lease(d.st, "webhooks", holder, LEASE_TTL_MS);
            if (rc == STORE_ERR)
                log_msg(LOG_WARN, "webhooks: renewing the dispatcher lease failed: %s", store_errmsg(d.st));
            else if ((rc == STORE_OK) != leader)
                log_msg(LOG_INFO, rc == STORE_OK ? "webhooks: this node dispatches now"
                                                 : "webhooks: another node dispatches; this one waits");
            leader = rc == STORE_OK;
            lease_next = now + LEASE_TTL_MS / 3;
        }
        if (leader) {
            fill(&d);
            start_due(&d);
        }
        int running = 0;
        curl_multi_perform(d.multi, &running);
        collect(&d);
        curl_multi_poll(d.multi, NULL, 0, POLL_MS, NULL);
        curl_multi_perform(d.multi, &running);
        collect(&d);
    }
    /* Deliveries cut short stay in the outbox and go out after a restart. */
    while (d.n)
        release(&d, d.fl[0]);
    if (leader)
        store_lease_release(d.st, "webhooks", holder);
    curl_multi_cleanup(d.multi);
    store_close(d.st);
    return NULL;
}

int outbound_start(const char *db)
{
    if (started)
        return 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    db_url = xstrdup(db);
    atomic_store(&stopping, 0);
    if (pthread_create(&thread, NULL, run, NULL)) {
        free(db_url);
        return -1;
    }
    started = 1;
    return 0;
}

void outbound_stop(void)
{
    if (!started)
        return;
    atomic_store(&stopping, 1);
    pthread_join(thread, NULL);
    free(db_url);
    db_url = NULL;
    started = 0;
    curl_global_cleanup();
}
