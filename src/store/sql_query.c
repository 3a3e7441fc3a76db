#include "store/sql_query.h"

#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

void sqlq_init(sqlq *s, int dollar)
{
    memset(s, 0, sizeof *s);
    buf_init(&s->sql);
    s->dollar = dollar;
}

void sqlq_free(sqlq *s)
{
    for (size_t i = 0; i < s->nb; i++)
        free(s->b[i].owned);
    free(s->b);
    buf_free(&s->sql);
}

static sql_bind *next_bind(sqlq *s)
{
    if (s->nb == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->b = xrealloc(s->b, s->cap * sizeof *s->b);
    }
    sql_bind *b = &s->b[s->nb++];
    memset(b, 0, sizeof *b);
    if (s->dollar)
        buf_printf(&s->sql, "$%zu", s->nb);
    else
        buf_addc(&s->sql, '?');
    return b;
}

void sqlq_text(sqlq *s, const char *v)
{
    sql_bind *b = next_bind(s);
    b->t = B_TEXT;
    b->s = v;
}

void sqlq_owned_text(sqlq *s, char *v)
{
    sql_bind *b = next_bind(s);
    b->t = B_TEXT;
    b->s = b->owned = v;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ull;
    return h;
}

uint64_t sqlq_hash(const sqlq *s)
{
    uint64_t h = fnv(14695981039346656037ull, s->sql.data, s->sql.len);
    for (size_t i = 0; i < s->nb; i++) {
        const sql_bind *b = &s->b[i];
        h = b->t == B_TEXT ? fnv(h, b->s, strlen(b->s) + 1)
          : b->t == B_INT  ? fnv(h, &b->i, sizeof b->i)
                           : fnv(h, b->b, b->blen);
    }
    return h;
}

void sqlq_int(sqlq *s, int64_t v)
{
    sql_bind *b = next_bind(s);
    b->t = B_INT;
    b->i = v;
}

void sqlq_blob(sqlq *s, const void *v, size_t n)
{
    sql_bind *b = next_bind(s);
    b->t = B_BLOB;
    b->b = v;
    b->blen = n;
}

static void add(sqlq *s, const char *text)
{
    buf_adds(&s->sql, text);
}

static int is_rel(query_op op)
{
    return op >= Q_REL_TYPE && op <= Q_REL_END_GE;
}

static void values_list(sqlq *s, char *const *v, size_t n)
{
    add(s, "(");
    for (size_t i = 0; i < n; i++) {
        if (i)
            add(s, ",");
        sqlq_text(s, v[i]);
    }
    add(s, ")");
}

/* Organisations at or below any of the given ones. */
static void tree_of(sqlq *s, char *const *v, size_t n)
{
    add(s, "(SELECT t.des FROM orgtree t WHERE t.anc IN ");
    values_list(s, v, n);
    add(s, ")");
}

static int has_index_key(int kind, const char *key)
{
    for (const index_key *ik = model_kind(kind)->index_keys; ik && ik->key; ik++)
        if (!strcmp(ik->key, key))
            return 1;
    return 0;
}

/* Ids of entities of `kind` whose index row `key` holds one of the values.
 * Activities have no members of their own: a member of one of an
 * activity's groups is its member (DIGEST §6), so "member" on activities
 * hops through the groups. `tree` matches organisations below the values. */
static void ids_with(sqlq *s, int kind, const char *key, char *const *v, size_t n, int tree)
{
    if (kind == K_CALENDAREVENT && !has_index_key(kind, key)) {
        /* Calendar events belong to what their activity belongs to. */
        buf_printf(&s->sql, "(SELECT c.id FROM idx c WHERE c.kind=%d AND c.key='activity' AND c.value IN ", kind);
        ids_with(s, K_ACTIVITY, key, v, n, tree);
        add(s, ")");
        return;
    }
    if (kind == K_ACTIVITY && !has_index_key(kind, key)) {
        buf_printf(&s->sql, "(SELECT a.id FROM idx a WHERE a.kind=%d AND a.key='group' AND a.value IN ", kind);
        ids_with(s, K_GROUP, key, v, n, tree);
        add(s, ")");
        return;
    }
    buf_printf(&s->sql, "(SELECT i.id FROM idx i WHERE i.kind=%d AND i.key=", kind);
    sqlq_text(s, key);
    add(s, " AND i.value IN ");
    if (tree)
        tree_of(s, v, n);
    else
        values_list(s, v, n);
    add(s, ")");
}

/* The ids of `kind` whose `key` names an entity that p's values select
 * (without parentheses). */
static void via_select(sqlq *s, int kind, const param *p, char *const *v, size_t n)
{
    int tree = !strcmp(p->name, "organisation");
    buf_printf(&s->sql, "SELECT x.id FROM idx x WHERE x.kind=%d AND x.key=", kind);
    sqlq_text(s, p->key);
    add(s, " AND x.value IN ");
    ids_with(s, p->via_kind, p->via_key, v, n, tree);
}

static void pred_period(sqlq *s, const param *p, const char *v)
{
    static const struct { query_op op; const char *col, *cmp; int open_end; } ops[] = {
        { Q_START_LE, "e.pstart", "<=", 0 }, { Q_START_GE, "e.pstart", ">=", 0 },
        { Q_START_GT, "e.pstart", ">", 0 },  { Q_END_LE, "e.pend", "<=", 1 },
        { Q_END_GE, "e.pend", ">=", 1 },     { Q_END_GT, "e.pend", ">", 1 },
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (ops[i].op != p->op)
            continue;
        int open = ops[i].open_end || (p->flags & P_OPEN);
        buf_printf(&s->sql, "(%s%s%s %s ", open ? ops[i].col : "", open ? " IS NULL OR " : "",
                   ops[i].col, ops[i].cmp);
        sqlq_text(s, v);
        add(s, ")");
    }
}

static void pred_meta(sqlq *s, int kind, const param *p, const char *v)
{
    int64_t ms = 0;
    time_parse_datetime(v, &ms);
    if (p->op == Q_MODIFIED_GT) {
        /* The incremental read ("what changed since"): through the
         * (kind, modified) index, so its cost follows the number of
         * changes, not the size of the store; written as a set of keys
         * the planners walk in key order instead of scanning the kind. */
        buf_printf(&s->sql, "e.eid IN (SELECT m.eid FROM entity m WHERE m.kind=%d AND m.modified > ", kind);
        sqlq_int(s, ms);
        buf_addc(&s->sql, ')');
        return;
    }
    const char *col = (p->op == Q_CREATED_LE || p->op == Q_CREATED_GT) ? "e.created" : "e.modified";
    const char *cmp = (p->op == Q_CREATED_LE || p->op == Q_MODIFIED_LE) ? "<=" : ">";
    buf_printf(&s->sql, "%s %s ", col, cmp);
    sqlq_int(s, ms);
}

static char *like_pattern(const char *v)
{
    buf b;
    buf_init(&b);
    buf_addc(&b, '%');
    for (const char *p = v; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            buf_addc(&b, '\\');
        buf_addc(&b, *p);
    }
    buf_addc(&b, '%');
    return buf_steal(&b);
}

static void pred_names(sqlq *s, int kind, const query_filter *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (i)
            add(s, " AND ");
        buf_printf(&s->sql, "e.id IN (SELECT i.id FROM idx i WHERE i.kind=%d AND i.key='name' AND i.value LIKE ", kind);
        sqlq_owned_text(s, like_pattern(f->v[i]));
        add(s, " ESCAPE '\\')");
    }
}

static void set_ident(sqlq *s, int kind, const query *q)
{
    const query_filter *v = query_find(q, Q_IDENT_VALUE), *c = query_find(q, Q_IDENT_CONTEXT);
    buf_printf(&s->sql, "(SELECT i.id FROM idx i WHERE i.kind=%d AND i.key=", kind);
    if (v && c) {
        buf b;
        buf_init(&b);
        buf_printf(&b, "%s\x1f%s", c->v[0], v->v[0]);
        add(s, "'identcv' AND i.value=");
        sqlq_owned_text(s, buf_steal(&b));
    } else {
        add(s, v ? "'identv' AND i.value=" : "'identc' AND i.value=");
        sqlq_text(s, (v ? v : c)->v[0]);
    }
    add(s, ")");
}

/* Date conditions of relationship.* on relation alias r (open ends match). */
static void rel_dates(sqlq *s, const query *q, const char *r)
{
    static const struct { query_op op; const char *col, *cmp; } ds[] = {
        { Q_REL_START_LE, "pstart", "<=" }, { Q_REL_START_GE, "pstart", ">=" },
        { Q_REL_END_LE, "pend", "<=" },     { Q_REL_END_GE, "pend", ">=" },
    };
    for (size_t i = 0; i < sizeof ds / sizeof *ds; i++) {
        const query_filter *f = query_find(q, ds[i].op);
        if (!f)
            continue;
        buf_printf(&s->sql, " AND (%s.%s IS NULL OR %s.%s %s ", r, ds[i].col, r, ds[i].col, ds[i].cmp);
        sqlq_text(s, f->v[0]);
        add(s, ")");
    }
}

static void rel_org(sqlq *s, const query *q, const char *r)
{
    const query_filter *o = query_find(q, Q_REL_ORG);
    if (!o)
        return;
    buf_printf(&s->sql, " AND %s.org IN ", r);
    tree_of(s, o->v, o->n);
}

/* " AND <r>.peid > from" on a set's rows when a page in arrival order
 * starts after a cursor: the set then holds the persons still to come
 * only, read from prel_org's (type, org, peid) range. */
static void rel_after(sqlq *s, const char *r)
{
    if (!s->eid_from)
        return;
    buf_printf(&s->sql, " AND %s.peid > ", r);
    sqlq_int(s, s->eid_from);
}

/* The persons with one relation type of GET /persons relationship.*
 * (DIGEST §3.2, §9 #34): members of one compound SELECT (no parentheses).
 * As a set, their entity keys (prel.peid, migration 13), which a page in
 * arrival order is chosen from without looking the persons up by id.
 * With `person` (an outer column holding an id), only that person's
 * relations: a check of one row through prel's (person, type) index
 * (SQLite only: named, because without statistics SQLite prefers the
 * covering (type, org) index and probes it once per organisation of the
 * filter). */
static void rel_one(sqlq *s, const query *q, const char *type, const char *person)
{
    if (!strncmp(type, "responsibleFor.", 15)) {
        /* A set goes from the children's relations to their guardians (the
         * children of a school are few, the guardian rows many); a check
         * from the person's guardianships to the children's relations.
         * SQLite keeps a CROSS JOIN's order. */
        const char *child = !strcmp(type, "responsibleFor.enrolment") ? "enrolment" : "placement.child";
        const char *join = s->dollar ? "JOIN" : "CROSS JOIN";
        if (person)
            buf_printf(&s->sql, "SELECT g.person FROM prel g INDEXED BY prel_person %s prel r INDEXED BY prel_person"
                                " ON r.person=g.org AND r.type=", join);
        else
            buf_printf(&s->sql, "SELECT g.peid FROM prel r %s prel g ON g.org=r.person AND r.type=", join);
        sqlq_text(s, child);
        add(s, " WHERE g.type='responsibleFor'");
        if (person)
            buf_printf(&s->sql, " AND g.person=%s", person);
        else
            rel_after(s, "g");
        rel_org(s, q, "r");
        rel_dates(s, q, "r");
        return;
    }
    add(s, person ? "SELECT r.person FROM prel r INDEXED BY prel_person WHERE r.type=" : "SELECT r.peid FROM prel r WHERE r.type=");
    sqlq_text(s, type);
    if (person)
        buf_printf(&s->sql, " AND r.person=%s", person);
    rel_org(s, q, "r");
    if (!person)
        rel_after(s, "r");
    rel_dates(s, q, "r");
    if (!strcmp(type, "groupMembership")) {
        /* Staff relate to a group through their duty's assignment roles; the
         * organisation is the group's. */
        add(s, person ? " UNION ALL SELECT r.person FROM prel r INDEXED BY prel_person WHERE r.type='assignmentRole'"
                      : " UNION ALL SELECT r.peid FROM prel r WHERE r.type='assignmentRole'");
        if (person)
            buf_printf(&s->sql, " AND r.person=%s", person);
        else
            rel_after(s, "r");
        const query_filter *o = query_find(q, Q_REL_ORG);
        if (o) {
            buf_printf(&s->sql, " AND r.org IN (SELECT gi.id FROM idx gi WHERE gi.kind=%d AND gi.key='organisation' AND gi.value IN ", K_GROUP);
            tree_of(s, o->v, o->n);
            add(s, ")");
        }
        rel_dates(s, q, "r");
    }
}

/* Every relation type asked for as one compound SELECT in parentheses: a
 * set of entity keys the planner can drive a page from (an OR of sets is
 * not), or with `person` the check of one person. */
static void rel_select(sqlq *s, const query *q, const char *person)
{
    static const char *const all[] = { "enrolment", "duty", "placement.child", "placement.owner",
                                       "responsibleFor.enrolment", "responsibleFor.placement",
                                       "groupMembership" };
    const query_filter *t = query_find(q, Q_REL_TYPE);
    add(s, "(");
    if (t) {
        rel_one(s, q, t->v[0], person);
    } else {
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
            if (i)
                add(s, " UNION ALL ");
            rel_one(s, q, all[i], person);
        }
    }
    add(s, ")");
}

/* Renders the set of ids a filter admits, in parentheses, and returns 1;
 * returns 0 (rendering nothing) for a filter that is not a set of ids.
 * identifier.* and relationship.* render once for all their parameters
 * (*done), as one set; their other parameters are 1=1. relationship.*'s
 * set is of entity keys (eid), the others' of ids. */
static int filter_set(sqlq *s, const query *q, const query_filter *f, int *rel_done, int *ident_done)
{
    int kind = q->kind->id;
    const param *p = f->p;
    switch (p->op) {
    case Q_EQ:
    case Q_TREE:
        ids_with(s, kind, p->key, f->v, f->n, p->op == Q_TREE);
        return 1;
    case Q_VIA:
        add(s, "(");
        via_select(s, kind, p, f->v, f->n);
        add(s, ")");
        return 1;
    case Q_EITHER:
        add(s, "(");
        via_select(s, kind, p, f->v, f->n);
        add(s, " UNION ALL SELECT u.id FROM ");
        ids_with(s, kind, p->key2, f->v, f->n, 0);
        add(s, " u)");
        return 1;
    case Q_IDENT_VALUE: case Q_IDENT_CONTEXT:
        if (*ident_done)
            return 0;
        *ident_done = 1;
        set_ident(s, kind, q);
        return 1;
    default:
        if (is_rel(p->op) && !*rel_done) {
            *rel_done = 1;
            rel_select(s, q, NULL);
            return 1;
        }
        return 0;
    }
}

/* A set filter that is not the one a page is driven from is checked only:
 * SQLite's unary + keeps the planner from driving from it. */
static int filter_pred(sqlq *s, const query *q, const query_filter *f, int drives, int *rel_done, int *ident_done)
{
    int kind = q->kind->id;
    const param *p = f->p;
    if (is_rel(p->op) && !*rel_done) {
        *rel_done = 1;
        if (!s->dollar && !drives) {
            /* A page read in key order checks each person (a set of all
             * the persons a municipality's organisation relates to would
             * be built again for every page). */
            add(s, "EXISTS ");
            rel_select(s, q, "e.id");
        } else if (s->dollar && s->rel_eids) {
            /* The kept set's keys after the page's cursor, as an array
             * PostgreSQL probes the primary key with, in key order. */
            buf lit;
            buf_init(&lit);
            buf_addc(&lit, '{');
            for (size_t i = 0; i < s->nrel_eids; i++)
                if (s->rel_eids[i] > s->eid_from)
                    buf_printf(&lit, lit.len > 1 ? ",%lld" : "%lld", (long long)s->rel_eids[i]);
            buf_addc(&lit, '}');
            add(s, "e.eid = ANY(");
            sqlq_owned_text(s, buf_steal(&lit));
            add(s, "::bigint[])");
        } else if (drives && s->drive_set) {
            add(s, "e.eid IN (SELECT eid FROM temp.drive_set WHERE h=");
            sqlq_int(s, s->drive_set);
            add(s, ")");
        } else {
            add(s, "e.eid IN ");
            rel_select(s, q, NULL);
        }
        return 0;
    }
    size_t at = s->sql.len;
    add(s, s->dollar || drives ? "e.id IN " : "+e.id IN ");
    if (filter_set(s, q, f, rel_done, ident_done))
        return 0;
    s->sql.len = at;
    s->sql.data[at] = 0;
    switch (p->op) {
    case Q_START_LE: case Q_START_GE: case Q_START_GT:
    case Q_END_LE: case Q_END_GE: case Q_END_GT:
        pred_period(s, p, f->v[0]);
        return 0;
    case Q_CREATED_LE: case Q_CREATED_GT: case Q_MODIFIED_LE: case Q_MODIFIED_GT:
        pred_meta(s, kind, p, f->v[0]);
        return 0;
    case Q_NAME_CONTAINS:
        pred_names(s, kind, f);
        return 0;
    case Q_IDENT_VALUE: case Q_IDENT_CONTEXT:
        add(s, "1=1");
        return 0;
    default:
        if (is_rel(p->op)) {
            add(s, "1=1");
            return 0;
        }
        return -1; /* Q_CUSTOM belongs to its endpoint's own code */
    }
}

/* The 8-byte big-endian value of a cursor (see sqlq.sortv); -1 when the
 * cursor is not one: its token was not made by this version. */
static int cursor_int(const unsigned char *v, size_t len, size_t at, int64_t *out)
{
    if (!v || len != at + 8)
        return -1;
    uint64_t u = 0;
    for (size_t i = 0; i < 8; i++)
        u = u << 8 | v[at + i];
    *out = (int64_t)(u ^ (1ull << 63));
    return 0;
}

/* The first clause of a list: what rows are read in which order, and
 * where the page after the cursor starts. */
static int list_source(const query *q, sqlq *s)
{
    int kind = q->kind->id;
    const sortkey *sk = q->sort;
    if (!sk) {
        /* Arrival order: a walk reads the entity table in key order. */
        int64_t from = EID_BASE(kind);
        if (q->has_cursor && cursor_int(q->cur_v, q->cur_vlen, 0, &from))
            return -1;
        s->sortv = SORTV_EID;
        if (q->has_cursor)
            s->eid_from = from;
        /* Driven from a set, the page's keys are chosen first and only its
         * rows read whole: sorting every candidate's JSON cost a fifth of
         * the query. */
        add(s, s->drive ? "SELECT o.id, o.json, o.eid FROM entity o WHERE o.eid IN (SELECT e.eid FROM entity e WHERE e.eid > "
                        : "SELECT e.id, e.json, e.eid FROM entity e WHERE e.eid > ");
        sqlq_int(s, from);
        add(s, " AND e.eid < ");
        sqlq_int(s, EID_BASE(kind + 1));
        /* The range implies the kind; PostgreSQL's planner needs it said to
         * join a filter's ids through (kind, id). SQLite's would take it
         * as a reason to leave the range scan, which a set of ids wants;
         * a set of keys (relationship.*) does not: with the kind said,
         * SQLite read the kind's (kind, modified) index instead of
         * looking the keys up. */
        if (s->dollar || (s->drive && !is_rel(q->f[s->drive - 1].p->op)))
            buf_printf(&s->sql, " AND e.kind=%d", kind);
        return 0;
    }
    if (sk->src == S_MODIFIED) {
        s->sortv = SORTV_MODIFIED;
        buf_printf(&s->sql, "SELECT e.id, e.json, e.modified FROM entity e WHERE e.kind=%d", kind);
        if (q->has_cursor) {
            int64_t m;
            if (cursor_int(q->cur_v, q->cur_vlen, 0, &m))
                return -1;
            buf_printf(&s->sql, " AND (e.modified, e.id) %s (", sk->desc ? "<" : ">");
            sqlq_int(s, m);
            add(s, ", ");
            sqlq_text(s, q->cur_id);
            add(s, ")");
        }
        return 0;
    }
    s->sortv = SORTV_BLOB;
    buf_printf(&s->sql, "SELECT e.id, e.json, o.v FROM sortidx o JOIN entity e ON e.kind=o.kind AND e.id=o.id"
                        " WHERE o.kind=%d AND o.skey=", kind);
    sqlq_text(s, model_sort_column(q->kind, sk)->name);
    if (q->has_cursor) {
        buf_printf(&s->sql, " AND (o.v, o.id) %s (", sk->desc ? "<" : ">");
        sqlq_blob(s, q->cur_v ? (const void *)q->cur_v : "", q->cur_vlen);
        add(s, ", ");
        sqlq_text(s, q->cur_id);
        add(s, ")");
    }
    return 0;
}

int sql_list(const query *q, long limit, sqlq *s)
{
    if (list_source(q, s))
        return -1;
    const query_scope *sc = q->scope ? q->scope : sql_thread_scope();
    query_scope unmatched;
    if (sc && sc->alias_protected && sc->alias_hides && q->kind->id == K_PERSON && sc->alias_hides(q)) {
        unmatched = *sc;
        unmatched.alias_unmatched = 1;
        sc = &unmatched;
    }
    if (sc) {
        /* A page driven from a filter's set is checked against the scope;
         * a walk of the kind may be driven from a narrow scope's ids. */
        add(s, s->drive ? " AND +(" : " AND ");
        if (!q->sort && !s->drive)
            sql_scope_walk(sc, q->kind->id, s);
        else
            sql_scope(sc, q->kind->id, "e.id", s);
        if (s->drive)
            add(s, ")");
    }
    int rel_done = 0, ident_done = 0;
    for (size_t i = 0; i < q->nf; i++) {
        add(s, " AND ");
        if (filter_pred(s, q, &q->f[i], s->drive == (int)i + 1, &rel_done, &ident_done))
            return -1;
    }
    const sortkey *sk = q->sort;
    if (!sk)
        add(s, " ORDER BY e.eid");
    else if (sk->src == S_MODIFIED)
        add(s, sk->desc ? " ORDER BY e.modified DESC, e.id DESC" : " ORDER BY e.modified, e.id");
    else
        add(s, sk->desc ? " ORDER BY o.v DESC, o.id DESC" : " ORDER BY o.v, o.id");
    add(s, " LIMIT ");
    sqlq_int(s, limit);
    if (s->drive)
        add(s, ") ORDER BY o.eid");
    return 0;
}

int sql_list_keyset(const query *q, size_t i, sqlq *s)
{
    if (i >= q->nf || q->sort || !is_rel(q->f[i].p->op))
        return -1;
    if (s)
        rel_select(s, q, NULL);
    return 0;
}

int sql_list_probe(const query *q, size_t i, long cap, sqlq *s)
{
    if (i >= q->nf || q->sort)
        return -1;
    int rel_done = 0, ident_done = 0;
    add(s, "SELECT count(*) FROM (SELECT 1 FROM ");
    if (!filter_set(s, q, &q->f[i], &rel_done, &ident_done))
        return -1;
    add(s, " p LIMIT ");
    sqlq_int(s, cap);
    add(s, ") c");
    return 0;
}

/* " AND <scope>" for the thread's scope, if any. */
static void thread_scoped(int kind, sqlq *s)
{
    if (!sql_thread_scope())
        return;
    add(s, " AND ");
    sql_scope(sql_thread_scope(), kind, "e.id", s);
}

void sql_fetch_ids(int kind, const char *const *ids, size_t n, sqlq *s)
{
    buf_printf(&s->sql, "SELECT e.id, e.json FROM entity e WHERE e.kind=%d AND e.id IN ", kind);
    values_list(s, (char *const *)ids, n);
    thread_scoped(kind, s);
}

void sql_fetch_by_key(int kind, const char *key, int via_kind, const char *via_key,
                      const char *const *values, size_t n, sqlq *s)
{
    buf_printf(&s->sql, "SELECT e.id, e.json FROM entity e WHERE e.kind=%d AND e.id IN ", kind);
    if (via_kind == K_NONE) {
        ids_with(s, kind, key, (char *const *)values, n, 0);
    } else {
        buf_printf(&s->sql, "(SELECT x.id FROM idx x WHERE x.kind=%d AND x.key=", kind);
        sqlq_text(s, key);
        add(s, " AND x.value IN ");
        ids_with(s, via_kind, via_key, (char *const *)values, n, 0);
        add(s, ")");
    }
    thread_scoped(kind, s);
}

void sql_display_names(int kind, const char *const *ids, size_t n, sqlq *s)
{
    if (sql_thread_scope()) {
        sql_display_names_scoped(sql_thread_scope(), kind, ids, n, s);
        return;
    }
    if (kind == K_DUTY) {
        /* A duty is named after its person: "Anna Svensson (ASV)". */
        buf_printf(&s->sql,
                   "SELECT d.id, d.display, p.display FROM entity d"
                   " LEFT JOIN entity p ON p.kind=%d AND p.id=%s WHERE d.kind=%d AND d.id IN ",
                   K_PERSON, s->dollar ? "(d.json::jsonb #>> '{person,id}')" : "json_extract(d.json, '$.person.id')",
                   K_DUTY);
    } else if (kind == K_CALENDAREVENT || kind == K_PLACEMENT) {
        /* Nameless kinds are named after what they belong to: a lesson
         * after its activity, a placement after its child. */
        int ce = kind == K_CALENDAREVENT;
        buf_printf(&s->sql,
                   "SELECT d.id, p.display FROM entity d"
                   " LEFT JOIN entity p ON p.kind=%d AND p.id=%s WHERE d.kind=%d AND d.id IN ",
                   ce ? K_ACTIVITY : K_PERSON,
                   s->dollar ? (ce ? "(d.json::jsonb #>> '{activity,id}')" : "(d.json::jsonb #>> '{child,id}')")
                             : (ce ? "json_extract(d.json, '$.activity.id')" : "json_extract(d.json, '$.child.id')"),
                   kind);
    } else {
        buf_printf(&s->sql, "SELECT d.id, d.display FROM entity d WHERE d.kind=%d AND d.id IN ", kind);
    }
    values_list(s, (char *const *)ids, n);
}

/* The kinds of /deletedEntities a scope lets through (bit per kind). */
static uint32_t scope_kinds(const query_scope *sc)
{
    uint32_t mask = 0;
    for (int k = 0; k < K__COUNT; k++) {
        const kind_desc *kd = model_kind(k);
        int ok = k == K_PERSON ? (sc->cats & CAT_PERSON_ROLES) != 0
                               : kd->cat == CAT_STANDARD || (sc->cats & (1u << kd->cat)) != 0;
        if (ok)
            mask |= 1u << k;
    }
    return mask;
}

void sql_deleted(const query *q, long limit, sqlq *s)
{
    query kinds_q;
    if (sql_thread_scope()) {
        /* Deletions of the kinds the client is granted only. */
        kinds_q = *q; /* shallow: only the kinds differ */
        uint32_t mask = scope_kinds(sql_thread_scope());
        kinds_q.entities = q->entities ? q->entities & mask : mask;
        if (!kinds_q.entities)
            kinds_q.entities = 1u << K_SUBSCRIPTION; /* none: no tombstones of that kind exist */
        q = &kinds_q;
    }
    add(s, "SELECT seq, kind, id FROM tombstone WHERE seq > ");
    sqlq_int(s, q->cur_seq);
    if (q->has_after) {
        add(s, " AND at > ");
        sqlq_int(s, q->after_ms);
    }
    if (q->entities) {
        add(s, " AND kind IN (");
        int first = 1;
        for (int k = 0; k < K__COUNT; k++) {
            if (!(q->entities & (1u << k)))
                continue;
            buf_printf(&s->sql, "%s%d", first ? "" : ",", k);
            first = 0;
        }
        add(s, ")");
    }
    add(s, " ORDER BY seq LIMIT ");
    sqlq_int(s, limit);
}
