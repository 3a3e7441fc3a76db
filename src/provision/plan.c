/*
 * The plan of a run: the current objects against the SP's sent state.
 * Creates and updates go type by type in the profile's order, deletes
 * afterwards in the reverse order, so referenced objects exist first and go
 * last. The safety checks hold the whole run before any request: a type
 * whose objects all vanished (a source failure, not a mass leaving) and
 * the per-SP limits on creates, updates and deletes per type.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/egil.h"
#include "util/buf.h"

static const char *const op_names[3] = { "create", "update", "delete" };

static void add(plan *p, int op, int type, const egil_obj *o, const sent_obj *s)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 1024;
        p->ops = xrealloc(p->ops, p->cap * sizeof *p->ops);
    }
    p->ops[p->n++] = (plan_op){ .op = op, .type = type, .obj = o, .sent = s };
    p->count[type][op]++;
}

static void reason(plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(plan *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(p->reasons, json_string(msg));
    p->held = 1;
}

void plan_build(const egil_set *cur, const sent_set *sent, const plan_limits *lim, plan *p)
{
    memset(p, 0, sizeof *p);
    p->reasons = json_array();
    strmap by_uuid, seen;
    strmap_init(&by_uuid);
    strmap_init(&seen);
    for (size_t i = 0; i < sent->n; i++) {
        strmap_put(&by_uuid, sent->v[i].uuid, &sent->v[i]);
        if (sent->v[i].type >= 0 && sent->v[i].type < EG__COUNT)
            p->had[sent->v[i].type]++;
    }
    memcpy(p->skipped, cur->skipped, sizeof p->skipped);
    /* cur is sorted by (type, uuid): the send order. */
    for (size_t i = 0; i < cur->n; i++) {
        const egil_obj *o = &cur->v[i];
        p->now[o->type]++;
        const sent_obj *s = strmap_get(&by_uuid, o->uuid);
        if (s && strcmp(egil_endpoint(s->type), egil_endpoint(o->type)))
            s = NULL; /* the same id at another endpoint: a new object there */
        else if (s)
            strmap_put(&seen, o->uuid, (void *)1);
        if (!s)
            add(p, PLAN_CREATE, o->type, o, NULL);
        else if (strcmp(s->hash, o->hash))
            add(p, PLAN_UPDATE, o->type, o, s);
        else
            p->unchanged[o->type]++;
    }
    for (int t = EG__COUNT - 1; t >= 0; t--)
        for (size_t i = 0; i < sent->n; i++)
            if (sent->v[i].type == t && !strmap_get(&seen, sent->v[i].uuid))
                add(p, PLAN_DELETE, t, NULL, &sent->v[i]);
    strmap_free(&by_uuid, NULL);
    strmap_free(&seen, NULL);

    for (int t = 0; t < EG__COUNT; t++)
        if (p->had[t] && !p->now[t] && !lim->allow_empty)
            reason(p, "%s: the SP holds %ld but the hub's view now has none; that is taken for a source failure,"
                      " not deleted (run with --allow-empty to delete them)",
                   egil_type_name(t), p->had[t]);
    for (int t = 0; t < EG__COUNT && !lim->force; t++)
        for (int op = 0; op < 3; op++)
            if (lim->max[op] >= 0 && p->count[t][op] > lim->max[op])
                reason(p, "%s: %ld %ss exceed the limit of %ld per run (raise it with provision set, or run once"
                          " with --force)",
                       egil_type_name(t), p->count[t][op], op_names[op], lim->max[op]);
}

void plan_free(plan *p)
{
    free(p->ops);
    json_decref(p->reasons);
    memset(p, 0, sizeof *p);
}

json_t *plan_json(const plan *p, const char *sp_name, int with_ops)
{
    json_t *o = json_object(), *types = json_array();
    long total[3] = { 0, 0, 0 };
    for (int t = 0; t < EG__COUNT; t++) {
        json_t *ty = json_pack("{s:s,s:s}", "type", egil_type_name(t), "endpoint", egil_endpoint(t));
        for (int op = 0; op < 3; op++) {
            json_object_set_new(ty, op_names[op], json_integer(p->count[t][op]));
            total[op] += p->count[t][op];
        }
        json_object_set_new(ty, "unchanged", json_integer(p->unchanged[t]));
        json_object_set_new(ty, "objects", json_integer(p->now[t]));
        json_object_set_new(ty, "skipped", json_integer(p->skipped[t]));
        json_array_append_new(types, ty);
    }
    json_object_set_new(o, "serviceProvider", json_string(sp_name));
    json_object_set_new(o, "held", json_boolean(p->held));
    json_object_set_new(o, "reasons", json_incref(p->reasons));
    json_object_set_new(o, "create", json_integer(total[0]));
    json_object_set_new(o, "update", json_integer(total[1]));
    json_object_set_new(o, "delete", json_integer(total[2]));
    json_object_set_new(o, "types", types);
    if (with_ops) {
        json_t *ops = json_array();
        for (size_t i = 0; i < p->n; i++) {
            const plan_op *op = &p->ops[i];
            json_t *j = json_pack("{s:s,s:s,s:s,s:s}", "op", op_names[op->op], "type", egil_type_name(op->type),
                                  "endpoint", egil_endpoint(op->type), "id",
                                  op->obj ? op->obj->uuid : op->sent->uuid);
            if (op->obj)
                json_object_set_new(j, "object", json_loads(op->obj->json, 0, NULL));
            json_array_append_new(ops, j);
        }
        json_object_set_new(o, "operations", ops);
    }
    return o;
}
