/*
 * The write operations of SS12000 2.1 (DIGEST §2.11): POST /attendances,
 * /attendanceEvents, /attendanceSchedule, /absences and DELETE of the first
 * three by id. Every write goes through ingest (src/ingest), so a write is
 * validated against the model table, its references must exist, and it is
 * one transaction together with its change-feed row; on any error nothing
 * is written.
 */
#ifndef SKOLNAV_WRITES_H
#define SKOLNAV_WRITES_H

#include <jansson.h>

#include "api/handlers.h"

/* Parses and checks a create body for kind k without touching a store: a
 * JSON object, `id` a UUID when given (else one is assigned), and the
 * entity valid against the model. On success *out is the entity to ingest
 * (new reference). Fuzzed by tests/fuzz/fuzz_write.c. */
int write_body_prepare(const kind_desc *k, const char *body, size_t len, json_t **out, api_error *e);

/* POST /{kind}: 200 with the stored entity. */
int write_create(request *rq, const kind_desc *k, response *rs, api_error *e);
/* DELETE /{kind}/{id}: 204, leaving a tombstone. */
int write_delete(request *rq, const kind_desc *k, const char *id, response *rs, api_error *e);

/* Whether this client may write entities of kind k: full access, or the
 * write permission of its grant (the access view checks the kind). */
int write_allowed(const client *cl, const kind_desc *k);

#endif
