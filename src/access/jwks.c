/* Trusted issuers' key sets from files or URLs (see jwks.h). */
#include "access/jwks.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pull/http.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define CACHE_MAX 32

typedef struct cached {
    char *url;
    json_t *doc;       /* the last good copy, or NULL */
    int64_t fetched;   /* when doc was fetched (ms) */
    int64_t tried;     /* the last fetch attempt (ms) */
} cached;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static cached cache[CACHE_MAX];

int jwks_is_url(const char *where)
{
    return !strncmp(where, "https://", 8) || !strncmp(where, "http://", 7);
}

int jwks_url_ok(const char *url, char *why, size_t whylen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int ok = u && !curl_url_set(u, CURLUPART_URL, url, 0) && !curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) &&
             !curl_url_get(u, CURLUPART_HOST, &host, 0);
    if (!ok)
        snprintf(why, whylen, "'%s' is not a URL", url);
    else if (strcmp(scheme, "https") &&
             !(!strcmp(scheme, "http") && (!strcmp(host, "127.0.0.1") || !strcmp(host, "localhost") ||
                                            !strcmp(host, "[::1]")))) {
        snprintf(why, whylen, "the JWKS URL must be https:// (http:// only on 127.0.0.1, localhost or [::1])");
        ok = 0;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok ? 0 : -1;
}

static int has_keys(json_t *doc)
{
    return json_is_array(json_object_get(doc, "keys"));
}

static int has_kid(json_t *doc, const char *kid)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(doc, "keys"), i, k) {
        const char *v = json_string_value(json_object_get(k, "kid"));
        if (v && !strcmp(v, kid))
            return 1;
    }
    return 0;
}

static json_t *fetch(const char *url, char *err, size_t errlen)
{
    if (jwks_url_ok(url, err, errlen))
        return NULL;
    http_client *h = http_new(JWKS_TIMEOUT_MS);
    http_reply r;
    memset(&r, 0, sizeof r);
    buf_init(&r.body);
    json_t *doc = NULL;
    if (!h || http_get(h, url, NULL, &r))
        snprintf(err, errlen, "cannot reach %s: %s", url, h ? r.err : "libcurl could not start");
    else if (r.status != 200)
        snprintf(err, errlen, "%s answered HTTP %ld", url, r.status);
    else if (!(doc = json_loadb(r.body.data ? r.body.data : "", r.body.len, JSON_REJECT_DUPLICATES, NULL)) ||
             !has_keys(doc)) {
        snprintf(err, errlen, "%s is not a JWKS document ({\"keys\": [...]})", url);
        json_decref(doc);
        doc = NULL;
    }
    http_reply_free(&r);
    http_free(h);
    return doc;
}

static cached *slot(const char *url)
{
    cached *free_slot = NULL, *oldest = &cache[0];
    for (int i = 0; i < CACHE_MAX; i++) {
        if (cache[i].url && !strcmp(cache[i].url, url))
            return &cache[i];
        if (!cache[i].url && !free_slot)
            free_slot = &cache[i];
        if (cache[i].tried < oldest->tried)
            oldest = &cache[i];
    }
    cached *c = free_slot ? free_slot : oldest; /* more issuers than slots: the least recently tried goes */
    free(c->url);
    json_decref(c->doc);
    *c = (cached){ .url = xstrdup(url) };
    return c;
}

static json_t *from_url(const char *url, const char *kid, char *err, size_t errlen)
{
    pthread_mutex_lock(&lock);
    cached *c = slot(url);
    int64_t now = time_now_ms();
    int fresh = c->doc && now - c->fetched < JWKS_TTL_S * 1000LL;
    int lacks = c->doc && kid && !has_kid(c->doc, kid);
    if ((!fresh || lacks) && (!c->tried || now - c->tried >= JWKS_REFETCH_S * 1000LL || !c->doc)) {
        /* Fetched under the lock: requests for this issuer wait for one
         * fetch rather than each making its own (bounded by the timeout). */
        c->tried = now;
        json_t *doc = fetch(url, err, errlen);
        if (doc) {
            json_decref(c->doc);
            c->doc = doc;
            c->fetched = now;
        }
    }
    json_t *out = json_incref(c->doc);
    if (out)
        err[0] = 0;
    pthread_mutex_unlock(&lock);
    return out;
}

json_t *jwks_get(const char *where, const char *kid, char *err, size_t errlen)
{
    snprintf(err, errlen, "no keys");
    if (jwks_is_url(where))
        return from_url(where, kid, err, errlen);
    json_error_t je;
    json_t *doc = json_load_file(where, JSON_REJECT_DUPLICATES, &je);
    if (!has_keys(doc)) {
        snprintf(err, errlen, "%s is not a JWKS document ({\"keys\": [...]}): %s", where,
                 doc ? "no keys array" : je.text);
        json_decref(doc);
        return NULL;
    }
    return doc;
}
