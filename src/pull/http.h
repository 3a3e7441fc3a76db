/*
 * A small HTTP client on libcurl for the pull connector: GET with a
 * bearer token and POST of a form (OAuth2 token requests), with a timeout,
 * a bounded body, and the Retry-After of a 429 or 503.
 */
#ifndef SKOLNAV_HTTP_H
#define SKOLNAV_HTTP_H

#include <stddef.h>

#include "util/buf.h"

#define HTTP_MAX_BODY (512LL * 1024 * 1024)

typedef struct http_client http_client;

typedef struct http_reply {
    long status;        /* 0 when no answer came (err says why) */
    buf body;
    long retry_after;   /* seconds, -1 when absent */
    char err[256];
} http_reply;

http_client *http_new(long timeout_ms);
void http_free(http_client *h);
void http_reply_free(http_reply *r);

/* 0 when an answer came (any status), -1 with r->err on a transport failure. */
int http_get(http_client *h, const char *url, const char *bearer, http_reply *r);
int http_post_form(http_client *h, const char *url, const char *user, const char *password, const char *form,
                   http_reply *r);

/* Appends s to b percent-encoded for a query string. */
void http_add_escaped(buf *b, const char *s);

#endif
