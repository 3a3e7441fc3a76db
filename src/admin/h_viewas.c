/* GET /vendors/{id}/view-as?path=...: the SS12000 API as the vendor sees
 * it, through its access view, recording nothing (like skolnav view-as). */
#include <stdlib.h>
#include <string.h>

#include "access/view_as.h"
#include "admin/vendor.h"

void h_view_as(admin_ctx *cx)
{
    client c;
    if (path_vendor(cx, &c))
        return;
    char *p = query_param(cx, "path");
    if (!p || p[0] != '/' || strlen(p) > 4000) {
        reply_error(cx, 400, "INVALID_PARAMETER", "give path: an SS12000 GET path below the base path, e.g. "
                                                  "path=%%2Fpersons%%3Flimit%%3D5");
        free(p);
        return;
    }
    char *q = strchr(p, '?');
    if (q)
        *q++ = 0;
    response rs = { .status = 200 };
    buf_init(&rs.body);
    view_as_run(cx->st, &c, cx->rq->token_key, "GET", p, q, NULL, 0, &rs);
    json_t *body = rs.body.len ? json_loadb(rs.body.data, rs.body.len, 0, NULL) : json_null();
    reply_json(cx, 200, json_pack("{si so}", "status", rs.status, "body", body ? body : json_null()));
    buf_free(&rs.body);
    free(p);
}
