/*
 * The push ingest API: the requests of Skolverket's reference ingest API
 * (POST, PUT and DELETE on /organisations, /persons, /groups, /duties,
 * /activities, bodies like {"persons": [...]}), the same verbs on every
 * other writable kind, and PUT /snapshot for a full snapshot of the
 * source. Served on its own listener (server.c); every request is
 * authenticated as a push source (bearer credential) and becomes one
 * source batch (sources/batch.h). docs/ingest.md is the guide.
 */
#ifndef SKOLNAV_INGESTAPI_H
#define SKOLNAV_INGESTAPI_H

#include <jansson.h>
#include <stddef.h>

#include "ingest/ingest.h"
#include "sources/sources.h"
#include "util/buf.h"

/* Problems listed in a 400 body at most (the count is always given). */
#define INGESTAPI_MAX_LISTED INGEST_MAX_ERRORS

/*
 * Turns a request into a source batch without touching a store: the
 * envelope is checked ({"<kind>": [...]}, DELETE items {"id": ...}).
 * Returns the batch (new reference) or NULL with the problems in res
 * and *status the HTTP status (400, 404 or 405). *ids gets the records' ids
 * for the 201 body (new reference, may be NULL for DELETE).
 */
json_t *ingestapi_parse(const char *method, const char *path, const char *body, size_t len, int *status,
                        json_t **ids, ingest_result *res);

/* Serves one authenticated request of src; fills status, body and (405) allow. */
void ingestapi_handle(store *st, const source_rec *src, const char *method, const char *path, const char *body,
                      size_t len, int *status, buf *out, const char **allow);

/* An Error body {"code", "message"} (no problems). */
void ingestapi_error(buf *out, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
