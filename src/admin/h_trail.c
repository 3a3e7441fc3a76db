/* GET /admin-audit: the admin audit trail (administrator, dpo). */
#include "admin/audit.h"
#include "admin/handler.h"

void h_admin_audit(admin_ctx *cx)
{
    long off, lim;
    if (paging(cx, &off, &lim))
        return;
    json_t *o;
    if (admin_audit_list(cx->st, off, lim, &o))
        reply_store_error(cx);
    else
        reply_json(cx, 200, o);
}
