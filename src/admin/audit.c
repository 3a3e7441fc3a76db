#include "admin/audit.h"

#include <stdlib.h>

#include "util/timefmt.h"

int admin_audit_write(store *st, const char *account, const char *address, const char *action, const char *target,
                      json_t *detail)
{
    store_stmt *s;
    char *d = detail ? json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(detail);
    if (store_prepare(st, "INSERT INTO admin_audit(at, account, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
                      &s)) {
        free(d);
        return STORE_ERR;
    }
    store_bind_int(s, 1, time_now_ms());
    account ? store_bind_text(s, 2, account) : store_bind_null(s, 2);
    address ? store_bind_text(s, 3, address) : store_bind_null(s, 3);
    store_bind_text(s, 4, action);
    target ? store_bind_text(s, 5, target) : store_bind_null(s, 5);
    d ? store_bind_text(s, 6, d) : store_bind_null(s, 6);
    int rc = store_step(s);
    store_finalize(s);
    free(d);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

static json_t *opt(store_stmt *s, int i)
{
    return store_col_is_null(s, i) ? json_null() : json_string(store_col_text(s, i));
}

int admin_audit_list(store *st, long offset, long limit, json_t **out)
{
    *out = NULL;
    store_stmt *s;
    if (store_prepare(st, "SELECT count(*) FROM admin_audit", &s))
        return STORE_ERR;
    int rc = store_step(s);
    int64_t total = rc == 1 ? store_col_int(s, 0) : 0;
    store_finalize(s);
    if (rc != 1 || store_prepare(st, "SELECT seq, at, account, address, action, target, detail FROM admin_audit"
                                     " ORDER BY seq DESC LIMIT ? OFFSET ?", &s))
        return STORE_ERR;
    store_bind_int(s, 1, limit);
    store_bind_int(s, 2, offset);
    json_t *items = json_array();
    while ((rc = store_step(s)) == 1) {
        char ts[TIME_CANON_LEN];
        time_format_ms(store_col_int(s, 1), ts);
        json_t *detail = store_col_is_null(s, 6) ? json_null() : json_loads(store_col_text(s, 6), 0, NULL);
        json_array_append_new(items, json_pack("{sI ss so so ss so so}", "seq", (json_int_t)store_col_int(s, 0), "at", ts,
                                               "user", opt(s, 2), "address", opt(s, 3), "action", store_col_text(s, 4),
                                               "target", opt(s, 5), "detail", detail ? detail : json_null()));
    }
    store_finalize(s);
    if (rc < 0) {
        json_decref(items);
        return STORE_ERR;
    }
    *out = json_pack("{so sI sI sI}", "items", items, "offset", (json_int_t)offset, "limit", (json_int_t)limit, "total",
                     (json_int_t)total);
    return STORE_OK;
}
