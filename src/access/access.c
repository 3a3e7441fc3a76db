/*
 * The access view's life per request: admission (stops, suspension,
 * contract end), binding the scope to the store connection and the view to
 * the thread, and the endpoint check by kind.
 */
#include "access/access.h"

#include <stdio.h>
#include <string.h>

#include "api/query_parse.h"
#include "util/buf.h"

static _Thread_local access_view *current;

static int alias_hides_query(const query *q);

access_view *access_current(void)
{
    return current;
}

int access_raw_ok(void)
{
    return !current || current->passthrough;
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

/* 1 when the client's organisations (with those below them) are at most
 * a tenth of the hub's: then the entities in scope are few enough that a
 * walk is cheaper driven from their ids (query_scope.narrow). A failed
 * count leaves the plan that reads the kind in order: slower, not wrong. */
static int scope_narrow(store *st, const char *client)
{
    store_stmt *s;
    char sql[192];
    snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM orgtree t JOIN client_org g ON g.org=t.anc"
                              " WHERE g.client=?), (SELECT count(*) FROM entity WHERE kind=%d)", K_ORGANISATION);
    if (store_prepare(st, sql, &s))
        return 0;
    int narrow = 0;
    if (!store_bind_text(s, 1, client) && store_step(s) == 1)
        narrow = store_col_int(s, 0) * 10 <= store_col_int(s, 1);
    store_finalize(s);
    return narrow;
}

void access_begin(access_view *av, store *st, const client *cl, const char *channel, int record)
{
    memset(av, 0, sizeof *av);
    av->cl = *cl;
    av->channel = channel;
    av->record = record;
    av->passthrough = cl->full_access;
    strmap_init(&av->ledger);
    buf_init(&av->ledger_all);
    for (int k = 0; k < K__COUNT; k++)
        buf_init(&av->seen[k]);
    strmap_init(&av->pmap);
    strmap_init(&av->inmap);
    if (!cl->full_access && cl->pseudonyms) {
        av->pseudo = 1;
        /* Without the key (a store error) nothing is served rather than the
         * hub's ids: access_check_request refuses. */
        av->broken = access_secret(st, "pseudonym_key", av->pkey, sizeof av->pkey, 1) != STORE_OK;
    }
    if (cl->full_access) {
        av->scope.cats = ~0u;
        av->scope.all_orgs = 1;
    } else {
        av->scope.client = av->cl.id;
        av->scope.all_orgs = cl->all_orgs;
        av->scope.cats = cl->cats | 1u << CAT_STANDARD;
        av->scope.exclude_protected = cl->protect == PROTECT_EXCLUDE;
        av->scope.alias_protected = cl->protect == PROTECT_ALIAS;
        av->scope.alias_hides = alias_hides_query;
        av->scope.narrow = !cl->all_orgs && scope_narrow(st, cl->id);
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
    if (av->broken)
        return api_fail(e, 500, E_INTERNAL, "the client's pseudonym key cannot be read; see the server log");
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

static const char *key_path(const kind_desc *k, const char *key)
{
    for (const index_key *ik = k->index_keys; key && ik && ik->key; ik++)
        if (!strcmp(ik->key, key))
            return ik->path;
    return NULL;
}

/* The category of the field an index key reads (its first path segment). */
static int key_category(const kind_desc *k, const char *key)
{
    for (const index_key *ik = k->index_keys; key && ik && ik->key; ik++) {
        if (strcmp(ik->key, key))
            continue;
        char seg[64];
        size_t n = strcspn(ik->path, ".[");
        if (n >= sizeof seg)
            return CAT_STANDARD;
        memcpy(seg, ik->path, n);
        seg[n] = 0;
        const field *f = model_field(k->fields, seg);
        return f && !f->cat_key ? (int)f->cat : CAT_STANDARD;
    }
    return CAT_STANDARD;
}

static int path_category(const kind_desc *k, const char *path)
{
    char seg[64];
    size_t n = path ? strcspn(path, ".[") : 0;
    if (!n || n >= sizeof seg)
        return CAT_STANDARD;
    memcpy(seg, path, n);
    seg[n] = 0;
    const field *f = model_field(k->fields, seg);
    return f && !f->cat_key ? (int)f->cat : CAT_STANDARD;
}

static int cat_granted(const access_view *av, int cat)
{
    return cat == CAT_STANDARD || (av->scope.cats & (1u << cat)) != 0;
}

static int deny_use(api_error *e, const char *what, const char *name, int cat)
{
    return api_fail(e, 403, E_FORBIDDEN, "%s '%s' needs the category %s, which this client is not granted", what,
                    name, model_category_name(cat));
}

int access_check_use(const access_view *av, const kind_desc *k, const char *name, const char *value, int lookup,
                     api_error *e)
{
    if (av->passthrough || !k)
        return 0;
    if (lookup) {
        for (const lookup_key *l = k->lookup; l && l->name; l++)
            if (!strcmp(l->name, name) && l->via_kind == K_NONE && !cat_granted(av, key_category(k, l->key)))
                return deny_use(e, "the lookup key", name, key_category(k, l->key));
        return 0;
    }
    if (!strcmp(name, "sortkey") && value) {
        const sortkey *sk = model_sort(k, value);
        if (sk && !cat_granted(av, path_category(k, sk->path)))
            return deny_use(e, "the sort key", value, path_category(k, sk->path));
        return 0;
    }
    const param *p = model_param(k, name);
    if (!p)
        return 0;
    int cat = p->op == Q_IDENT_VALUE || p->op == Q_IDENT_CONTEXT ? path_category(k, "externalIdentifiers")
                                                                : key_category(k, p->key);
    if (!cat_granted(av, cat))
        return deny_use(e, "the parameter", name, cat);
    return 0;
}

/* The field path a parameter, sort key or lookup key reads, or NULL. */
static const char *use_path(const kind_desc *k, const char *name, const char *value, int lookup)
{
    if (lookup) {
        for (const lookup_key *l = k->lookup; l && l->name; l++)
            if (!strcmp(l->name, name) && l->via_kind == K_NONE)
                return key_path(k, l->key);
        return NULL;
    }
    if (!strcmp(name, "sortkey")) {
        const sortkey *sk = value ? model_sort(k, value) : NULL;
        return sk ? (sk->path ? sk->path : "displayName") : NULL; /* no path: by display name */
    }
    const param *p = model_param(k, name);
    if (!p)
        return NULL;
    if (p->op == Q_NAME_CONTAINS)
        return "givenName";
    return p->op == Q_IDENT_VALUE || p->op == Q_IDENT_CONTEXT ? "externalIdentifiers" : key_path(k, p->key);
}

/* 1 when the request finds or orders persons by a field the alias hides. */
static int finds_by_hidden(const kind_desc *k, const char *name, const char *value, int lookup)
{
    const char *path = use_path(k, name, value, lookup);
    return path && !access_alias_keeps(path, strcspn(path, ".["));
}

/* query_scope.alias_hides: the list's filters and sort, which come from
 * the page token on later pages, so every page of a walk agrees. */
static int alias_hides_query(const query *q)
{
    if (q->sort && finds_by_hidden(q->kind, "sortkey", q->sort->name, 0))
        return 1;
    for (size_t i = 0; i < q->nf; i++)
        if (finds_by_hidden(q->kind, q->f[i].p->name, NULL, 0))
            return 1;
    return 0;
}

int access_may_write(const access_view *av, int kind)
{
    return av->passthrough || (av->cl.writes && access_kind_granted(av, kind));
}

int access_check_request(access_view *av, const char *method, const char *path, const char *raw_query,
                         const char *body, size_t bodylen, api_error *e)
{
    if (access_check_path(av, path, e))
        return -1;
    if (av->passthrough || *path != '/')
        return 0;
    const char *seg = path + 1;
    const char *slash = strchr(seg, '/');
    const kind_desc *k = model_kind_by_path(seg, slash ? (size_t)(slash - seg) : strlen(seg));
    if (!k)
        return 0;
    int is_write = (!strcmp(method, "POST") && (!slash || !slash[1])) || !strcmp(method, "DELETE") ||
                   !strcmp(method, "PUT") || !strcmp(method, "PATCH");
    if (is_write && k->id != K_SUBSCRIPTION && !access_may_write(av, k->id))
        return api_fail(e, 403, E_FORBIDDEN, "this client may not write %s (ask for write permission: "
                                              "'skolnav client grant --writes on')", k->path);
    qs in;
    api_error ignored;
    if (raw_query && !qs_parse(raw_query, &in, &ignored)) {
        int rc = 0;
        for (size_t i = 0; i < in.n && !rc; i++)
            rc = access_check_use(av, k, in.p[i].k, in.p[i].v, 0, e);
        qs_free(&in);
        if (rc)
            return -1;
    }
    if (slash && !strcmp(slash, "/lookup") && body) {
        json_t *b = json_loadb(body, bodylen, 0, NULL);
        const char *key;
        json_t *v;
        int rc = 0;
        if (json_is_object(b)) {
            json_object_foreach(b, key, v) {
                if (!rc)
                    rc = access_check_use(av, k, key, NULL, 1, e);
                if (k->id == K_PERSON && finds_by_hidden(k, key, NULL, 1))
                    av->scope.alias_unmatched = av->scope.alias_protected;
            }
        }
        json_decref(b);
        if (rc)
            return -1;
    }
    return 0;
}
