/*
 * The admin JSON API under /admin/api (docs/admin-api.md is the contract).
 * The HTTP front (server.c, through admin_http.c) hands each request here
 * as an admin_request with the bits of HTTP it needs; the answer comes
 * back as an admin_response. Nothing here knows libmicrohttpd, so the
 * whole API is driven the same from the server and from tests.
 */
#ifndef SKOLNAV_ADMIN_H
#define SKOLNAV_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"

typedef struct admin_request {
    const char *method;
    const char *path;      /* below /admin/api, e.g. "/vendors/ID" ("" or "/" for the root) */
    const char *query;     /* raw query string without '?', or NULL */
    const char *body;
    size_t bodylen;
    const char *cookie;    /* the Cookie header, or NULL */
    const char *csrf;      /* the X-CSRF-Token header, or NULL */
    const char *address;   /* the client's address (throttle, audit trail) */
    const char *content_type;
    const char *base_path; /* the SS12000 API's base path (view as vendor) */
    const unsigned char *token_key; /* page-token key (view as vendor), PAGETOKEN_KEYLEN bytes */
} admin_request;

#define ADMIN_MAX_HEADERS 4

typedef struct admin_response {
    int status;
    buf body;
    const char *content_type; /* NULL: JSON */
    char *hname[ADMIN_MAX_HEADERS]; /* extra headers (malloc'd) */
    char *hvalue[ADMIN_MAX_HEADERS];
    int nheaders;
} admin_response;

void admin_response_init(admin_response *rs);
void admin_response_free(admin_response *rs);
void admin_response_header(admin_response *rs, const char *name, const char *value);

/* Handles one request on st. */
void admin_handle(store *st, const admin_request *rq, admin_response *rs);

#endif
