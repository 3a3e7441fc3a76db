/*
 * Request -> batch -> response. Status codes and bodies are those of the
 * reference server where it has them (201 {"ids": [...]}, 202
 * {"message": "Accepted"}); errors use the SS12000 Error body with the
 * problems listed beside it.
 */
#include "ingestapi/ingestapi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/validate.h"
#include "sources/batch.h"

void ingestapi_error(buf *out, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    buf_reset(out);
    buf_adds(out, "{\"code\":");
    buf_add_json_string(out, code);
    buf_adds(out, ",\"message\":");
    buf_add_json_string(out, msg);
    buf_addc(out, '}');
}

static void problems_body(buf *out, const char *code, const char *what, const ingest_result *res, int kind)
{
    buf_reset(out);
    buf_adds(out, "{\"code\":");
    buf_add_json_string(out, code);
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %zu problem%s%s%s", what, res->nproblems, res->nproblems == 1 ? "" : "s",
             kind != K_NONE ? " in " : "", kind != K_NONE ? model_kind(kind)->path : "");
    buf_adds(out, ",\"message\":");
    buf_add_json_string(out, msg);
    buf_printf(out, ",\"problemCount\":%zu,\"problems\":[", res->nproblems);
    size_t shown = res->nproblems < INGESTAPI_MAX_LISTED ? res->nproblems : INGESTAPI_MAX_LISTED;
    for (size_t i = 0; i < shown; i++) {
        const ingest_problem *p = &res->problems[i];
        buf_printf(out, "%s{", i ? "," : "");
        if (p->index >= 0)
            buf_printf(out, "\"index\":%ld,", p->index);
        if (p->id[0]) {
            buf_adds(out, "\"id\":");
            buf_add_json_string(out, p->id);
            buf_addc(out, ',');
        }
        buf_adds(out, "\"field\":");
        buf_add_json_string(out, p->field);
        buf_adds(out, ",\"message\":");
        buf_add_json_string(out, p->message);
        buf_addc(out, '}');
    }
    buf_adds(out, "]}");
}

void ingestapi_handle(store *st, const source_rec *src, const char *method, const char *path, ingest_body *body,
                      int *status, buf *out, const char **allow)
{
    *allow = NULL;
    *status = ingest_body_route(method, path);
    if (*status == 404) {
        ingestapi_error(out, "NOT_FOUND", "no ingest endpoint %s (POST, PUT or DELETE /<kind>, e.g. /persons; PUT /snapshot)", path);
        return;
    }
    if (*status == 405) {
        *allow = strcmp(path, "/snapshot") ? "POST, PUT, DELETE" : "PUT";
        ingestapi_error(out, "METHOD_NOT_ALLOWED", "%s is not served on %s (use %s)", method, path, *allow);
        return;
    }
    ingest_result *res = xcalloc(1, sizeof *res);
    json_t *batch = ingest_body_finish(body, status, res);
    if (!batch) {
        if (*status == 500)
            ingestapi_error(out, "INTERNAL_ERROR", "the batch could not be written: %s", res->problems[0].message);
        else
            problems_body(out, "INVALID_BODY", "the batch was rejected, nothing was written", res, K_NONE);
        free(res);
        return;
    }
    char what[96];
    snprintf(what, sizeof what, "push %s %s", method, path);
    batch_opts o = { .what = what };
    batch_outcome oc;
    int s = batch_apply_streams(st, src, batch, ingest_body_streams(body), &o, &oc, res);
    if (s == BATCH_APPLIED) {
        if (!strcmp(method, "DELETE")) {
            *status = 202;
            buf_adds(out, "{\"message\":\"Accepted\"}");
        } else if (!strcmp(path, "/snapshot")) {
            *status = 201; /* the ids like POST's, and what the snapshot did */
            ingest_body_take_response(body, out);
            buf_printf(out, ",\"created\":%zu,\"updated\":%zu,\"unchanged\":%zu,\"deleted\":%zu}",
                       oc.total_created, oc.total_updated, oc.total_unchanged, oc.total_deleted);
        } else {
            *status = 201;
            ingest_body_take_response(body, out);
            buf_addc(out, '}');
        }
    } else if (s == BATCH_HELD) {
        *status = 202;
        buf_adds(out, "{\"message\":\"Held for approval\"");
        buf_adds(out, ",\"heldBatch\":");
        buf_add_json_string(out, oc.held_id);
        buf_adds(out, ",\"summary\":");
        buf_adds(out, oc.summary ? oc.summary : "null");
        buf_addc(out, '}');
    } else if (s == BATCH_REJECTED && res->nconflicts) {
        *status = 409;
        problems_body(out, "OWNED_BY_OTHER_SOURCE", "the batch was rejected, nothing was written", res, oc.failed_kind);
    } else if (s == BATCH_REJECTED) {
        *status = oc.forbidden ? 403 : 400;
        problems_body(out, *status == 403 ? "FORBIDDEN" : "INVALID_BODY", "the batch was rejected, nothing was written",
                      res, oc.failed_kind);
    } else {
        *status = 500;
        ingestapi_error(out, "INTERNAL_ERROR", "the batch could not be written: %s",
                        res->nproblems ? res->problems[0].message : "unknown store failure");
    }
    batch_outcome_free(&oc);
    json_decref(batch);
    free(res);
}
