/*
 * The access view's life per request: admission (stops, suspension,
 * contract end), binding the scope to the store connection and the view to
 * the thread, and the endpoint check by kind.
 */
#include "access/access.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"

static _Thread_local access_view *current;

access_view *access_current(void)
{
    return current;
}

void access_unbind(void)
{
    current = NULL;
}

int access_admit(const client *cl, api_error *e)
{
    if (cl->stopped_all)
        return api_fail(e, 403, E_FORBIDDEN, "the hub's administrators have stopped all API access for now");
    if (cl->suspended)
        return api_fail(e, 403, E_FORBIDDEN, "access for this client is suspended by the hub's administrators");
    if (cl->expired)
        return api_fail(e, 403, E_FORBIDDEN, "this client's contract ended on %s; access has ended with it",
                        cl->contract_end);
    return 0;
}

void access_begin(access_view *av, store *st, const client *cl, const char *channel, int record)
{
    memset(av, 0, sizeof *av);
    av->cl = *cl;
    av->channel = channel;
    av->record = record;
    av->passthrough = cl->full_access;
    strmap_init(&av->ledger);
    if (cl->full_access) {
        av->scope.cats = ~0u;
        av->scope.all_orgs = 1;
    } else {
        av->scope.client = av->cl.id;
        av->scope.all_orgs = cl->all_orgs;
        av->scope.cats = cl->cats | 1u << CAT_STANDARD;
        av->scope.exclude_protected = cl->protect != PROTECT_FULL;
        store_set_scope(st, &av->scope);
    }
    current = av;
}

int access_kind_granted(const access_view *av, int kind)
{
    if (av->passthrough)
        return 1;
    const kind_desc *k = model_kind(kind);
    if (!k)
        return 0;
    if (kind == K_PERSON)
        return (av->scope.cats & CAT_PERSON_ROLES) != 0;
    return k->cat == CAT_STANDARD || (av->scope.cats & (1u << k->cat)) != 0;
}

int access_field_granted(const access_view *av, const field *f, json_t *element)
{
    if (av->passthrough)
        return 1;
    field_category c = f->cat;
    if (f->cat_key && element) {
        const char *v = json_string_value(json_object_get(element, f->cat_key));
        if (v && model_enum_has(f->cat_values, v))
            c = f->cat_alt;
    }
    return c == CAT_STANDARD || (av->scope.cats & (1u << c)) != 0;
}

int access_check_path(const access_view *av, const char *path, api_error *e)
{
    if (av->passthrough || *path != '/')
        return 0;
    const char *seg = path + 1;
    const char *slash = strchr(seg, '/');
    size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
    const kind_desc *k = model_kind_by_path(seg, len);
    if (!k || access_kind_granted(av, k->id))
        return 0;
    if (k->id == K_PERSON)
        return api_fail(e, 403, E_FORBIDDEN, "this client is not granted persons (it needs one of the categories "
                                              "Students, Responsibles or Duties)");
    return api_fail(e, 403, E_FORBIDDEN, "this client is not granted %s (category %s)", k->path,
                    model_category_name(k->cat));
}
