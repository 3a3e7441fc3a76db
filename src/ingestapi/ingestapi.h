/*
 * The push ingest API: the requests of Skolverket's reference ingest API
 * (POST, PUT and DELETE on /organisations, /persons, /groups, /duties,
 * /activities, bodies like {"persons": [...]}), the same verbs on every
 * other writable kind, and PUT /snapshot for a full snapshot of the
 * source. Served on its own listener (server.c); every request is
 * authenticated as a push source (bearer credential) and becomes one
 * source batch (sources/batch.h), its body parsed as it arrives
 * (body.h). docs/ingest.md is the guide.
 */
#ifndef SKOLNAV_INGESTAPI_H
#define SKOLNAV_INGESTAPI_H

#include <jansson.h>
#include <stddef.h>

#include "ingest/ingest.h"
#include "ingestapi/body.h"
#include "sources/sources.h"
#include "util/buf.h"

/* Problems listed in a 400 body at most (the count is always given). */
#define INGESTAPI_MAX_LISTED INGEST_MAX_ERRORS

/* Serves one authenticated request of src: its route, then the body that
 * went through `body` as it arrived (ingestapi/body.h; NULL when the route
 * refused it, ingest_body_route). Fills status, body and (405) allow. */
void ingestapi_handle(store *st, const source_rec *src, const char *method, const char *path, ingest_body *body,
                      int *status, buf *out, const char **allow);

/* An Error body {"code", "message"} (no problems). */
void ingestapi_error(buf *out, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
