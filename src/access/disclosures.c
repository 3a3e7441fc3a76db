/* Reading the disclosure ledger per person (the Art. 15 question: who
 * received this person's data); `skolnav audit person` and the admin API's
 * ledger screen share it. */
#include <stdio.h>

#include "access/access.h"
#include "util/timefmt.h"

int access_resolve_person(store *st, const char *arg, char id[UUID_STR_LEN])
{
    if (!uuid_valid(arg)) {
        uuid_lower(arg, id);
        return 0;
    }
    store_stmt *s;
    if (store_prepare(st, "SELECT id FROM idx WHERE kind=1 AND key='civicNo' AND value=?", &s))
        return -1;
    store_bind_text(s, 1, arg);
    int rc = store_step(s);
    if (rc == 1)
        snprintf(id, UUID_STR_LEN, "%s", store_col_text(s, 0));
    store_finalize(s);
    return rc == 1 ? 0 : -1;
}

static json_t *ms_json(int64_t ms)
{
    char ts[TIME_CANON_LEN];
    time_format_ms(ms, ts);
    return json_string(ts);
}

static json_t *cats_json(uint32_t cats)
{
    json_t *a = json_array();
    for (int i = 0; i < CAT__COUNT; i++)
        if (cats & (1u << i))
            json_array_append_new(a, json_string(model_category_name(i)));
    return a;
}

int access_person_disclosures(store *st, const char *person, json_t **list)
{
    *list = NULL;
    store_stmt *s;
    if (access_ledger_fold(st) ||
        store_prepare(st, "SELECT l.client, coalesce(c.name, ''), l.channel, l.cats, l.first, l.last FROM ledger l"
                          " LEFT JOIN client c ON c.id=l.client WHERE l.person=? ORDER BY l.first, l.client", &s))
        return -1;
    store_bind_text(s, 1, person);
    json_t *a = json_array();
    int rc;
    while ((rc = store_step(s)) == 1)
        json_array_append_new(a, json_pack("{ss so ss so so so}", "client", store_col_text(s, 0), "clientName",
                                           *store_col_text(s, 1) ? json_string(store_col_text(s, 1)) : json_null(),
                                           "channel", store_col_text(s, 2), "categories",
                                           cats_json((uint32_t)store_col_int(s, 3)), "first",
                                           ms_json(store_col_int(s, 4)), "last", ms_json(store_col_int(s, 5))));
    store_finalize(s);
    if (rc < 0) {
        json_decref(a);
        return -1;
    }
    *list = a;
    return 0;
}
