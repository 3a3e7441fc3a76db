/*
 * Sending a plan to an SP with the EGIL HTTP semantics, one request at a
 * time over one connection:
 *   create  POST   {base}/{Endpoint}       201 (200);  409 -> PUT instead
 *   update  PUT    {base}/{Endpoint}/{id}  200 (204);  404 -> POST instead
 *   delete  DELETE {base}/{Endpoint}/{id}  204 (200);  404 -> already gone
 * 429, 5xx and timeouts are retried with a doubling pause (bounded); any
 * other answer is a failure of that object, which stays as it was in the
 * sent state so the next run tries again. A connection, TLS or pin failure
 * ends the run: nothing more can reach that SP. The sent state is written
 * after every successful request, and the emergency stop is read before
 * every request.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access/access.h"
#include "provision/egil.h"
#include "util/buf.h"
#include "util/log.h"

#define ANSWER_MAX 2048
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
#define MAX_TIMEOUTS 3
#define MAX_FAILURES_KEPT 100
#define MEDIA "application/scim+json"

static const char *const op_names[3] = { "create", "update", "delete" };

typedef struct conn {
    CURL *h;
    struct curl_slist *hdrs, *hdrs_delete;
    const apply_target *t;
    buf answer;
    int timeouts; /* consecutive */
} conn;

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    buf *b = ctx;
    size_t len = sz * n;
    if (b->len < ANSWER_MAX)
        buf_add(b, p, len < ANSWER_MAX - b->len ? len : ANSWER_MAX - b->len);
    return len;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int conn_open(conn *c, const apply_target *t, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    buf_init(&c->answer);
    c->h = curl_easy_init();
    if (!c->h) {
        snprintf(err, errlen, "libcurl could not start");
        return -1;
    }
    char h[1024];
    c->hdrs = curl_slist_append(c->hdrs, "Content-Type: " MEDIA);
    c->hdrs = curl_slist_append(c->hdrs, "Accept: " MEDIA);
    c->hdrs_delete = curl_slist_append(c->hdrs_delete, "Accept:");
    if (t->api_key) {
        snprintf(h, sizeof h, "%s: %s", t->api_header ? t->api_header : "X-API-Key", t->api_key);
        c->hdrs = curl_slist_append(c->hdrs, h);
        c->hdrs_delete = curl_slist_append(c->hdrs_delete, h);
    }
    CURL *e = c->h;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "skolnav (EGIL provisioning)");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, t->timeout_ms > 0 ? t->timeout_ms : 30000L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->timeout_ms > 0 ? t->timeout_ms : 30000L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &c->answer);
    if (t->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
    if (t->ca_pem) {
        struct curl_blob b = { .data = (void *)t->ca_pem, .len = strlen(t->ca_pem), .flags = CURL_BLOB_COPY };
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
    }
    if (t->cert)
        curl_easy_setopt(e, CURLOPT_SSLCERT, t->cert);
    if (t->key)
        curl_easy_setopt(e, CURLOPT_SSLKEY, t->key);
    if (t->pins)
        curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, t->pins);
    return 0;
}

static void conn_close(conn *c)
{
    curl_easy_cleanup(c->h);
    curl_slist_free_all(c->hdrs);
    curl_slist_free_all(c->hdrs_delete);
    buf_free(&c->answer);
}

static void url_of(const apply_target *t, int type, const char *id, buf *out)
{
    buf_reset(out);
    size_t n = strlen(t->url);
    while (n && t->url[n - 1] == '/')
        n--;
    buf_add(out, t->url, n);
    buf_printf(out, "/%s", egil_endpoint(type));
    if (id)
        buf_printf(out, "/%s", id); /* lower-case hex and dashes: nothing to escape */
}

/* One request with its retries. Returns the HTTP status, 0 after a
 * retried-out timeout, or -1 when the SP cannot be reached at all (err). */
static long request(conn *c, const char *method, int type, const char *id, const char *body, long *requests,
                    char *err, size_t errlen)
{
    buf url;
    buf_init(&url);
    url_of(c->t, type, id, &url);
    CURL *e = c->h;
    curl_easy_setopt(e, CURLOPT_URL, buf_cstr(&url));
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, body ? c->hdrs : c->hdrs_delete);
    if (body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
    } else {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    long status = 0, wait = BACKOFF_FIRST_MS;
    int attempts = c->t->retries >= 0 ? c->t->retries + 1 : 4;
    for (int a = 0; a < attempts; a++) {
        if (a) {
            sleep_ms(wait);
            wait = wait * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait * 2;
        }
        buf_reset(&c->answer);
        (*requests)++;
        CURLcode rc = curl_easy_perform(e);
        if (rc == CURLE_OPERATION_TIMEDOUT) {
            status = 0;
            snprintf(err, errlen, "timed out after %ld ms", c->t->timeout_ms);
            continue;
        }
        if (rc != CURLE_OK) {
            snprintf(err, errlen, "%s %s: %s", method, buf_cstr(&url), curl_easy_strerror(rc));
            buf_free(&url);
            return -1;
        }
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        c->timeouts = 0;
        if (status != 429 && status < 500)
            break;
        curl_off_t ra = 0;
        if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
            wait = ra * 1000 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : (long)ra * 1000;
    }
    if (!status)
        c->timeouts++;
    buf_free(&url);
    return status;
}

static int ok_create(long s)
{
    return s == 201 || s == 200;
}

static int ok_update(long s)
{
    return s == 200 || s == 201 || s == 204;
}

static void fail(apply_result *r, const plan_op *op, long status, const char *answer)
{
    r->failed++;
    if (json_array_size(r->failures) >= MAX_FAILURES_KEPT)
        return;
    json_array_append_new(r->failures,
                          json_pack("{s:s,s:s,s:s,s:I,s:s}", "op", op_names[op->op], "type", egil_type_name(op->type),
                                    "id", op->obj ? op->obj->uuid : op->sent->uuid, "status", (json_int_t)status,
                                    "answer", answer ? answer : ""));
}

/* The persons an object told the SP about, into the disclosure ledger. */
static int ledger_note(store *st, const client *cl, const egil_set *cur, const egil_obj *o)
{
    if (!o->npersons)
        return 0;
    static const int cat_of[EG__COUNT] = { CAT_STANDARD, CAT_STANDARD, CAT_STANDARD, -1, -1,
                                           CAT_DUTIES,   CAT_GROUPS,   CAT_ACTIVITIES };
    access_view lv;
    access_begin(&lv, st, cl, "scim", 1);
    for (size_t i = 0; i < o->npersons; i++) {
        uintptr_t c = cat_of[o->type] >= 0 ? 1u << cat_of[o->type]
                                           : (uintptr_t)strmap_get(&cur->ledger_cats, o->persons[i]);
        c |= (uintptr_t)strmap_get(&lv.ledger, o->persons[i]) | 1u << CAT_STANDARD;
        strmap_put(&lv.ledger, o->persons[i], (void *)c);
    }
    return access_finish(&lv, st, NULL);
}

static int stop_requested(store *st, const provision_sp *sp)
{
    client c;
    if (clients_find(st, sp->cl.id, &c) != STORE_OK)
        return 1; /* the SP's client is gone: nothing more may leave */
    return c.suspended || c.stopped_all || c.expired;
}

int apply_run(store *st, const provision_sp *sp, const apply_target *t, const plan *p, const egil_set *cur,
              apply_result *r)
{
    memset(r, 0, sizeof *r);
    r->failures = json_array();
    conn c;
    if (conn_open(&c, t, r->abort_reason, sizeof r->abort_reason)) {
        r->aborted = 1;
        r->not_sent = (long)p->n;
        return -1;
    }
    int rc = 0;
    char err[512];
    for (size_t i = 0; i < p->n; i++) {
        const plan_op *op = &p->ops[i];
        if (stop_requested(st, sp)) {
            r->stopped = 1;
            r->not_sent = (long)(p->n - i);
            break;
        }
        /* The ledger first: a request that fails may still have reached
         * the SP, so a disclosure is recorded once it may have happened. */
        if (op->op != PLAN_DELETE && ledger_note(st, &sp->cl, cur, op->obj)) {
            snprintf(r->abort_reason, sizeof r->abort_reason, "writing the disclosure ledger failed: %s",
                     store_errmsg(st));
            r->aborted = 1;
            r->not_sent = (long)(p->n - i);
            rc = -1;
            break;
        }
        long s;
        int done = 0;
        err[0] = 0;
        if (op->op == PLAN_CREATE) {
            s = request(&c, "POST", op->type, NULL, op->obj->json, &r->requests, err, sizeof err);
            if (s == 409)
                s = request(&c, "PUT", op->type, op->obj->uuid, op->obj->json, &r->requests, err, sizeof err),
                done = ok_update(s);
            else
                done = ok_create(s);
        } else if (op->op == PLAN_UPDATE) {
            s = request(&c, "PUT", op->type, op->obj->uuid, op->obj->json, &r->requests, err, sizeof err);
            if (s == 404)
                s = request(&c, "POST", op->type, NULL, op->obj->json, &r->requests, err, sizeof err),
                done = ok_create(s);
            else
                done = ok_update(s);
        } else {
            s = request(&c, "DELETE", op->type, op->sent->uuid, NULL, &r->requests, err, sizeof err);
            done = s == 204 || s == 200 || s == 404;
        }
        if (s < 0 || c.timeouts >= MAX_TIMEOUTS) {
            snprintf(r->abort_reason, sizeof r->abort_reason, "%s%s", s < 0 ? "" : "too many timeouts: ", err);
            r->aborted = 1;
            if (s >= 0)
                fail(r, op, s, err);
            r->not_sent = (long)(p->n - i - (s >= 0));
            break;
        }
        if (!done) {
            fail(r, op, s, s ? buf_cstr(&c.answer) : err);
            continue;
        }
        int w = op->op == PLAN_DELETE ? sent_delete(st, sp->cl.id, op->sent->uuid) : sent_put(st, sp->cl.id, op->obj);
        if (w) {
            snprintf(r->abort_reason, sizeof r->abort_reason, "recording the sent state failed: %s",
                     store_errmsg(st));
            r->aborted = 1;
            r->not_sent = (long)(p->n - i - 1);
            rc = -1;
            break;
        }
        r->done[op->type][op->op]++;
    }
    conn_close(&c);
    return rc;
}

void apply_result_free(apply_result *r)
{
    json_decref(r->failures);
    r->failures = NULL;
}
