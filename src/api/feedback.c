/*
 * POST /log/ and POST /statistics/ (DIGEST §2.14): what vendors report back
 * (sync problems, counts). Each entry is checked against its schema, bounded
 * in size, rate-limited per client, and stored in the feedback table, where
 * `skolnav feedback list` reads it. Only the newest FEEDBACK_KEEP entries
 * per client and channel are kept.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/subscriptions.h"
#include "model/model.h"
#include "util/timefmt.h"

#define E_TOO_MANY "TOO_MANY_REQUESTS"

static const char *const severity[] = { "Info", "Warning", "Error", 0 };

/* The two schemas, in the model table's terms (max: string length). */
static const field log_fields[] = {
    { .name = "message", .type = FT_STRING, .flags = F_REQUIRED, .max = 4000 },
    { .name = "messageType", .type = FT_STRING, .max = 200 },
    { .name = "resourceType", .type = FT_ENUM, .enumv = enum_endpoints },
    { .name = "resourceId", .type = FT_UUID },
    { .name = "resourceUrl", .type = FT_URI, .max = 2000 },
    { .name = "severityLevel", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = severity },
    { .name = "timeOfOccurance", .type = FT_DATETIME }, /* sic, the specification's spelling */
    { 0 },
};
static const field statistics_fields[] = {
    { .name = "resourceType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_endpoints },
    { .name = "newCount", .type = FT_INT, .flags = F_REQUIRED },
    { .name = "updatedCount", .type = FT_INT, .flags = F_REQUIRED },
    { .name = "deletedCount", .type = FT_INT, .flags = F_REQUIRED },
    { .name = "resourceUrl", .type = FT_URI, .max = 2000 },
    { .name = "timeOfOccurance", .type = FT_DATETIME },
    { 0 },
};

static int check_field(const field *f, json_t *v, api_error *e)
{
    const char *s = json_string_value(v);
    int64_t ms;
    switch (f->type) {
    case FT_INT:
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return api_fail(e, 400, E_INVALID_BODY, "%s must be a whole number of at least 0", f->name);
        return 0;
    case FT_ENUM:
        if (!s || !model_enum_has(f->enumv, s)) {
            char *l = model_enum_list(f->enumv);
            api_fail(e, 400, E_INVALID_BODY, "%s must be one of %s", f->name, l);
            free(l);
            return -1;
        }
        return 0;
    case FT_UUID:
        if (!s || uuid_valid(s))
            return api_fail(e, 400, E_INVALID_BODY, "%s must be a UUID", f->name);
        return 0;
    case FT_DATETIME:
        if (!s || time_parse_datetime(s, &ms))
            return api_fail(e, 400, E_INVALID_BODY, "%s must be an RFC 3339 date-time", f->name);
        return 0;
    default:
        if (!s || (f->flags & F_REQUIRED && !*s))
            return api_fail(e, 400, E_INVALID_BODY, "%s must be a%s string", f->name, f->flags & F_REQUIRED ? " non-empty" : "");
        if (f->max && strlen(s) > (size_t)f->max)
            return api_fail(e, 400, E_INVALID_BODY, "%s is longer than %d characters", f->name, f->max);
        if (f->type == FT_URI && !strstr(s, "://"))
            return api_fail(e, 400, E_INVALID_BODY, "%s must be an absolute URI", f->name);
        return 0;
    }
}

static int check_body(const field *fields, json_t *b, const char *schema, api_error *e)
{
    if (!json_is_object(b))
        return api_fail(e, 400, E_INVALID_BODY, "the body must be a %s object", schema);
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        if (!model_field(fields, k))
            return api_fail(e, 400, E_INVALID_BODY, "unknown field '%s' in a %s", k, schema);
    }
    for (const field *f = fields; f->name; f++) {
        v = json_object_get(b, f->name);
        if (!v) {
            if (f->flags & F_REQUIRED)
                return api_fail(e, 400, E_INVALID_BODY, "required field '%s' is missing from the %s", f->name, schema);
            continue;
        }
        if (check_field(f, v, e))
            return -1;
    }
    return 0;
}

static int64_t count_recent(store *st, const char *client, int64_t since)
{
    store_stmt *q;
    if (store_prepare(st, "SELECT COUNT(*) FROM feedback WHERE client=? AND at>?", &q))
        return -1;
    store_bind_text(q, 1, client);
    store_bind_int(q, 2, since);
    int64_t n = store_step(q) == 1 ? store_col_int(q, 0) : -1;
    store_finalize(q);
    return n;
}

static int post(request *rq, const char *channel, const field *fields, const char *schema, response *rs,
                api_error *e)
{
    if (rq->raw_query && *rq->raw_query)
        return api_fail(e, 400, E_UNKNOWN_PARAMETER, "POST /%s/ takes no query parameters", channel);
    if (rq->bodylen > FEEDBACK_BODY_MAX)
        return api_fail(e, 413, E_BODY_TOO_LARGE, "a %s entry may be at most %d bytes", schema, FEEDBACK_BODY_MAX);
    json_error_t jerr;
    json_t *b = json_loadb(rq->body ? rq->body : "", rq->bodylen, JSON_REJECT_DUPLICATES, &jerr);
    if (!b)
        return api_fail(e, 400, E_INVALID_BODY, "the body is not valid JSON: %s (line %d, column %d)", jerr.text,
                        jerr.line, jerr.column);
    int rc = check_body(fields, b, schema, e);
    char *canon = rc ? NULL : json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(b);
    if (rc)
        return -1;
    int64_t now = time_now_ms();
    if (store_begin(rq->st)) {
        free(canon);
        return api_fail(e, 500, E_INTERNAL, "the store failed: %s", store_errmsg(rq->st));
    }
    int64_t recent = count_recent(rq->st, rq->cl->id, now - 60000);
    store_stmt *q = NULL;
    if (recent >= FEEDBACK_PER_MINUTE) {
        store_rollback(rq->st);
        free(canon);
        return api_fail(e, 429, E_TOO_MANY, "at most %d log and statistics entries a minute per client; try again later",
                        FEEDBACK_PER_MINUTE);
    }
    rc = recent < 0 || store_prepare(rq->st, "INSERT INTO feedback(client, channel, at, body) VALUES(?,?,?,?)", &q);
    if (!rc) {
        store_bind_text(q, 1, rq->cl->id);
        store_bind_text(q, 2, channel);
        store_bind_int(q, 3, now);
        store_bind_text(q, 4, canon);
        rc = store_step(q) != 0;
    }
    store_finalize(q);
    q = NULL;
    if (!rc && !(rc = store_prepare(rq->st, "DELETE FROM feedback WHERE client=? AND channel=? AND id NOT IN"
                                            " (SELECT id FROM feedback WHERE client=? AND channel=?"
                                            " ORDER BY id DESC LIMIT ?)", &q))) {
        store_bind_text(q, 1, rq->cl->id);
        store_bind_text(q, 2, channel);
        store_bind_text(q, 3, rq->cl->id);
        store_bind_text(q, 4, channel);
        store_bind_int(q, 5, FEEDBACK_KEEP);
        rc = store_step(q) != 0;
    }
    store_finalize(q);
    free(canon);
    if (rc || store_commit(rq->st)) {
        store_rollback(rq->st);
        return api_fail(e, 500, E_INTERNAL, "the store failed: %s", store_errmsg(rq->st));
    }
    rs->status = 201;
    buf_reset(&rs->body);
    return 0;
}

int feedback_op_log(request *rq, const char *id, response *rs, api_error *e)
{
    (void)id;
    return post(rq, "log", log_fields, "LogEntry", rs, e);
}

int feedback_op_statistics(request *rq, const char *id, response *rs, api_error *e)
{
    (void)id;
    return post(rq, "statistics", statistics_fields, "StatisticsEntry", rs, e);
}
