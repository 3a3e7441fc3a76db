/*
 * The access scope in SQL (see query_scope in query.h). Every predicate is
 * an uncorrelated "col IN (subquery)", which SQLite and PostgreSQL both
 * evaluate once per statement, so a scoped page costs one set build plus
 * the usual keyset walk, and rows never need dropping after LIMIT.
 *
 * Organisation scope comes from the orgtree closure: an organisation is in
 * scope when it is at or below one of the client's client_org rows. Other
 * kinds follow the model table: an entity is in scope when its index row
 * kind_desc.scope_key names an in-scope entity of kind_desc.scope_kind.
 * Persons are in scope through the relations the store keeps in prel, one
 * branch per granted person role (docs/api.md, "Access").
 */
#include <string.h>

#include "store/sql_query.h"
#include "store/store.h"

static _Thread_local const query_scope *thread_scope;

void sql_set_thread_scope(const query_scope *sc)
{
    thread_scope = sc;
}

const query_scope *sql_thread_scope(void)
{
    return thread_scope;
}

/* The store's side of the access view: one request runs on one thread with
 * one connection, so the scope is the thread's (and every backend, running
 * the SQL built in sql_query.c, applies it). */
void store_set_scope(store *st, const query_scope *sc)
{
    (void)st;
    sql_set_thread_scope(sc);
}

const query_scope *store_scope(store *st)
{
    (void)st;
    return sql_thread_scope();
}

static void add(sqlq *s, const char *t)
{
    buf_adds(&s->sql, t);
}

static int granted(const query_scope *sc, int cat)
{
    return cat == CAT_STANDARD || (sc->cats & (1u << cat));
}

/* Organisations at or below the client's. */
static void orgs(const query_scope *sc, sqlq *s)
{
    add(s, "(SELECT t.des FROM orgtree t JOIN client_org g ON g.org=t.anc WHERE g.client=");
    sqlq_text(s, sc->client);
    add(s, ")");
}

/* Two ranges of the index rather than "value<>'Ingen'", which neither
 * SQLite nor PostgreSQL turns into a range: it read every person's row of
 * the index (about 50 ms on the city store) for each statement. */
static void protected_persons(sqlq *s)
{
    buf_printf(&s->sql, "(SELECT pi.id FROM idx pi WHERE pi.kind=%d AND pi.key='securityMarking'"
                        " AND pi.value<'Ingen' UNION ALL SELECT pi.id FROM idx pi WHERE pi.kind=%d"
                        " AND pi.key='securityMarking' AND pi.value>'Ingen')", K_PERSON, K_PERSON);
}

/* " AND r.org IN (orgs)" unless every organisation is granted. */
static void rel_org(const query_scope *sc, const char *r, sqlq *s)
{
    if (sc->all_orgs)
        return;
    buf_printf(&s->sql, " AND %s.org IN ", r);
    orgs(sc, s);
}

/* Persons related, in a granted role, to an organisation in scope. */
static void persons(const query_scope *sc, sqlq *s)
{
    int first = 1;
    add(s, "(");
    if (granted(sc, CAT_STUDENTS)) {
        add(s, "SELECT r.person FROM prel r WHERE r.type IN ('enrolment','placement.child','groupMembership')");
        rel_org(sc, "r", s);
        first = 0;
    }
    if (granted(sc, CAT_DUTIES)) {
        add(s, first ? "" : " UNION ");
        add(s, "SELECT r.person FROM prel r WHERE r.type='duty'");
        rel_org(sc, "r", s);
        first = 0;
    }
    if (granted(sc, CAT_RESPONSIBLES)) {
        /* Guardians: owners of a placement in scope, and the responsibles
         * of a child enrolled or placed in scope. */
        add(s, first ? "" : " UNION ");
        add(s, "SELECT r.person FROM prel r WHERE r.type='placement.owner'");
        rel_org(sc, "r", s);
        add(s, " UNION SELECT g.person FROM prel g WHERE g.type='responsibleFor' AND g.org IN"
               " (SELECT r.person FROM prel r WHERE r.type IN ('enrolment','placement.child')");
        rel_org(sc, "r", s);
        add(s, ")");
        first = 0;
    }
    if (first)
        add(s, "SELECT NULL WHERE 1=0");
    add(s, ")");
}

static int all_person_roles(const query_scope *sc)
{
    return (sc->cats & CAT_PERSON_ROLES) == CAT_PERSON_ROLES;
}

/* Every organisation but not every person role: most persons are in, so
 * a page is cheaper checked row by row through prel's (person, type)
 * index than by building the set of nearly all persons for each page (the
 * IN form above, which suits narrow grants). The same roles as persons(). */
static void persons_exists(const query_scope *sc, const char *col, sqlq *s)
{
    const char *types[4];
    size_t n = 0;
    if (granted(sc, CAT_STUDENTS))
        types[n++] = "'enrolment','placement.child','groupMembership'";
    if (granted(sc, CAT_DUTIES))
        types[n++] = "'duty'";
    if (granted(sc, CAT_RESPONSIBLES))
        types[n++] = "'placement.owner'";
    add(s, "(");
    if (n) {
        buf_printf(&s->sql, "EXISTS (SELECT 1 FROM prel px WHERE px.person=%s AND px.type IN (", col);
        for (size_t i = 0; i < n; i++)
            buf_printf(&s->sql, "%s%s", i ? "," : "", types[i]);
        add(s, "))");
    } else {
        add(s, "1=0");
    }
    if (granted(sc, CAT_RESPONSIBLES))
        buf_printf(&s->sql, " OR EXISTS (SELECT 1 FROM prel pg WHERE pg.person=%s AND pg.type='responsibleFor'"
                            " AND EXISTS (SELECT 1 FROM prel pc WHERE pc.person=pg.org"
                            " AND pc.type IN ('enrolment','placement.child')))", col);
    add(s, ")");
}

/* Ids of the entities of `kind` in organisation scope; 0 when the kind is
 * not tied to organisations (nothing to restrict). */
static int in_scope(const query_scope *sc, int kind, sqlq *s)
{
    const kind_desc *k = model_kind(kind);
    if (kind == K_ORGANISATION) {
        if (sc->all_orgs)
            return 0;
        orgs(sc, s);
        return 1;
    }
    if (kind == K_PERSON) {
        if (sc->all_orgs && all_person_roles(sc))
            return 0;
        persons(sc, s);
        return 1;
    }
    if (!k->scope_key || sc->all_orgs)
        return 0;
    buf_printf(&s->sql, "(SELECT si.id FROM idx si WHERE si.kind=%d AND si.key='%s' AND si.value IN ", kind,
               k->scope_key);
    if (!in_scope(sc, k->scope_kind, s))
        add(s, "(SELECT si2.id FROM entity si2)"); /* unreachable with the table as it is */
    add(s, ")");
    return 1;
}

/* The index key whose path is "<field>.id", for a top-level reference. */
static const char *ref_key(const kind_desc *k, const char *field)
{
    size_t n = strlen(field);
    for (const index_key *ik = k->index_keys; ik && ik->key; ik++)
        if (!strncmp(ik->path, field, n) && !strcmp(ik->path + n, ".id"))
            return ik->key;
    return NULL;
}

/* walk: the predicate is for a list in entity order (entity e), and the
 * scope is narrow, so the set is turned into the entities' keys: a walk
 * then reads the few entities in scope in key order instead of every
 * entity of the kind, checking each against the set (200 ms a page for
 * two schools of the city store). */
static void scope_pred(const query_scope *sc, int kind, const char *col, int walk, sqlq *s)
{
    const kind_desc *k = model_kind(kind);
    int ok = kind == K_PERSON ? (sc->cats & CAT_PERSON_ROLES) != 0 : granted(sc, k->cat);
    if (!ok) {
        add(s, "0=1");
        return;
    }
    add(s, "(1=1");
    if (kind == K_PERSON && sc->all_orgs && !all_person_roles(sc)) {
        add(s, " AND ");
        persons_exists(sc, col, s);
    } else {
        size_t mark = s->sql.len;
        if (walk)
            buf_printf(&s->sql, " AND e.eid IN (SELECT x.eid FROM entity x WHERE x.kind=%d AND x.id IN ", kind);
        else
            buf_printf(&s->sql, " AND %s IN ", col);
        if (!in_scope(sc, kind, s))
            s->sql.len = mark, s->sql.data[mark] = 0;
        else if (walk)
            add(s, ")");
    }
    if (sc->exclude_protected || (sc->alias_unmatched && kind == K_PERSON)) {
        if (kind == K_PERSON) {
            buf_printf(&s->sql, " AND %s NOT IN ", col);
            protected_persons(s);
        }
        /* An entity that cannot exist without a protected person (a
         * placement of a protected child, a grade of a protected pupil) is
         * a link to them, so it is out as well. */
        for (const field *f = k->fields; sc->exclude_protected && f->name; f++) {
            if (!(f->flags & F_PERSONREF) || !(f->flags & F_REQUIRED) || (f->flags & F_ARRAY))
                continue;
            const char *key = ref_key(k, f->name);
            if (!key)
                continue;
            buf_printf(&s->sql, " AND %s NOT IN (SELECT pr.id FROM idx pr WHERE pr.kind=%d AND pr.key='%s'"
                                " AND pr.value IN ", col, kind, key);
            protected_persons(s);
            add(s, ")");
        }
    }
    add(s, ")");
}

void sql_scope(const query_scope *sc, int kind, const char *col, sqlq *s)
{
    scope_pred(sc, kind, col, 0, s);
}

void sql_scope_walk(const query_scope *sc, int kind, sqlq *s)
{
    scope_pred(sc, kind, "e.id", sc->narrow, s);
}

static void values_list(sqlq *s, const char *const *v, size_t n)
{
    add(s, "(");
    for (size_t i = 0; i < n; i++) {
        if (i)
            add(s, ",");
        sqlq_text(s, v[i]);
    }
    add(s, ")");
}

void sql_display_names_scoped(const query_scope *sc, int kind, const char *const *ids, size_t n, sqlq *s)
{
    if (kind == K_DUTY) {
        buf_printf(&s->sql,
                   "SELECT d.id, d.display, p.display FROM entity d"
                   " LEFT JOIN entity p ON p.kind=%d AND p.id=%s AND ",
                   K_PERSON, s->dollar ? "(d.json::jsonb #>> '{person,id}')" : "json_extract(d.json, '$.person.id')");
        sql_scope(sc, K_PERSON, "p.id", s);
        if (sc->alias_protected) {
            /* A duty is not named after a protected person. */
            add(s, " AND p.id NOT IN ");
            protected_persons(s);
        }
        buf_printf(&s->sql, " WHERE d.kind=%d AND d.id IN ", K_DUTY);
    } else if (kind == K_PERSON && sc->alias_protected) {
        buf_printf(&s->sql, "SELECT d.id, CASE WHEN d.id IN ");
        protected_persons(s);
        buf_printf(&s->sql, " THEN '" ACCESS_ALIAS_NAME "' ELSE d.display END FROM entity d WHERE d.kind=%d AND d.id IN ",
                   kind);
    } else {
        buf_printf(&s->sql, "SELECT d.id, d.display FROM entity d WHERE d.kind=%d AND d.id IN ", kind);
    }
    values_list(s, ids, n);
    add(s, " AND ");
    sql_scope(sc, kind, "d.id", s);
}
