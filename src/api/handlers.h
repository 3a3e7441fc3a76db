/*
 * The SS12000 API operations. One route table maps (method, path shape)
 * to a handler; every entity kind is served by the same handlers, driven
 * by the model table.
 */
#ifndef SKOLNAV_HANDLERS_H
#define SKOLNAV_HANDLERS_H

#include <stddef.h>

#include "api/errors.h"
#include "api/query_parse.h"
#include "store/clients.h"
#include "store/store.h"
#include "util/buf.h"

typedef struct request {
    const char *method;
    const char *path;      /* below the base path, e.g. "/persons/…" */
    const char *raw_query; /* NULL when the URL had none */
    const char *body;
    size_t bodylen;
    const client *cl;
    store *st;
    token_ctx tc;
} request;

typedef struct response {
    int status;
    buf body;
    const char *allow; /* Allow header for 405 */
    char allow_buf[48];
    const char *hname; /* one extra response header, or NULL */
    char hvalue[96];
} response;

/* Serves one authenticated API request. Always fills rs. */
void api_handle(request *rq, response *rs);
/* 1 when api_handle serves method (any case) on path, a path below the
 * base path as the OpenAPI document writes it ("/persons/{id}"). */
int api_routes(const char *method, const char *path);
/* Fills rs with the Error body of e. */
void api_error_response(const api_error *e, response *rs);

#endif
