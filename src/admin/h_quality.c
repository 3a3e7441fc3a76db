/* GET /quality?school=ID: the data-quality findings (administrator, viewer). */
#include <stdlib.h>

#include "admin/handler.h"
#include "quality/quality.h"
#include "util/uuid.h"

void h_quality(admin_ctx *cx)
{
    char *school = query_param(cx, "school");
    char id[UUID_STR_LEN];
    if (school && uuid_valid(school)) {
        reply_error(cx, 400, "INVALID_PARAMETER", "school is an organisation id");
        free(school);
        return;
    }
    int one = school != NULL;
    if (one)
        uuid_lower(school, id);
    free(school);
    json_t *o;
    if (quality_run(cx->st, one ? id : NULL, &o))
        reply_store_error(cx);
    else
        reply_json(cx, 200, o);
}
