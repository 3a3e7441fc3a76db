#include "api/query_parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/collate.h"
#include "util/timefmt.h"

#define MAX_PAIRS 256

/* ------------------------------------------------------------ decoding */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static char *decode(const char *s, size_t n, api_error *e)
{
    buf b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int a = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int d = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            int h = a < 0 || d < 0 ? -1 : a * 16 + d;
            if (h <= 0) {
                buf_free(&b);
                api_fail(e, 400, E_INVALID_PARAMETER,
                         h == 0 ? "the query string contains an encoded NUL byte"
                                : "the query string has a malformed percent-escape (use %%XX with two hex digits)");
                return NULL;
            }
            c = (char)h;
            i += 2;
        }
        buf_addc(&b, c);
    }
    char *out = buf_steal(&b);
    if (!utf8_valid(out)) {
        free(out);
        api_fail(e, 400, E_INVALID_PARAMETER, "the query string is not valid UTF-8 after decoding");
        return NULL;
    }
    return out;
}

int qs_parse(const char *raw, qs *out, api_error *e)
{
    memset(out, 0, sizeof *out);
    if (!raw || !*raw)
        return 0;
    out->p = xcalloc(MAX_PAIRS, sizeof *out->p);
    const char *p = raw;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len) {
            if (out->n == MAX_PAIRS) {
                qs_free(out);
                return api_fail(e, 400, E_INVALID_PARAMETER, "the query string has more than %d parameters", MAX_PAIRS);
            }
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            char *k = decode(p, klen, e);
            char *v = k ? (eq ? decode(eq + 1, len - klen - 1, e) : xstrdup("")) : NULL;
            if (!k || !v) {
                free(k);
                qs_free(out);
                return -1;
            }
            out->p[out->n].k = k;
            out->p[out->n].v = v;
            out->n++;
        }
        p += len + (amp ? 1 : 0);
    }
    return 0;
}

void qs_free(qs *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->p[i].k);
        free(q->p[i].v);
    }
    free(q->p);
    memset(q, 0, sizeof *q);
}

/* ------------------------------------------------------------ parameters */

/* Parameters every list shares, apart from the model's. */
static const param p_limit = { .name = "limit", .type = FT_INT };
static const param p_token = { .name = "pageToken", .type = FT_STRING };
static const param p_sortkey = { .name = "sortkey", .type = FT_ENUM };
static const param p_expand = { .name = "expand", .type = FT_ENUM, .flags = P_MULTI };
static const param p_refnames = { .name = "expandReferenceNames", .type = FT_BOOL };
static const param p_after = { .name = "after", .type = FT_DATETIME };
static const param p_entities = { .name = "entities", .type = FT_ENUM, .flags = P_MULTI, .enumv = enum_endpoints };

static const char *opname(op_kind op)
{
    return op == OPK_GET ? "GET /%s/{id}" : op == OPK_LOOKUP ? "POST /%s/lookup" : "GET /%s";
}

/* Which parameter `name` is for this operation, or NULL. */
static const param *find_param(op_kind op, const kind_desc *k, const char *name)
{
    if (op == OPK_DELETED) {
        const param *all[] = { &p_after, &p_entities, &p_limit, &p_token };
        for (size_t i = 0; i < 4; i++)
            if (!strcmp(all[i]->name, name))
                return all[i];
        return NULL;
    }
    int refnames = op == OPK_GET ? (k->ops & OP_REFNAMES_GET) : (k->ops & OP_REFNAMES);
    int expand = k->expands && !(op == OPK_LOOKUP && (k->ops & OP_LOOKUP_NO_EXPAND));
    if (!strcmp(name, "expandReferenceNames"))
        return refnames ? &p_refnames : NULL;
    if (!strcmp(name, "expand"))
        return expand ? &p_expand : NULL;
    if (op != OPK_LIST)
        return NULL;
    if (!strcmp(name, "limit"))
        return &p_limit;
    if (!strcmp(name, "pageToken"))
        return &p_token;
    if (!strcmp(name, "sortkey"))
        return k->sorts ? &p_sortkey : NULL;
    return model_param(k, name);
}

static void known_list(op_kind op, const kind_desc *k, buf *b)
{
    static const char *const generic[] = { "limit", "pageToken", "sortkey", "expand", "expandReferenceNames", "after", "entities" };
    for (size_t i = 0; i < sizeof generic / sizeof *generic; i++)
        if (find_param(op, k, generic[i]))
            buf_printf(b, "%s%s", b->len ? ", " : "", generic[i]);
    if (op != OPK_LIST)
        return;
    for (const param *p = k->params; p && p->name; p++)
        buf_printf(b, "%s%s", b->len ? ", " : "", p->name);
    if (k->ops & OP_META_FILTERS)
        for (const param *p = model_meta_params; p->name; p++)
            buf_printf(b, "%s%s", b->len ? ", " : "", p->name);
}

static int unknown_param(op_kind op, const kind_desc *k, const char *name, api_error *e)
{
    buf b;
    buf_init(&b);
    known_list(op, k, &b);
    char where[96];
    snprintf(where, sizeof where, opname(op), k ? k->path : "deletedEntities");
    api_fail(e, 400, E_UNKNOWN_PARAMETER, "unknown parameter '%s' for %s; it takes: %s", name, where,
             b.len ? b.data : "no parameters");
    buf_free(&b);
    return -1;
}

static int enum_error(const char *name, const char *v, const char *const *enumv, api_error *e)
{
    char *l = model_enum_list(enumv);
    api_fail(e, 400, E_INVALID_PARAMETER, "%s '%s' is not one of %s", name, v, l);
    free(l);
    return -1;
}

/* Checks one value and returns its canonical form (malloc'd). */
static char *canon_value(const param *p, const char *v, api_error *e)
{
    char out[TIME_CANON_LEN + UUID_STR_LEN];
    int64_t ms;
    if (!*v) {
        api_fail(e, 400, E_INVALID_PARAMETER, "parameter '%s' is empty", p->name);
        return NULL;
    }
    switch (p->type) {
    case FT_UUID:
        if (uuid_valid(v)) {
            api_fail(e, 400, E_INVALID_PARAMETER, "%s '%s' is not a UUID", p->name, v);
            return NULL;
        }
        uuid_lower(v, out);
        return xstrdup(out);
    case FT_DATE:
        if (time_parse_date(v)) {
            api_fail(e, 400, E_INVALID_PARAMETER, "%s '%s' is not a date (YYYY-MM-DD)", p->name, v);
            return NULL;
        }
        return xstrdup(v);
    case FT_DATETIME:
        if (time_parse_datetime(v, &ms)) {
            api_fail(e, 400, E_INVALID_PARAMETER,
                     "%s '%s' is not an RFC 3339 date-time (e.g. 2024-01-15T08:00:00Z; encode '+' as %%2B)", p->name, v);
            return NULL;
        }
        time_format_ms(ms, out);
        return xstrdup(out);
    case FT_BOOL:
        if (strcmp(v, "true") && strcmp(v, "false")) {
            api_fail(e, 400, E_INVALID_PARAMETER, "%s must be true or false, not '%s'", p->name, v);
            return NULL;
        }
        return xstrdup(v);
    case FT_ENUM:
        if (p->enumv && !model_enum_has(p->enumv, v)) {
            enum_error(p->name, v, p->enumv, e);
            return NULL;
        }
        return xstrdup(v);
    default:
        if (p->op == Q_NAME_CONTAINS) {
            char *f = collate_fold(v);
            if (!f)
                api_fail(e, 400, E_INVALID_PARAMETER, "%s '%s' is not valid text", p->name, v);
            return f;
        }
        return xstrdup(v);
    }
}

/* Splits comma-separated values of array parameters. */
static size_t split_values(const param *p, const char *v, char **parts, size_t max)
{
    size_t n = 0;
    if (!(p->flags & P_MULTI)) {
        parts[n++] = xstrdup(v);
        return n;
    }
    const char *s = v;
    for (;;) {
        const char *c = strchr(s, ',');
        size_t len = c ? (size_t)(c - s) : strlen(s);
        if (n < max)
            parts[n] = xstrndup(s, len);
        n++;
        if (!c)
            break;
        s = c + 1;
    }
    return n;
}

typedef struct pstate {
    const param *p;
    char **v;
    size_t n;
} pstate;

static int collect(const qs *in, op_kind op, const kind_desc *k, pstate *st, size_t *nst, api_error *e)
{
    for (size_t i = 0; i < in->n; i++) {
        const char *name = in->p[i].k;
        const param *p = find_param(op, k, name);
        if (!p)
            return unknown_param(op, k, name, e);
        pstate *s = NULL;
        for (size_t j = 0; j < *nst; j++)
            if (st[j].p == p)
                s = &st[j];
        if (s && !(p->flags & P_MULTI))
            return api_fail(e, 400, E_INVALID_PARAMETER, "parameter '%s' is given more than once; it takes one value", name);
        if (!s) {
            s = &st[(*nst)++];
            s->p = p;
            s->v = xcalloc(QUERY_MAX_VALUES, sizeof *s->v);
            s->n = 0;
        }
        char *parts[QUERY_MAX_VALUES];
        size_t n = split_values(p, in->p[i].v, parts, QUERY_MAX_VALUES);
        if (n > QUERY_MAX_VALUES) {
            for (size_t j = 0; j < QUERY_MAX_VALUES; j++)
                free(parts[j]);
            return api_fail(e, 400, E_INVALID_PARAMETER, "parameter '%s' has more than %d values", name, QUERY_MAX_VALUES);
        }
        for (size_t j = 0; j < n; j++) {
            if (s->n == QUERY_MAX_VALUES) {
                for (; j < n; j++)
                    free(parts[j]);
                return api_fail(e, 400, E_INVALID_PARAMETER, "parameter '%s' has more than %d values", name, QUERY_MAX_VALUES);
            }
            char *c = canon_value(p, parts[j], e);
            free(parts[j]);
            if (!c) {
                for (j++; j < n; j++)
                    free(parts[j]);
                return -1;
            }
            s->v[s->n++] = c;
        }
    }
    return 0;
}

static void free_states(pstate *st, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < st[i].n; j++)
            free(st[i].v[j]);
        free(st[i].v);
    }
}

/* Appends "k=v", or ",v" when `more` (array values share one pair: the
 * canonical query must stay within MAX_PAIRS when parsed again). */
static void add_canon_v(buf *b, const char *k, const char *v, int more)
{
    static const char hex[] = "0123456789ABCDEF";
    if (more) {
        buf_addc(b, ',');
    } else {
        if (b->len)
            buf_addc(b, '&');
        buf_adds(b, k);
        buf_addc(b, '=');
    }
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == ':')
            buf_addc(b, (char)*p);
        else
            buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

static void add_canon(buf *b, const char *k, const char *v)
{
    add_canon_v(b, k, v, 0);
}

static int parse_limit(const char *v, long *out, api_error *e)
{
    char *end;
    errno = 0;
    long l = strtol(v, &end, 10);
    if (errno == ERANGE && l == LONG_MAX && !*end && isdigit((unsigned char)v[0]))
        errno = 0; /* all digits, just very many: the cap applies */
    if (!*v || *end || errno || l < 1 || !isdigit((unsigned char)v[0]))
        return api_fail(e, 400, E_INVALID_PARAMETER, "limit must be a whole number of at least 1, not '%s'", v);
    *out = l > LIMIT_MAX ? LIMIT_MAX : l;
    return 0;
}

/* Adds the expand values of one parameter to *mask. */
static int parse_expand(const kind_desc *k, const pstate *ps, uint32_t *mask, api_error *e)
{
    for (size_t j = 0; j < ps->n; j++) {
        const expand *x = model_expand(k, ps->v[j]);
        if (!x) {
            buf b;
            buf_init(&b);
            for (const expand *y = k->expands; y->name; y++)
                buf_printf(&b, "%s%s", b.len ? ", " : "", y->name);
            api_fail(e, 400, E_INVALID_PARAMETER, "expand '%s' is not one of %s", ps->v[j], b.data);
            buf_free(&b);
            return -1;
        }
        *mask |= 1u << (x - k->expands);
    }
    return 0;
}

/* Applies the collected parameters to q. */
static int apply(op_kind op, const kind_desc *k, pstate *st, size_t n, query *q, api_error *e)
{
    buf canon;
    buf_init(&canon);
    for (size_t i = 0; i < n; i++) {
        const param *p = st[i].p;
        if (p == &p_limit) {
            if (parse_limit(st[i].v[0], &q->limit, e))
                goto bad;
            add_canon(&canon, p->name, st[i].v[0]);
            continue;
        }
        if (p == &p_token)
            continue;
        for (size_t j = 0; j < st[i].n; j++)
            add_canon_v(&canon, p->name, st[i].v[j], j > 0 && (p->flags & P_MULTI));
        if (p == &p_sortkey) {
            q->sort = model_sort(k, st[i].v[0]);
            if (!q->sort) {
                buf b;
                buf_init(&b);
                for (const sortkey *s = k->sorts; s->name; s++)
                    buf_printf(&b, "%s%s", b.len ? ", " : "", s->name);
                api_fail(e, 400, E_INVALID_PARAMETER, "sortkey '%s' is not one of %s", st[i].v[0], b.data);
                buf_free(&b);
                goto bad;
            }
        } else if (p == &p_expand) {
            if (parse_expand(k, &st[i], &q->expand, e))
                goto bad;
        } else if (p == &p_refnames) {
            q->refnames = !strcmp(st[i].v[0], "true");
        } else if (p == &p_after) {
            int64_t ms = 0;
            time_parse_datetime(st[i].v[0], &ms);
            q->has_after = 1;
            q->after_ms = ms;
        } else if (p == &p_entities) {
            for (size_t j = 0; j < st[i].n; j++) {
                const kind_desc *ek = model_kind_by_name(st[i].v[j]);
                if (ek)
                    q->entities |= 1u << ek->id;
            }
        } else {
            query_add(q, p, (const char *const *)st[i].v, st[i].n);
        }
    }
    (void)op;
    q->canon = buf_steal(&canon);
    return 0;
bad:
    buf_free(&canon);
    return -1;
}

static int check_required(op_kind op, const kind_desc *k, const pstate *st, size_t n, api_error *e)
{
    if (op != OPK_LIST)
        return 0;
    for (const param *p = k->params; p && p->name; p++) {
        if (!(p->flags & P_REQUIRED))
            continue;
        int have = 0;
        for (size_t i = 0; i < n; i++)
            have |= st[i].p == p;
        if (!have)
            return api_fail(e, 400, E_MISSING_PARAMETER, "parameter '%s' is required on GET /%s (unless a pageToken is given)",
                            p->name, k->path);
    }
    return 0;
}

/* A continuation: the token's own query, the request's limit, and the
 * cursor. Anything else in the request would silently change the query
 * between pages, so it is refused. */
static int resume(op_kind op, const kind_desc *k, pstate *st, size_t n, const char *tok,
                  const token_ctx *tc, query *out, api_error *e)
{
    long limit = 0;
    uint32_t expand = 0;
    int refnames = -1, has_expand = 0;
    for (size_t i = 0; i < n; i++) {
        const param *p = st[i].p;
        if (p == &p_limit) {
            if (parse_limit(st[i].v[0], &limit, e))
                return -1;
        } else if (p == &p_expand) {
            has_expand = 1;
            if (parse_expand(k, &st[i], &expand, e))
                return -1;
        } else if (p == &p_refnames) {
            refnames = !strcmp(st[i].v[0], "true");
        } else if (p != &p_token) {
            return api_fail(e, 400, E_INVALID_FILTER,
                            "pageToken cannot be combined with %s; a page token carries its query, only limit may change",
                            p->name);
        }
    }
    pagetoken t;
    int want_kind = op == OPK_DELETED ? PAGETOKEN_DELETED : k->id;
    if (!tc || pagetoken_decode(tc->key, tok, &t))
        return api_fail(e, 400, E_INVALID_PAGE_TOKEN, "pageToken is not a token this server issued (it may be damaged or truncated)");
    if (t.kind != want_kind || strcmp(t.client, tc->client_id)) {
        pagetoken_free(&t);
        return api_fail(e, 400, E_INVALID_PAGE_TOKEN, "pageToken was issued for another %s; start again without it",
                        t.kind != want_kind ? "endpoint" : "client");
    }
    qs orig;
    int rc = qs_parse(t.q, &orig, e);
    if (rc == 0) {
        rc = query_parse(op, k, &orig, NULL, out, e);
        qs_free(&orig);
    }
    if (rc) {
        pagetoken_free(&t);
        return api_fail(e, 400, E_INVALID_PAGE_TOKEN, "pageToken holds a query this server no longer accepts; start again without it");
    }
    /* expand and expandReferenceNames are presentation, not filters:
     * clients that resend them unchanged with every page are served, a
     * change between pages is refused like any other. */
    if ((has_expand && expand != out->expand) || (refnames >= 0 && refnames != out->refnames)) {
        pagetoken_free(&t);
        return api_fail(e, 400, E_INVALID_FILTER,
                        "%s differs from the first page's; a page token keeps the query it was issued for",
                        has_expand && expand != out->expand ? "expand" : "expandReferenceNames");
    }
    out->has_cursor = 1;
    out->cur_v = t.sortv;
    out->cur_vlen = t.sortvlen;
    t.sortv = NULL;
    memcpy(out->cur_id, t.last_id, UUID_STR_LEN - 1);
    out->cur_id[UUID_STR_LEN - 1] = 0;
    out->cur_seq = t.seq;
    if (limit)
        out->limit = limit;
    pagetoken_free(&t);
    return 0;
}

int query_parse(op_kind op, const kind_desc *k, const qs *in, const token_ctx *tc, query *out, api_error *e)
{
    query_init(out, k);
    out->deleted = op == OPK_DELETED;
    pstate st[MAX_PAIRS];
    size_t n = 0;
    int rc = collect(in, op, k, st, &n, e);
    const char *tok = NULL;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (st[i].p == &p_token)
            tok = st[i].v[0];
    if (rc == 0 && tok)
        rc = resume(op, k, st, n, tok, tc, out, e);
    else if (rc == 0)
        rc = check_required(op, k, st, n, e) || apply(op, k, st, n, out, e) ? -1 : 0;
    free_states(st, n);
    if (rc)
        query_free(out);
    return rc;
}

char *query_next_token(const query *q, const token_ctx *tc, const char *last_id,
                       const unsigned char *sortv, size_t sortvlen, int64_t seq)
{
    pagetoken t = {
        .kind = q->deleted ? PAGETOKEN_DELETED : q->kind->id,
        .q = q->canon,
        .sortv = (unsigned char *)sortv,
        .sortvlen = sortvlen,
        .seq = seq,
    };
    snprintf(t.client, sizeof t.client, "%s", tc->client_id);
    snprintf(t.last_id, sizeof t.last_id, "%s", last_id ? last_id : "00000000-0000-0000-0000-000000000000");
    return pagetoken_encode(tc->key, &t);
}
