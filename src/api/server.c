/*
 * HTTP front: authentication, body limits, JSON responses, graceful stop.
 * libmicrohttpd runs a thread pool; every request is handled start to end
 * on one worker thread, which keeps its own store connection (SQLite
 * connections must not be shared between threads).
 */
#include "api/server.h"
#include "provision/egil.h"
#include "pull/pull.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <malloc.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/access.h"
#include "access/issuer.h"
#include "access/oauth.h"
#include "admin/assets.h"
#include "admin/http.h"
#include "api/handlers.h"
#include "export/export.h"
#include "export/files.h"
#include "api/openapi.h"
#include "api/pagetoken.h"
#include "outbound/outbound.h"
#include "api/ratelimit.h"
#include "ingestapi/ingestapi.h"
#include "store/clients.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timefmt.h"

#define MAX_BODY (1024 * 1024)
#define STOP_GRACE_MS 15000
#define LARGE_BODY_TRIM (8u * 1024 * 1024)

typedef struct server {
    const server_opts *o;
    unsigned char token_key[PAGETOKEN_KEYLEN];
    char *openapi;        /* the document, serialised once */
    atomic_int inflight;
    ratelimit *rl;
    double rate, burst;
    unsigned char oauth_key[OAUTH_KEYLEN];
    int ingest;           /* this daemon serves the push ingest API */
    size_t max_body;
} server;

/* Per-connection request state. */
typedef struct conn {
    char *uri;  /* raw request URI, query string included */
    buf body;
    int too_large;
    int headers_seen; /* libmicrohttpd calls once for the headers before any body */
    int64_t started;
    size_t received;  /* body bytes so far, kept or not */
    /* The ingest listener authenticates on the headers, so that only a
     * push source's body is parsed (as it arrives, into ib). */
    int ingest_auth;  /* STORE_OK, STORE_NOTFOUND, STORE_ERR; -2 = no store */
    source_rec src;   /* when ingest_auth is STORE_OK */
    ingest_body *ib;
} conn;

/* Each worker thread's store connection, closed when the thread ends. */
static pthread_key_t store_key;
static pthread_once_t store_key_once = PTHREAD_ONCE_INIT;

static void close_thread_store(void *p)
{
    store_close(p);
}

static void make_store_key(void)
{
    pthread_key_create(&store_key, close_thread_store);
}

static store *thread_store(server *s)
{
    pthread_once(&store_key_once, make_store_key);
    store *st = pthread_getspecific(store_key);
    if (!st) {
        char err[512];
        if (store_open(s->o->db, 0, &st, err, sizeof err)) {
            log_msg(LOG_ERR, "%s", err);
            return NULL;
        }
        pthread_setspecific(store_key, st);
    }
    return st;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    server *s = cls;
    conn *cn = xcalloc(1, sizeof *cn);
    cn->uri = xstrdup(uri);
    buf_init(&cn->body);
    cn->started = time_now_ms();
    atomic_fetch_add(&s->inflight, 1);
    return cn;
}

static void completed(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode t)
{
    (void)c, (void)t;
    server *s = cls;
    conn *cn = *ctx;
    if (!cn)
        return;
    free(cn->uri);
    buf_free(&cn->body);
    ingest_body_free(cn->ib);
    if (cn->ingest_auth == STORE_OK)
        source_rec_free(&cn->src);
    /* A large push freed tens of megabytes (its ids, its write's page
     * cache) into this worker's malloc arena, where glibc keeps them; the
     * next large push may run on another worker, so without giving them
     * back the peaks of all workers would add up. */
    if (cn->received >= LARGE_BODY_TRIM)
        malloc_trim(0);
    free(cn);
    *ctx = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static enum MHD_Result send_buf_x(struct MHD_Connection *c, int status, buf *body, const char *allow,
                                  const char *www_auth, const char *hname, const char *hvalue,
                                  const rl_result *rl);

static enum MHD_Result send_buf(struct MHD_Connection *c, int status, buf *body, const char *allow,
                                const char *www_auth)
{
    return send_buf_x(c, status, body, allow, www_auth, NULL, NULL, NULL);
}

/* hname: one extra header (or NULL); rl: the rate-limit headers (or NULL). */
static enum MHD_Result send_buf_x(struct MHD_Connection *c, int status, buf *body, const char *allow,
                                  const char *www_auth, const char *hname, const char *hvalue,
                                  const rl_result *rl)
{
    size_t len = body->len;
    char *data = buf_steal(body);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    if (www_auth)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, www_auth);
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    if (rl) {
        char v[32];
        snprintf(v, sizeof v, "%ld", rl->limit);
        MHD_add_response_header(r, "RateLimit-Limit", v);
        snprintf(v, sizeof v, "%ld", rl->remaining);
        MHD_add_response_header(r, "RateLimit-Remaining", v);
        snprintf(v, sizeof v, "%ld", rl->reset_s);
        MHD_add_response_header(r, "RateLimit-Reset", v);
        if (!rl->allowed) {
            snprintf(v, sizeof v, "%ld", rl->retry_s);
            MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, v);
        }
    }
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *code, const char *msg,
                                  const char *www_auth)
{
    api_error e;
    api_fail(&e, status, code, "%s", msg);
    buf b;
    buf_init(&b);
    char *j = api_error_json(&e);
    buf_adds(&b, j);
    free(j);
    return send_buf(c, status, &b, NULL, www_auth);
}

static const char *bearer(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7))
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

static enum MHD_Result serve_health(server *s, struct MHD_Connection *c)
{
    store *st = thread_store(s);
    buf b;
    buf_init(&b);
    int ok = st && store_schema_version(st) > 0;
    buf_printf(&b, "{\"status\":\"%s\"}", ok ? "ok" : "store unavailable");
    return send_buf(c, ok ? 200 : 503, &b, NULL, NULL);
}

/* POST /oauth/token (access/oauth.h): outside the base path, as OAuth2
 * clients expect the token endpoint at a fixed place. */
static enum MHD_Result serve_token(server *s, struct MHD_Connection *c, conn *cn, const char *method)
{
    store *st = thread_store(s);
    buf b;
    buf_init(&b);
    int status;
    const char *www = NULL;
    if (!st) {
        status = 503;
        buf_adds(&b, "{\"error\":\"temporarily_unavailable\",\"error_description\":\"the store cannot be opened\"}");
    } else if (strcmp(method, "POST")) {
        status = 405;
        buf_adds(&b, "{\"error\":\"invalid_request\",\"error_description\":\"use POST\"}");
    } else {
        const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        oauth_token_request(st, s->oauth_key, auth, ct, cn->body.data, cn->body.len, &status, &b, &www);
    }
    if (status != 200)
        log_msg(LOG_INFO, "POST /oauth/token -> %d", status);
    size_t len = b.len;
    char *data = buf_steal(&b);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, MHD_HTTP_HEADER_PRAGMA, "no-cache");
    if (status == 405)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
    if (www)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, www);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

/* The thread's store, a client's credential, admission and rate limit: the
 * store with *cl filled, or NULL with the refusal queued in *out. */
static store *admit_client(server *s, struct MHD_Connection *c, const char *method, const char *path, client *cl,
                           rl_result *lim, enum MHD_Result *out)
{
    store *st = thread_store(s);
    if (!st) {
        *out = send_error(c, 503, E_INTERNAL, "the store cannot be opened; see the server log", NULL);
        return NULL;
    }
    const char *key = bearer(c);
    int rc = STORE_NOTFOUND;
    if (key && oauth_is_jwt(key)) {
        /* Our own access token, else one from a trusted external issuer. */
        rc = oauth_verify(st, s->oauth_key, key, cl);
        if (rc == STORE_NOTFOUND)
            rc = issuer_verify(st, key, cl);
    } else if (key) {
        rc = clients_auth(st, key, cl);
    }
    if (rc == STORE_ERR) {
        *out = send_error(c, 500, E_INTERNAL, "checking the credentials failed; see the server log", NULL);
        return NULL;
    }
    if (rc != STORE_OK) {
        *out = send_error(c, 401, E_UNAUTHORIZED,
                          key ? "the API key or access token is not valid"
                              : "this API needs an API key or access token: send 'Authorization: Bearer <key>'",
                          "Bearer realm=\"skolnav\"");
        return NULL;
    }
    api_error ae;
    if (access_admit(cl, &ae)) {
        log_msg(LOG_INFO, "%s %s refused for client %s (%s): %s", method, path, cl->id, cl->name, ae.message);
        *out = send_error(c, ae.status, ae.code, ae.message, NULL);
        return NULL;
    }
    rl_take(s->rl, cl->id, s->rate, s->burst, time_now_ms(), lim);
    if (!lim->allowed) {
        api_fail(&ae, 429, E_TOO_MANY_REQUESTS, "this client sends more than %.0f requests per second; "
                 "retry after %ld s", s->rate, lim->retry_s);
        buf b;
        buf_init(&b);
        char *j = api_error_json(&ae);
        buf_adds(&b, j);
        free(j);
        *out = send_buf_x(c, 429, &b, NULL, NULL, NULL, NULL, lim);
        return NULL;
    }
    return st;
}

/* A request that only reads: GET, HEAD, or a lookup (POST .../lookup). */
static int is_read(const char *method, const char *path)
{
    size_t n = strlen(path);
    return !strcmp(method, "GET") || !strcmp(method, "HEAD") ||
           (n >= 7 && !strcmp(path + n - 7, "/lookup"));
}

static enum MHD_Result serve_api(server *s, struct MHD_Connection *c, conn *cn, const char *method,
                                 const char *path)
{
    client cl;
    rl_result lim;
    enum MHD_Result refused;
    store *st = admit_client(s, c, method, path, &cl, &lim, &refused);
    if (!st)
        return refused;
    api_error ae;
    const char *q = strchr(cn->uri, '?');
    access_view av;
    access_begin(&av, st, &cl, "api", !s->o->no_ledger);
    char *tpath, *tquery, *tbody;
    access_translate_request(&av, st, path, q ? q + 1 : NULL, cn->body.data, cn->body.len, &tpath, &tquery, &tbody);
    request rq = {
        .method = method,
        .path = tpath ? tpath : path,
        .raw_query = tquery ? tquery : q ? q + 1 : NULL,
        .body = tbody ? tbody : cn->body.data,
        .bodylen = tbody ? strlen(tbody) : cn->body.len,
        .cl = &av.cl,
        .st = st,
        .tc = { .key = s->token_key, .client_id = av.cl.id },
    };
    response rs = { .status = 200 };
    buf_init(&rs.body);
    if (access_check_request(&av, method, rq.path, rq.raw_query, rq.body, rq.bodylen, &ae))
        api_error_response(&ae, &rs);
    else
        api_handle(&rq, &rs);
    access_add_exits(&av, st, rq.path, rq.raw_query, rs.status, &rs.body);
    access_translate_response(&av, rq.path, rs.status, &rs.body);
    access_reqinfo ri = { .method = method, .path = path, .query = rq.raw_query, .status = rs.status,
                          .bytes = rs.body.len, .started_ms = cn->started };
    if (access_finish(&av, st, &ri) && rs.status < 300 && is_read(method, rq.path)) {
        /* Fail closed: what cannot be recorded is not disclosed. A write
         * has happened by now; its answer still goes out, or the client
         * would send it again. */
        api_fail(&ae, 503, E_INTERNAL,
                 "the hub could not record this disclosure, so it is not sent; try again shortly");
        rs.allow = rs.hname = NULL;
        api_error_response(&ae, &rs);
    }
    free(tpath);
    free(tquery);
    free(tbody);
    if (rs.status >= 500)
        log_msg(LOG_ERR, "%s %s -> %d", method, cn->uri, rs.status);
    else
        log_msg(LOG_DEBUG, "%s %s -> %d (%s)", method, cn->uri, rs.status, cl.name);
    return send_buf_x(c, rs.status, &rs.body, rs.allow, NULL, rs.hname, rs.hvalue, &lim);
}

/* The admin pages (/admin, not /admin/api): the embedded assets below
 * /admin/static/, the page itself for every other path (the client routes
 * by path), and /admin/config.json, what the pages need to know of this
 * server. The policy admits scripts and styles of this origin only: no
 * inline code, no other origin, no framing. */
#define ADMIN_CSP "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " \
                  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " \
                  "form-action 'self'; frame-ancestors 'none'"

static int is_admin_page(const char *url)
{
    if (strncmp(url, "/admin", 6) || (url[6] && url[6] != '/'))
        return 0;
    return strncmp(url + 6, "/api", 4) || (url[10] && url[10] != '/');
}

static enum MHD_Result serve_admin_page(server *s, struct MHD_Connection *c, const char *method, const char *url)
{
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        buf b;
        buf_init(&b);
        buf_adds(&b, "{\"code\":\"METHOD_NOT_ALLOWED\",\"message\":\"the admin pages answer GET and HEAD only\"}");
        return send_buf(c, 405, &b, "GET, HEAD", NULL);
    }
    struct MHD_Response *r;
    unsigned status = 200;
    if (!url[6]) { /* /admin: the pages' relative links need the slash */
        if (!(r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)))
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, "/admin/");
        status = 301;
    } else if (!strcmp(url, "/admin/config.json")) {
        buf b;
        buf_init(&b);
        json_t *cfg = json_pack("{ss}", "basePath", s->o->base_path);
        char *j = cfg ? json_dumps(cfg, JSON_COMPACT) : NULL;
        json_decref(cfg);
        if (!j)
            return send_error(c, 500, E_INTERNAL, "out of memory", NULL);
        buf_adds(&b, j);
        free(j);
        size_t len = b.len;
        char *data = buf_steal(&b);
        if (!(r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE))) {
            free(data);
            return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    } else {
        const admin_asset *a = !strncmp(url, "/admin/static/", 14) ? admin_asset_find(url + 14)
                                                                   : admin_asset_find("index.html");
        if (!a) {
            buf b;
            buf_init(&b);
            buf_adds(&b, "{\"code\":\"NOT_FOUND\",\"message\":\"no such file among the admin pages\"}");
            return send_buf(c, 404, &b, NULL, NULL);
        }
        const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
        if (inm && !strcmp(inm, a->etag)) {
            status = 304;
            r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        } else {
            r = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
        }
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a->etag);
        /* Revalidated on every use (a 304 when unchanged), so an upgrade of
         * skolnav is never mixed with pages cached from the old one. */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    }
    MHD_add_response_header(r, "Content-Security-Policy", ADMIN_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* GET|HEAD /exports/latest (docs/export.md): the client's newest export
 * file, with its own credentials; outside the base path, as it is not an
 * SS12000 endpoint. The disclosures were recorded when it was made. */
static enum MHD_Result serve_export(server *s, struct MHD_Connection *c, conn *cn, const char *method,
                                    const char *url)
{
    client cl;
    rl_result lim;
    enum MHD_Result refused;
    store *st = admit_client(s, c, method, url, &cl, &lim, &refused);
    if (!st)
        return refused;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        buf b;
        buf_init(&b);
        api_error e;
        api_fail(&e, 405, E_METHOD_NOT_ALLOWED, "%s is not allowed on %s; use GET or HEAD", method, url);
        char *j = api_error_json(&e);
        buf_adds(&b, j);
        free(j);
        return send_buf(c, 405, &b, "GET, HEAD", NULL);
    }
    export_rec r;
    int rc = export_latest(st, cl.id, &r);
    int fd = -1;
    struct stat sb;
    if (rc == STORE_OK && ((fd = open(r.path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb))) {
        log_msg(LOG_ERR, "the export %s of client %s cannot be opened: %s", r.path, cl.id, strerror(errno));
        rc = STORE_NOTFOUND + 100;
    }
    int status = rc == STORE_OK ? 200 : rc == STORE_ERR ? 500 : 404;
    access_view av;
    access_begin(&av, st, &cl, "export", !s->o->no_ledger);
    access_reqinfo ri = { .method = method, .path = url, .status = status,
                          .bytes = status == 200 ? (size_t)sb.st_size : 0, .started_ms = cn->started };
    access_finish(&av, st, &ri);
    if (status != 200) {
        if (fd >= 0)
            close(fd);
        export_rec_free(&r);
        return send_error(c, status, status == 500 ? E_INTERNAL : E_NOT_FOUND,
                          status == 500 ? "reading the exports failed; see the server log"
                          : rc == STORE_NOTFOUND ? "there is no export for this client yet; the hub's administrators make "
                                                   "one with 'skolnav export' or an export schedule"
                                                 : "this client's latest export is missing on this node; ask the hub's "
                                                   "administrators",
                          NULL);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!resp) {
        close(fd);
        export_rec_free(&r);
        return MHD_NO;
    }
    const char *base = strrchr(r.path, '/');
    char disp[512], etag[64];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", base ? base + 1 : r.path);
    snprintf(etag, sizeof etag, "\"%s\"", r.id);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/zip");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    export_rec_free(&r);
    enum MHD_Result mrc = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return mrc;
}

/* The headers of an ingest request: its credential, and a parser for its
 * body when the source may send one to this route. */
static void ingest_headers(server *s, struct MHD_Connection *c, conn *cn, const char *method, const char *url)
{
    store *st = thread_store(s);
    const char *key = bearer(c);
    cn->ingest_auth = !st ? -2 : key ? sources_auth(st, key, &cn->src) : STORE_NOTFOUND;
    if (cn->ingest_auth == STORE_OK && !ingest_body_route(method, url))
        cn->ib = ingest_body_new(method, url);
}

/* The push ingest API: a push source's bearer credential, then one batch. */
static enum MHD_Result serve_ingest(server *s, struct MHD_Connection *c, conn *cn, const char *method,
                                    const char *url)
{
    store *st = thread_store(s);
    if (!st || cn->ingest_auth == -2)
        return send_error(c, 503, E_INTERNAL, "the store cannot be opened; see the server log", NULL);
    const char *key = bearer(c);
    int rc = cn->ingest_auth;
    if (rc == STORE_ERR)
        return send_error(c, 500, E_INTERNAL, "checking the credentials failed; see the server log", NULL);
    if (rc != STORE_OK) /* the reference answers 403 to a missing or wrong credential */
        return send_error(c, 403, E_FORBIDDEN,
                          key ? "the credential is not a push source's" : "send 'Authorization: Bearer <push source credential>'",
                          NULL);
    response rs = { .status = 200 };
    buf_init(&rs.body);
    ingestapi_handle(st, &cn->src, method, url, cn->ib, &rs.status, &rs.body, &rs.allow);
    log_msg(rs.status >= 500 ? LOG_ERR : LOG_DEBUG, "ingest %s %s -> %d (source %s)", method, url, rs.status,
            cn->src.name);
    return send_buf(c, rs.status, &rs.body, rs.allow, NULL);
}

/* A body over the limit is refused before it is read when its length is declared. */
static int declared_too_large(server *s, struct MHD_Connection *c)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return cl && strtoull(cl, NULL, 10) > s->max_body;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **ctx)
{
    (void)version;
    server *s = cls;
    conn *cn = *ctx;
    if (!cn->headers_seen) {
        cn->headers_seen = 1;
        if (declared_too_large(s, c)) {
            char msg[128];
            snprintf(msg, sizeof msg, "the request body is larger than the limit of %zu bytes", s->max_body);
            return send_error(c, 413, E_BODY_TOO_LARGE, msg, NULL);
        }
        if (s->ingest && strcmp(url, "/health"))
            ingest_headers(s, c, cn, method, url);
        return MHD_YES;
    }
    if (*upload_size) {
        /* Over the limit (a body without Content-Length): the rest is
         * read and dropped, and what was parsed is let go at once. */
        cn->received += *upload_size;
        if (cn->received > s->max_body) {
            cn->too_large = 1;
            ingest_body_free(cn->ib);
            cn->ib = NULL;
            buf_free(&cn->body);
        } else if (cn->ib)
            ingest_body_feed(cn->ib, upload, *upload_size);
        else if (!s->ingest || !strcmp(url, "/health"))
            buf_add(&cn->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (cn->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "the request body is larger than the limit of %zu bytes", s->max_body);
        return send_error(c, 413, E_BODY_TOO_LARGE, msg, NULL);
    }
    if (!strcmp(url, "/health"))
        return serve_health(s, c);
    if (s->ingest)
        return serve_ingest(s, c, cn, method, url);
    if (!strcmp(url, "/oauth/token"))
        return serve_token(s, c, cn, method);
    if (!strncmp(url, "/admin/api", 10) && (!url[10] || url[10] == '/'))
        return admin_http_serve(c, thread_store(s), method, url + 10, cn->uri, cn->body.data, cn->body.len,
                                s->o->base_path, s->token_key);
    if (is_admin_page(url))
        return serve_admin_page(s, c, method, url);
    if (!strcmp(url, "/exports/latest"))
        return serve_export(s, c, cn, method, url);
    size_t bl = strlen(s->o->base_path);
    if (strncmp(url, s->o->base_path, bl) || (url[bl] && url[bl] != '/'))
        return send_error(c, 404, E_NOT_FOUND, "not found: the SS12000 API is below its base path", NULL);
    const char *path = url + bl;
    if (!strcmp(path, "/openapi.json")) {
        buf b;
        buf_init(&b);
        buf_adds(&b, s->openapi);
        return send_buf(c, 200, &b, NULL, NULL);
    }
    return serve_api(s, c, cn, method, path);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa)
{
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return -1;
    char host[64];
    size_t hl = (size_t)(colon - listen);
    if (hl == 0 || hl >= sizeof host)
        return -1;
    memcpy(host, listen, hl);
    host[hl] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof host, "127.0.0.1");
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* The page-token key lives in the store, so every node shares it. */
static int load_token_key(server *s, store *st)
{
    unsigned char k[PAGETOKEN_KEYLEN];
    char h[PAGETOKEN_KEYLEN * 2 + 1];
    randombytes_buf(k, sizeof k);
    sodium_bin2hex(h, sizeof h, k, sizeof k);
    char *hex = NULL;
    /* Of nodes starting together on one database, the first to insert
     * wins and all of them read its key. */
    int rc = store_setting_init(st, "pagetoken_key", h, &hex);
    sodium_memzero(k, sizeof k);
    sodium_memzero(h, sizeof h);
    if (rc != STORE_OK)
        return -1;
    size_t n = 0;
    rc = sodium_hex2bin(s->token_key, sizeof s->token_key, hex, strlen(hex), NULL, &n, NULL) || n != sizeof s->token_key;
    free(hex);
    return rc ? -1 : 0;
}

static struct MHD_Daemon *start_daemon(server *s, struct sockaddr_in *sa, unsigned threads)
{
    return MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_URI_LOG_CALLBACK, uri_logger,
        s, MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_END);
}

/* The threads serve runs beside the HTTP daemons, started in order and
 * stopped in reverse so that nothing outlives what it depends on. */
struct background {
    const char *what;
    int (*start)(const char *db);
    void (*stop)(void);
    int off;
};

static void background_stop(const struct background *bg, size_t n)
{
    while (n-- > 0)
        if (!bg[n].off)
            bg[n].stop();
}

static int background_start(const struct background *bg, size_t n, const char *db)
{
    for (size_t i = 0; i < n; i++) {
        if (bg[i].off || bg[i].start(db) == 0)
            continue;
        fprintf(stderr, "skolnav serve: cannot start %s\n", bg[i].what);
        background_stop(bg, i);
        return -1;
    }
    return 0;
}

int server_run(const server_opts *o)
{
    server s = { .o = o, .max_body = MAX_BODY, .rate = o->rate_limit > 0 ? o->rate_limit : RATE_LIMIT_DEFAULT };
    s.burst = s.rate * RATE_LIMIT_BURST_SECONDS;
    server is = { .o = o, .ingest = 1,
                  .max_body = (size_t)(o->ingest_max_body > 0 ? o->ingest_max_body : INGEST_DEFAULT_MAX_BODY) };
    struct sockaddr_in sa, isa;
    if (parse_listen(o->listen, &sa)) {
        fprintf(stderr, "skolnav serve: --listen '%s' is not HOST:PORT with an IPv4 address (e.g. 127.0.0.1:8080)\n", o->listen);
        return 1;
    }
    if (o->ingest_listen && parse_listen(o->ingest_listen, &isa)) {
        fprintf(stderr, "skolnav serve: --ingest-listen '%s' is not HOST:PORT with an IPv4 address (e.g. 127.0.0.1:8081)\n",
                o->ingest_listen);
        return 1;
    }
    char err[512];
    store *st;
    if (store_open(o->db, 0, &st, err, sizeof err)) {
        fprintf(stderr, "skolnav serve: %s\n", err);
        return 1;
    }
    int krc = load_token_key(&s, st) || oauth_key(st, s.oauth_key, 1);
    store_close(st);
    if (krc) {
        fprintf(stderr, "skolnav serve: cannot read or create the page-token key in the store\n");
        return 1;
    }
    json_t *doc = openapi_document(o->base_path);
    s.openapi = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!s.openapi) {
        fprintf(stderr, "skolnav serve: building the OpenAPI document failed\n");
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* workers inherit the mask; main waits */
    signal(SIGPIPE, SIG_IGN);
    s.rl = rl_new();
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = (unsigned)(o->threads > 0 ? o->threads : (ncpu > 0 ? ncpu * 4 : 8));
    struct MHD_Daemon *d = start_daemon(&s, &sa, threads), *id = NULL;
    if (!d) {
        fprintf(stderr, "skolnav serve: cannot listen on %s: %s\n", o->listen, strerror(errno));
        rl_free(s.rl);
        free(s.openapi);
        return 1;
    }
    outbound_configure(&o->webhooks);
    struct background bg[] = {
        { "the webhook dispatcher", outbound_start, outbound_stop, 0 },
        { "the disclosure ledger's folder", access_folder_start, access_folder_stop, o->no_ledger },
        { "the provisioning scheduler", provision_scheduler_start, provision_scheduler_stop,
          o->no_scheduled_provisioning },
        { "the pull scheduler", pull_scheduler_start, pull_scheduler_stop, o->no_scheduled_pulls },
        { "the export scheduler", export_scheduler_start, export_scheduler_stop, o->no_export_schedule },
    };
    size_t nbg = sizeof bg / sizeof bg[0];
    int up = background_start(bg, nbg, o->db);
    if (up == 0 && o->ingest_listen && !(id = start_daemon(&is, &isa, threads > 4 ? 4 : threads))) {
        fprintf(stderr, "skolnav serve: cannot listen on %s: %s\n", o->ingest_listen, strerror(errno));
        background_stop(bg, nbg);
        up = -1;
    }
    if (up) {
        MHD_stop_daemon(d);
        rl_free(s.rl);
        free(s.openapi);
        return 1;
    }
    log_msg(LOG_INFO, "serving the SS12000 API at http://%s%s (%u threads)", o->listen, o->base_path, threads);
    if (o->no_ledger)
        log_msg(LOG_WARN, "--no-ledger: disclosures are NOT recorded (for benchmarks only)");
    if (id)
        log_msg(LOG_INFO, "serving the push ingest API at http://%s", o->ingest_listen);
    int sig = 0;
    sigwait(&set, &sig);
    log_msg(LOG_INFO, "signal %d: finishing requests in flight", sig);
    MHD_quiesce_daemon(d);
    if (id)
        MHD_quiesce_daemon(id);
    for (int waited = 0; (atomic_load(&s.inflight) > 0 || atomic_load(&is.inflight) > 0) && waited < STOP_GRACE_MS;
         waited += 10)
        usleep(10000);
    if (id)
        MHD_stop_daemon(id);
    MHD_stop_daemon(d);
    background_stop(bg, nbg);
    rl_free(s.rl);
    free(s.openapi);
    log_msg(LOG_INFO, "stopped");
    return 0;
}
