/* Audit (administrator, dpo): the request log, filtered and paged, and a
 * person's disclosure ledger as JSON or a CSV extract. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "admin/handler.h"
#include "util/timefmt.h"

typedef struct filt {
    buf where;
    char *text[8];
    int64_t ints[8];
    char kinds[8]; /* 't' or 'i' per bind, in order */
    int n;
} filt;

static void f_text(filt *f, const char *sql, char *v)
{
    buf_adds(&f->where, sql);
    f->kinds[f->n] = 't';
    f->text[f->n++] = v;
}

static void f_int(filt *f, const char *sql, int64_t v)
{
    buf_adds(&f->where, sql);
    f->kinds[f->n] = 'i';
    f->ints[f->n] = v;
    f->text[f->n++] = NULL;
}

static void f_bind(const filt *f, store_stmt *s)
{
    for (int i = 0; i < f->n; i++)
        if (f->kinds[i] == 't')
            store_bind_text(s, i + 1, f->text[i]);
        else
            store_bind_int(s, i + 1, f->ints[i]);
}

static void f_free(filt *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->text[i]);
    buf_free(&f->where);
}

void h_audit_requests(admin_ctx *cx)
{
    long off, lim;
    if (paging(cx, &off, &lim))
        return;
    filt f = { .n = 0 };
    buf_init(&f.where);
    buf_adds(&f.where, "1=1");
    char *v;
    int bad = 0;
    if ((v = query_param(cx, "vendor")))
        f_text(&f, " AND r.client=?", v);
    if ((v = query_param(cx, "method"))) {
        for (char *p = v; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        f_text(&f, " AND r.method=?", v);
    }
    if ((v = query_param(cx, "path"))) {
        /* A prefix: the operation's collection. */
        buf e;
        buf_init(&e);
        for (char *p = v; *p; p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                buf_addc(&e, '\\');
            buf_addc(&e, *p);
        }
        buf_addc(&e, '%');
        free(v);
        f_text(&f, " AND r.path LIKE ? ESCAPE '\\'", buf_steal(&e));
        buf_free(&e);
    }
    static const char *const times[] = { "from", "to" };
    for (int i = 0; i < 2; i++) {
        if (!(v = query_param(cx, times[i])))
            continue;
        int64_t ms;
        if (time_parse_datetime(v, &ms))
            bad = 1;
        else
            f_int(&f, i ? " AND r.at<=?" : " AND r.at>=?", ms);
        free(v);
    }
    if ((v = query_param(cx, "status"))) {
        char *end;
        long st = strtol(v, &end, 10);
        if (!*v || *end || st < 100 || st > 599)
            bad = 2;
        else
            f_int(&f, " AND r.status=?", st);
        free(v);
    }
    if (bad) {
        reply_error(cx, 400, "INVALID_PARAMETER", bad == 1 ? "from and to are RFC 3339 date-times"
                                                           : "status is an HTTP status (100 to 599)");
        f_free(&f);
        return;
    }
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM request_log r WHERE %s", buf_cstr(&f.where));
    store_stmt *s;
    int64_t total = 0;
    int ok = !store_prepare(cx->st, sql, &s);
    if (ok) {
        f_bind(&f, s);
        ok = store_step(s) == 1;
        total = ok ? store_col_int(s, 0) : 0;
        store_finalize(s);
    }
    snprintf(sql, sizeof sql,
             "SELECT r.seq, r.at, r.client, c.name, r.credential, r.method, r.path, r.query, r.status, r.items, r.bytes,"
             " r.duration_ms FROM request_log r LEFT JOIN client c ON c.id=r.client WHERE %s"
             " ORDER BY r.seq DESC LIMIT ? OFFSET ?", buf_cstr(&f.where));
    json_t *items = json_array();
    ok = ok && !store_prepare(cx->st, sql, &s);
    if (ok) {
        f_bind(&f, s);
        store_bind_int(s, f.n + 1, lim);
        store_bind_int(s, f.n + 2, off);
        int rc;
        while ((rc = store_step(s)) == 1) {
            json_t *o = json_pack("{sI so ss so so ss ss so sI sI sI sI}", "seq", (json_int_t)store_col_int(s, 0), "at",
                                  time_json(store_col_int(s, 1)), "vendor", store_col_text(s, 2), "vendorName",
                                  store_col_is_null(s, 3) ? json_null() : json_string(store_col_text(s, 3)), "credential",
                                  store_col_is_null(s, 4) ? json_null() : json_string(store_col_text(s, 4)), "method",
                                  store_col_text(s, 5), "path", store_col_text(s, 6), "query",
                                  store_col_is_null(s, 7) ? json_null() : json_string(store_col_text(s, 7)), "status",
                                  (json_int_t)store_col_int(s, 8), "items", (json_int_t)store_col_int(s, 9), "bytes",
                                  (json_int_t)store_col_int(s, 10), "durationMs", (json_int_t)store_col_int(s, 11));
            json_array_append_new(items, o);
        }
        ok = rc == 0;
        store_finalize(s);
    }
    f_free(&f);
    if (!ok) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, page_json(items, off, lim, total));
}

/* A CSV field: quoted, quotes doubled; a leading = + - @ is neutralised
 * so a spreadsheet does not run it as a formula. */
static void csv_field(buf *b, const char *v)
{
    buf_addc(b, '"');
    if (*v == '=' || *v == '+' || *v == '-' || *v == '@')
        buf_addc(b, '\'');
    for (; *v; v++) {
        if (*v == '"')
            buf_addc(b, '"');
        buf_addc(b, *v);
    }
    buf_addc(b, '"');
}

void h_audit_ledger(admin_ctx *cx)
{
    char id[UUID_STR_LEN];
    char *fmt = query_param(cx, "format");
    int csv = fmt && !strcmp(fmt, "csv");
    int badfmt = fmt && !csv && strcmp(fmt, "json");
    free(fmt);
    if (badfmt) {
        reply_error(cx, 400, "INVALID_PARAMETER", "format is json or csv");
        return;
    }
    if (access_resolve_person(cx->st, cx->seg[2], id)) {
        reply_error(cx, 404, "NOT_FOUND", "no person has the civic number '%.40s' (give an id for a person since deleted)",
                    cx->seg[2]);
        return;
    }
    json_t *list;
    if (access_person_disclosures(cx->st, id, &list)) {
        reply_store_error(cx);
        return;
    }
    json_t *name = json_null();
    store_stmt *s;
    if (!store_prepare(cx->st, "SELECT coalesce(display, '') FROM entity WHERE kind=1 AND id=?", &s)) {
        store_bind_text(s, 1, id);
        if (store_step(s) == 1)
            name = json_string(store_col_text(s, 0));
        store_finalize(s);
    }
    if (!csv) {
        /* The API's words: vendor for client. */
        size_t i;
        json_t *d;
        json_array_foreach(list, i, d) {
            json_object_set(d, "vendor", json_object_get(d, "client"));
            json_object_set(d, "vendorName", json_object_get(d, "clientName"));
            json_object_del(d, "client");
            json_object_del(d, "clientName");
        }
        reply_json(cx, 200, json_pack("{ss so so}", "person", id, "displayName", name, "disclosures", list));
        return;
    }
    buf *b = &cx->rs->body;
    buf_reset(b);
    buf_adds(b, "vendor,vendor_name,channel,categories,first,last\r\n");
    size_t i, j;
    json_t *d, *c;
    json_array_foreach(list, i, d) {
        const char *vn = json_string_value(json_object_get(d, "clientName"));
        buf cats;
        buf_init(&cats);
        json_array_foreach(json_object_get(d, "categories"), j, c) {
            if (j)
                buf_addc(&cats, ';');
            buf_adds(&cats, json_string_value(c));
        }
        const char *cols[] = { json_string_value(json_object_get(d, "client")), vn ? vn : "",
                               json_string_value(json_object_get(d, "channel")), buf_cstr(&cats),
                               json_string_value(json_object_get(d, "first")),
                               json_string_value(json_object_get(d, "last")) };
        for (int k = 0; k < 6; k++) {
            if (k)
                buf_addc(b, ',');
            csv_field(b, cols[k] ? cols[k] : "");
        }
        buf_adds(b, "\r\n");
        buf_free(&cats);
    }
    json_decref(list);
    json_decref(name);
    cx->rs->status = 200;
    cx->rs->content_type = "text/csv; charset=utf-8";
    char disp[128];
    snprintf(disp, sizeof disp, "attachment; filename=\"ledger-%s.csv\"", id);
    admin_response_header(cx->rs, "Content-Disposition", disp);
}
