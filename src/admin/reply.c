/* Reply helpers of the admin handlers (handler.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "admin/handler.h"
#include "util/log.h"
#include "util/timefmt.h"

void reply_json(admin_ctx *cx, int status, json_t *o)
{
    cx->rs->status = status;
    buf_reset(&cx->rs->body);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
    if (s)
        buf_adds(&cx->rs->body, s);
    free(s);
    json_decref(o);
}

void reply_empty(admin_ctx *cx, int status)
{
    cx->rs->status = status;
    buf_reset(&cx->rs->body);
}

void reply_error(admin_ctx *cx, int status, const char *code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_json(cx, status, json_pack("{ss ss}", "code", code, "message", msg));
}

void reply_store_error(admin_ctx *cx)
{
    log_msg(LOG_ERR, "admin %s %s: %s", cx->rq->method, cx->rq->path, store_errmsg(cx->st));
    reply_error(cx, 500, "INTERNAL_ERROR", "the store failed; see the server log");
}

json_t *body_object(admin_ctx *cx)
{
    json_error_t e;
    json_t *o = cx->rq->bodylen ? json_loadb(cx->rq->body, cx->rq->bodylen, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        reply_error(cx, 400, "INVALID_BODY", "the request body must be a JSON object%s%s",
                    cx->rq->bodylen ? ": " : "", cx->rq->bodylen ? e.text : "");
        return NULL;
    }
    return o;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *url_decode(const char *s, size_t n)
{
    char *o = xmalloc(n + 1), *p = o;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *p++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            *p++ = s[i] == '+' ? ' ' : s[i];
        }
    }
    *p = 0;
    return o;
}

char *query_param(const admin_ctx *cx, const char *name)
{
    const char *q = cx->rq->query;
    size_t nl = strlen(name);
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (len >= nl && !strncmp(q, name, nl) && (len == nl || q[nl] == '='))
            return len == nl ? xstrdup("") : url_decode(q + nl + 1, len - nl - 1);
        q = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static int long_param(admin_ctx *cx, const char *name, long def, long min, long max, long *out)
{
    char *v = query_param(cx, name);
    *out = def;
    if (!v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    int ok = *v && !*end && n >= min && n <= max;
    if (ok)
        *out = n;
    else
        reply_error(cx, 400, "INVALID_PARAMETER", "%s must be a whole number from %ld to %ld, not '%.100s'", name, min,
                    max, v);
    free(v);
    return ok ? 0 : -1;
}

int paging(admin_ctx *cx, long *offset, long *limit)
{
    if (long_param(cx, "offset", 0, 0, 1000000000L, offset) || long_param(cx, "limit", 50, 1, 500, limit))
        return -1;
    return 0;
}

json_t *page_json(json_t *items, long offset, long limit, int64_t total)
{
    return json_pack("{so sI sI sI}", "items", items, "offset", (json_int_t)offset, "limit", (json_int_t)limit,
                     "total", (json_int_t)total);
}

json_t *time_json(int64_t ms)
{
    if (!ms)
        return json_null();
    char ts[TIME_CANON_LEN];
    time_format_ms(ms, ts);
    return json_string(ts);
}

const char *member_str(json_t *o, const char *name, int *bad)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

int audit_txn_begin(admin_ctx *cx)
{
    if (store_begin(cx->st)) {
        reply_store_error(cx);
        return -1;
    }
    return 0;
}

int audit_txn_commit(admin_ctx *cx, const char *action, const char *target, json_t *detail)
{
    if (admin_audit_write(cx->st, cx->acct.name, cx->rq->address, action, target, detail) || store_commit(cx->st)) {
        store_rollback(cx->st);
        return -1;
    }
    return 0;
}
