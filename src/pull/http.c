#include "pull/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct http_client {
    CURL *c;
    long timeout_ms;
};

http_client *http_new(long timeout_ms)
{
    static int inited;
    if (!inited) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        inited = 1;
    }
    http_client *h = xcalloc(1, sizeof *h);
    h->c = curl_easy_init();
    if (!h->c) {
        free(h);
        return NULL;
    }
    h->timeout_ms = timeout_ms;
    return h;
}

void http_free(http_client *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->c);
    free(h);
}

void http_reply_free(http_reply *r)
{
    buf_free(&r->body);
}

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    http_reply *r = ctx;
    if ((long long)(r->body.len + sz * n) > HTTP_MAX_BODY)
        return 0; /* aborts the transfer */
    buf_add(&r->body, p, sz * n);
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ctx)
{
    http_reply *r = ctx;
    size_t len = sz * n;
    if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
        char v[32];
        snprintf(v, sizeof v, "%.*s", (int)(len - 12 < 31 ? len - 12 : 31), p + 12);
        char *end;
        long s = strtol(v, &end, 10);
        r->retry_after = end != v && s >= 0 ? s : -1;
    }
    return len;
}

static int perform(http_client *h, const char *url, http_reply *r, struct curl_slist *hdrs)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body);
    r->retry_after = -1;
    CURL *c = h->c;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* gzip when the upstream offers it */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        snprintf(r->err, sizeof r->err, "%s", rc == CURLE_WRITE_ERROR ? "the answer is larger than 512 MB"
                                                                       : curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    buf_cstr(&r->body);
    return 0;
}

int http_get(http_client *h, const char *url, const char *bearer, http_reply *r)
{
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    char auth[4200];
    if (bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
        hdrs = curl_slist_append(hdrs, auth);
    }
    curl_easy_setopt(h->c, CURLOPT_HTTPGET, 1L);
    int rc = perform(h, url, r, hdrs);
    curl_slist_free_all(hdrs);
    return rc;
}

int http_post_form(http_client *h, const char *url, const char *user, const char *password, const char *form,
                   http_reply *r)
{
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(h->c, CURLOPT_USERNAME, user);
    curl_easy_setopt(h->c, CURLOPT_PASSWORD, password);
    curl_easy_setopt(h->c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    int rc = perform(h, url, r, hdrs);
    curl_easy_setopt(h->c, CURLOPT_USERNAME, NULL);
    curl_easy_setopt(h->c, CURLOPT_PASSWORD, NULL);
    curl_easy_setopt(h->c, CURLOPT_HTTPGET, 1L);
    curl_slist_free_all(hdrs);
    return rc;
}

void http_add_escaped(buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~", c))
            buf_addc(b, (char)c);
        else {
            buf_addc(b, '%');
            buf_addc(b, hex[c >> 4]);
            buf_addc(b, hex[c & 15]);
        }
    }
}
