/* GET /reports: what vendors posted to /log and /statistics (administrator, dpo). */
#include <stdlib.h>
#include <string.h>

#include "admin/handler.h"

void h_reports(admin_ctx *cx)
{
    long off, lim;
    if (paging(cx, &off, &lim))
        return;
    char *vendor = query_param(cx, "vendor"), *channel = query_param(cx, "channel");
    if (channel && strcmp(channel, "log") && strcmp(channel, "statistics")) {
        reply_error(cx, 400, "INVALID_PARAMETER", "channel is log or statistics");
        free(vendor);
        free(channel);
        return;
    }

    store_stmt *s;
    int64_t total = 0;
    int ok = !store_prepare(cx->st, "SELECT count(*) FROM feedback f WHERE (CAST(? AS TEXT) IS NULL OR f.client=?)"
                                    " AND (CAST(? AS TEXT) IS NULL OR f.channel=?)", &s);

#define BIND4(s)                                                        \
    do {                                                                \
        vendor ? store_bind_text(s, 1, vendor) : store_bind_null(s, 1); \
        store_bind_text(s, 2, vendor ? vendor : "");                    \
        channel ? store_bind_text(s, 3, channel) : store_bind_null(s, 3); \
        store_bind_text(s, 4, channel ? channel : "");                  \
    } while (0)
    if (ok) {
        BIND4(s);
        ok = store_step(s) == 1;
        total = ok ? store_col_int(s, 0) : 0;
        store_finalize(s);
    }
    json_t *items = json_array();
    ok = ok && !store_prepare(cx->st, "SELECT f.id, f.client, c.name, f.channel, f.at, f.body FROM feedback f"
                                      " LEFT JOIN client c ON c.id=f.client"
                                      " WHERE (CAST(? AS TEXT) IS NULL OR f.client=?) AND (CAST(? AS TEXT) IS NULL OR f.channel=?)"
                                      " ORDER BY f.id DESC LIMIT ? OFFSET ?", &s);
    if (ok) {
        BIND4(s);
        store_bind_int(s, 5, lim);
        store_bind_int(s, 6, off);
        int rc;
        while ((rc = store_step(s)) == 1) {
            json_t *body = json_loads(store_col_text(s, 5), 0, NULL);
            json_array_append_new(items, json_pack("{sI ss so ss so so}", "id", (json_int_t)store_col_int(s, 0), "vendor",
                                                   store_col_text(s, 1), "vendorName",
                                                   store_col_is_null(s, 2) ? json_null() : json_string(store_col_text(s, 2)),
                                                   "channel", store_col_text(s, 3), "at", time_json(store_col_int(s, 4)),
                                                   "body", body ? body : json_string(store_col_text(s, 5))));
        }
        ok = rc == 0;
        store_finalize(s);
    }
#undef BIND4
    free(vendor);
    free(channel);
    if (!ok) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, page_json(items, off, lim, total));
}
