/* api/query_parse: query strings and every parameter of every list. */
#include "testutil.h"

#include "api/query_parse.h"

/* ------------------------------------------------------------ qs_parse */

static void qs_ok(const char *raw, qs *out)
{
    api_error e = { 0 };
    if (qs_parse(raw, out, &e))
        fail_msg("qs_parse('%s') failed: %s", raw, e.message);
}

static void qs_bad(const char *raw)
{
    api_error e = { 0 };
    qs q;
    if (qs_parse(raw, &q, &e) == 0) {
        qs_free(&q);
        fail_msg("qs_parse('%s') should fail", raw);
    }
    assert_int_equal(e.status, 400);
    assert_string_equal(e.code, E_INVALID_PARAMETER);
    assert_true(e.message[0]);
    assert_null(q.p);
    assert_int_equal(q.n, 0);
}

static void test_qs_decoding(void **state)
{
    (void)state;
    qs q;
    qs_ok("a=1&b=%C3%A5&c=x+y&d=%2B%26%3D%25&e%2Ex=%c3%a4", &q);
    assert_int_equal(q.n, 5);
    assert_string_equal(q.p[0].k, "a");
    assert_string_equal(q.p[0].v, "1");
    assert_string_equal(q.p[1].v, "å");
    assert_string_equal(q.p[2].v, "x y");
    assert_string_equal(q.p[3].v, "+&=%");
    assert_string_equal(q.p[4].k, "e.x");
    assert_string_equal(q.p[4].v, "ä");
    qs_free(&q);

    /* empty values, missing '=', empty pairs, '=' inside values, repeated keys */
    qs_ok("a=&b&&c==d&a=2&", &q);
    assert_int_equal(q.n, 4);
    assert_string_equal(q.p[0].k, "a");
    assert_string_equal(q.p[0].v, "");
    assert_string_equal(q.p[1].k, "b");
    assert_string_equal(q.p[1].v, "");
    assert_string_equal(q.p[2].k, "c");
    assert_string_equal(q.p[2].v, "=d");
    assert_string_equal(q.p[3].k, "a");
    assert_string_equal(q.p[3].v, "2");
    qs_free(&q);

    qs_ok("", &q);
    assert_int_equal(q.n, 0);
    qs_free(&q);
    qs_ok(NULL, &q);
    assert_int_equal(q.n, 0);
    qs_free(&q);
    qs_ok("&&&", &q);
    assert_int_equal(q.n, 0);
    qs_free(&q);

    /* raw UTF-8 is fine too */
    qs_ok("type=Övrigt", &q);
    assert_string_equal(q.p[0].v, "Övrigt");
    qs_free(&q);
}

static void test_qs_errors(void **state)
{
    (void)state;
    qs_bad("a=%zz");
    qs_bad("a=%4");
    qs_bad("a=%");
    qs_bad("a=%%41");
    qs_bad("a=%g0");
    qs_bad("%zz=1");
    qs_bad("a=%00");
    qs_bad("a%00=1");
    qs_bad("a=%C3");       /* truncated sequence */
    qs_bad("a=%FF");
    qs_bad("a=%C3%28");
    qs_bad("a=%ED%A0%80"); /* encoded surrogate */
    qs_bad("a=\xff");
    qs_bad("ok=1&a=%C0%AF"); /* overlong '/' */
    qs_bad("a=1&b=%4");
    api_error e = { 0 };
    qs q;
    /* too many pairs */
    size_t n = 300;
    char *raw = malloc(n * 4 + 1), *p = raw;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%sa=1", i ? "&" : "");
    assert_int_equal(qs_parse(raw, &q, &e), -1);
    assert_int_equal(e.status, 400);
    free(raw);
}

/* ------------------------------------------------------------ query_parse helpers */

static int parse_e(op_kind op, const kind_desc *k, const char *raw, query *q, api_error *e)
{
    qs in;
    memset(e, 0, sizeof *e);
    if (qs_parse(raw, &in, e)) {
        query_init(q, k);
        return -1;
    }
    int rc = query_parse(op, k, &in, NULL, q, e);
    qs_free(&in);
    if (rc == 0)
        assert_non_null(q->canon);
    return rc;
}

static void ok(op_kind op, const kind_desc *k, const char *raw, query *q)
{
    api_error e;
    if (parse_e(op, k, raw, q, &e))
        fail_msg("%s: '%.200s' should parse, got %d %s: %s", k ? k->path : "deletedEntities", raw, e.status, e.code,
                 e.message);
}

/* Fails unless parsing fails with 400 and `code`; returns the message. */
static const char *bad(op_kind op, const kind_desc *k, const char *raw, const char *code)
{
    static api_error e;
    query q;
    if (parse_e(op, k, raw, &q, &e) == 0) {
        query_free(&q);
        fail_msg("%s: '%.200s' should be rejected", k ? k->path : "deletedEntities", raw);
    }
    assert_int_equal(e.status, 400);
    if (strcmp(e.code, code))
        fail_msg("%s: '%.200s' gave %s (%s), expected %s", k ? k->path : "deletedEntities", raw, e.code, e.message, code);
    assert_true(e.message[0]);
    return e.message;
}

static const query_filter *filter(const query *q, const char *name)
{
    for (size_t i = 0; i < q->nf; i++)
        if (!strcmp(q->f[i].p->name, name))
            return &q->f[i];
    fail_msg("no filter %s", name);
    return NULL;
}

/* Required parameters of a kind's list, with valid values ("" if none). */
static const char *required_params(const kind_desc *k)
{
    static char b[1024];
    size_t n = 0;
    b[0] = 0;
    for (const param *p = k->params; p && p->name; p++)
        if (p->flags & P_REQUIRED) {
            char *v = tu_urlenc(tu_param_sample(p));
            n += (size_t)snprintf(b + n, sizeof b - n, "%s%s=%s", n ? "&" : "", p->name, v);
            free(v);
        }
    return b;
}

/* ------------------------------------------------------------ generic parameters */

static void test_no_params(void **state)
{
    (void)state;
    const kind_desc *o = tu_kind("organisations");
    query q;
    ok(OPK_LIST, o, "", &q);
    assert_ptr_equal(q.kind, o);
    assert_int_equal(q.nf, 0);
    assert_null(q.sort);
    assert_int_equal(q.limit, 0);
    assert_int_equal(q.refnames, 0);
    assert_int_equal(q.expand, 0);
    assert_false(q.has_cursor);
    assert_false(q.deleted);
    assert_string_equal(q.canon, "");
    query_free(&q);
}

static void test_limit(void **state)
{
    (void)state;
    const kind_desc *o = tu_kind("organisations");
    query q;
    ok(OPK_LIST, o, "limit=1", &q);
    assert_int_equal(q.limit, 1);
    query_free(&q);
    ok(OPK_LIST, o, "limit=250", &q);
    assert_int_equal(q.limit, 250);
    query_free(&q);
    ok(OPK_LIST, o, tu_fmt("limit=%d", LIMIT_MAX), &q);
    assert_int_equal(q.limit, LIMIT_MAX);
    query_free(&q);
    const char *huge[] = { "1001", "5000", "2147483648", "9223372036854775807", "99999999999999999999" };
    for (size_t i = 0; i < sizeof huge / sizeof *huge; i++) {
        ok(OPK_LIST, o, tu_fmt("limit=%s", huge[i]), &q);
        assert_int_equal(q.limit, LIMIT_MAX);
        query_free(&q);
    }
    const char *malformed[] = { "0", "-1", "abc", "1.5", "", "+5", " 5", "5 ", "0x10", "1e3", "5a", "%2B5", "-0" };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        const char *m = bad(OPK_LIST, o, tu_fmt("limit=%s", malformed[i]), E_INVALID_PARAMETER);
        assert_non_null(strstr(m, "limit"));
    }
    bad(OPK_LIST, o, "limit=5&limit=6", E_INVALID_PARAMETER);
    /* limit is a list parameter only */
    bad(OPK_GET, o, "limit=5", E_UNKNOWN_PARAMETER);
    bad(OPK_LOOKUP, o, "limit=5", E_UNKNOWN_PARAMETER);
}

static void test_sortkey(void **state)
{
    (void)state;
    const kind_desc *o = tu_kind("organisations");
    query q;
    ok(OPK_LIST, o, "sortkey=DisplayNameAsc", &q);
    assert_non_null(q.sort);
    assert_string_equal(q.sort->name, "DisplayNameAsc");
    assert_non_null(strstr(q.canon, "sortkey=DisplayNameAsc"));
    query_free(&q);
    ok(OPK_LIST, o, "sortkey=ModifiedDesc", &q);
    assert_string_equal(q.sort->name, "ModifiedDesc");
    query_free(&q);
    const char *m = bad(OPK_LIST, o, "sortkey=NameAsc", E_INVALID_PARAMETER);
    assert_non_null(strstr(m, "NameAsc"));
    for (const sortkey *s = o->sorts; s->name; s++)
        if (!strstr(m, s->name))
            fail_msg("the sortkey message '%s' does not list %s", m, s->name);
    bad(OPK_LIST, o, "sortkey=displaynameasc", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "sortkey=", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "sortkey=DisplayNameAsc&sortkey=ModifiedDesc", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "sortkey=DisplayNameAsc,ModifiedDesc", E_INVALID_PARAMETER);
    bad(OPK_GET, o, "sortkey=DisplayNameAsc", E_UNKNOWN_PARAMETER);
    /* case-sensitive as the specification spells them */
    const kind_desc *g = tu_kind("grades");
    ok(OPK_LIST, g, "sortkey=registeredDateAsc", &q);
    assert_string_equal(q.sort->name, "registeredDateAsc");
    query_free(&q);
    bad(OPK_LIST, g, "sortkey=RegisteredDateAsc", E_INVALID_PARAMETER);
}

static void test_expand(void **state)
{
    (void)state;
    const kind_desc *p = tu_kind("persons");
    assert_non_null(p->expands);
    query q;
    size_t n = 0;
    for (const expand *x = p->expands; x->name; x++, n++) {
        ok(OPK_LIST, p, tu_fmt("expand=%s", x->name), &q);
        assert_int_equal(q.expand, 1u << n);
        query_free(&q);
        ok(OPK_GET, p, tu_fmt("expand=%s", x->name), &q);
        assert_int_equal(q.expand, 1u << n);
        query_free(&q);
    }
    assert_true(n >= 2);
    /* comma-separated and repeated are the same */
    query r;
    ok(OPK_LIST, p, tu_fmt("expand=%s,%s", p->expands[0].name, p->expands[1].name), &q);
    ok(OPK_LIST, p, tu_fmt("expand=%s&expand=%s", p->expands[0].name, p->expands[1].name), &r);
    assert_int_equal(q.expand, 3u);
    assert_int_equal(r.expand, 3u);
    query_free(&q);
    query_free(&r);
    const char *m = bad(OPK_LIST, p, "expand=friends", E_INVALID_PARAMETER);
    assert_non_null(strstr(m, "friends"));
    assert_non_null(strstr(m, p->expands[0].name));
    bad(OPK_LIST, p, tu_fmt("expand=%s,", p->expands[0].name), E_INVALID_PARAMETER);
    bad(OPK_LIST, p, "expand=Duties", E_INVALID_PARAMETER);
    /* organisations take no expand at all */
    const kind_desc *o = tu_kind("organisations");
    if (!o->expands)
        bad(OPK_LIST, o, "expand=parent", E_UNKNOWN_PARAMETER);
    /* calendarEvents take expand on the list and GET, not on the lookup */
    const kind_desc *ce = tu_kind("calendarEvents");
    if (ce->ops & OP_LOOKUP_NO_EXPAND) {
        assert_non_null(ce->expands);
        ok(OPK_GET, ce, tu_fmt("expand=%s", ce->expands[0].name), &q);
        query_free(&q);
        bad(OPK_LOOKUP, ce, tu_fmt("expand=%s", ce->expands[0].name), E_UNKNOWN_PARAMETER);
    }
}

static void test_refnames(void **state)
{
    (void)state;
    const kind_desc *o = tu_kind("organisations");
    query q;
    ok(OPK_LIST, o, "expandReferenceNames=true", &q);
    assert_int_equal(q.refnames, 1);
    query_free(&q);
    ok(OPK_LIST, o, "expandReferenceNames=false", &q);
    assert_int_equal(q.refnames, 0);
    query_free(&q);
    ok(OPK_GET, o, "expandReferenceNames=true", &q);
    assert_int_equal(q.refnames, 1);
    query_free(&q);
    ok(OPK_LOOKUP, o, "expandReferenceNames=true", &q);
    assert_int_equal(q.refnames, 1);
    query_free(&q);
    const char *notbool[] = { "1", "0", "yes", "TRUE", "True", "", "true,false", "t" };
    for (size_t i = 0; i < sizeof notbool / sizeof *notbool; i++) {
        const char *m = bad(OPK_LIST, o, tu_fmt("expandReferenceNames=%s", notbool[i]), E_INVALID_PARAMETER);
        assert_non_null(strstr(m, "expandReferenceNames"));
    }
    bad(OPK_LIST, o, "expandReferenceNames=true&expandReferenceNames=true", E_INVALID_PARAMETER);
    /* kinds without reference names refuse it */
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = model_kind(i);
        assert_non_null(k->name);
        if ((k->ops & OP_LIST) && !(k->ops & OP_REFNAMES))
            bad(OPK_LIST, k, tu_fmt("%s%sexpandReferenceNames=true", required_params(k), *required_params(k) ? "&" : ""),
                E_UNKNOWN_PARAMETER);
        if ((k->ops & OP_GET) && !(k->ops & OP_REFNAMES_GET))
            bad(OPK_GET, k, "expandReferenceNames=true", E_UNKNOWN_PARAMETER);
    }
}

static void test_unknown(void **state)
{
    (void)state;
    const kind_desc *o = tu_kind("organisations");
    const char *m = bad(OPK_LIST, o, "limit=5&frobnicate=1", E_UNKNOWN_PARAMETER);
    assert_non_null(strstr(m, "'frobnicate'"));
    assert_non_null(strstr(m, "parent")); /* lists what it takes */
    assert_non_null(strstr(m, "meta.modified.after"));
    m = bad(OPK_LIST, o, "Parent=" TU_UUID1, E_UNKNOWN_PARAMETER);
    assert_non_null(strstr(m, "'Parent'"));
    bad(OPK_LIST, o, "=1", E_UNKNOWN_PARAMETER);
    bad(OPK_LIST, o, "type", E_INVALID_PARAMETER); /* no value */
    /* filters belong to the list only */
    m = bad(OPK_GET, o, "parent=" TU_UUID1, E_UNKNOWN_PARAMETER);
    assert_non_null(strstr(m, "'parent'"));
    bad(OPK_LOOKUP, o, "parent=" TU_UUID1, E_UNKNOWN_PARAMETER);
    bad(OPK_GET, o, "pageToken=abc", E_UNKNOWN_PARAMETER);
    bad(OPK_GET, o, "meta.modified.after=2024-01-01T00:00:00Z", E_UNKNOWN_PARAMETER);
    /* a parameter of another kind */
    bad(OPK_LIST, o, "nameContains=x", E_UNKNOWN_PARAMETER);
    /* deletedEntities */
    m = bad(OPK_DELETED, NULL, "type=Skola", E_UNKNOWN_PARAMETER);
    assert_non_null(strstr(m, "after"));
    bad(OPK_DELETED, NULL, "sortkey=ModifiedDesc", E_UNKNOWN_PARAMETER);
    bad(OPK_DELETED, NULL, "expandReferenceNames=true", E_UNKNOWN_PARAMETER);
}

/* ------------------------------------------------------------ filters */

static void test_array_forms_equal(void **state)
{
    (void)state;
    const kind_desc *o = tu_kind("organisations");
    query a, b, c;
    ok(OPK_LIST, o, "type=Skola,Skolenhet&schoolTypes=GR", &a);
    ok(OPK_LIST, o, "type=Skola&type=Skolenhet&schoolTypes=GR", &b);
    ok(OPK_LIST, o, "type=Skola%2CSkolenhet&schoolTypes=GR", &c);
    const query *qs3[] = { &a, &b, &c };
    for (int i = 0; i < 3; i++) {
        const query_filter *f = filter(qs3[i], "type");
        assert_int_equal(f->n, 2);
        assert_string_equal(f->v[0], "Skola");
        assert_string_equal(f->v[1], "Skolenhet");
        assert_int_equal(filter(qs3[i], "schoolTypes")->n, 1);
        assert_int_equal(f->p->op, Q_EQ);
    }
    assert_string_equal(a.canon, b.canon);
    assert_string_equal(a.canon, c.canon);
    query_free(&a);
    query_free(&b);
    query_free(&c);
    /* mixed */
    ok(OPK_LIST, o, "type=Skola,Skolenhet&type=Huvudman", &a);
    assert_int_equal(filter(&a, "type")->n, 3);
    assert_string_equal(filter(&a, "type")->v[2], "Huvudman");
    query_free(&a);
    /* one bad value in the list spoils it */
    const char *m = bad(OPK_LIST, o, "type=Skola,Skolan", E_INVALID_PARAMETER);
    assert_non_null(strstr(m, "Skolan"));
    bad(OPK_LIST, o, "type=Skola,", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "type=,Skola", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "type=", E_INVALID_PARAMETER);
    /* a single-valued parameter given twice */
    m = bad(OPK_LIST, o, "municipalityCode=0580&municipalityCode=0581", E_INVALID_PARAMETER);
    assert_non_null(strstr(m, "municipalityCode"));
    bad(OPK_LIST, o, "startDate.onOrBefore=2024-01-01&startDate.onOrBefore=2024-01-01", E_INVALID_PARAMETER);
    /* a single-valued string keeps its comma */
    ok(OPK_LIST, o, "municipalityCode=05,80", &a);
    assert_int_equal(filter(&a, "municipalityCode")->n, 1);
    assert_string_equal(filter(&a, "municipalityCode")->v[0], "05,80");
    query_free(&a);
    /* at most QUERY_MAX_VALUES values */
    char *raw = malloc(QUERY_MAX_VALUES * 4 + 64), *p = raw;
    p += sprintf(p, "schoolUnitCode=");
    for (int i = 0; i <= QUERY_MAX_VALUES; i++)
        p += sprintf(p, "%s%d", i ? "," : "", i);
    bad(OPK_LIST, o, raw, E_INVALID_PARAMETER);
    free(raw);
}

static void test_canonical_values(void **state)
{
    (void)state;
    const kind_desc *o = tu_kind("organisations");
    query q;
    ok(OPK_LIST, o, "parent=0B5F6C2E-3D4A-4E5F-8A6B-7C8D9E0F1A2B,1c6f7d3f-4e5b-4f60-9b7c-8d9e0fa12b3c", &q);
    const query_filter *f = filter(&q, "parent");
    assert_int_equal(f->n, 2);
    assert_string_equal(f->v[0], TU_UUID1);
    assert_string_equal(f->v[1], TU_UUID2);
    query_free(&q);
    bad(OPK_LIST, o, "parent=0b5f6c2e3d4a4e5f8a6b7c8d9e0f1a2b", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "parent={0b5f6c2e-3d4a-4e5f-8a6b-7c8d9e0f1a2b}", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "parent=0b5f6c2e-3d4a-4e5f-8a6b-7c8d9e0f1a2g", E_INVALID_PARAMETER);

    /* date-times become canonical UTC with milliseconds */
    ok(OPK_LIST, o, "meta.modified.after=2024-01-15T09:00:00%2B01:00&meta.created.before=2024-01-15T08:00:00.5Z", &q);
    assert_string_equal(filter(&q, "meta.modified.after")->v[0], "2024-01-15T08:00:00.000Z");
    assert_string_equal(filter(&q, "meta.created.before")->v[0], "2024-01-15T08:00:00.500Z");
    assert_int_equal(filter(&q, "meta.modified.after")->p->op, Q_MODIFIED_GT);
    query_free(&q);
    /* an unencoded '+' arrives as a space and is still understood */
    ok(OPK_LIST, o, "meta.modified.before=2024-01-15T09:00:00+01:00", &q);
    assert_string_equal(filter(&q, "meta.modified.before")->v[0], "2024-01-15T08:00:00.000Z");
    query_free(&q);
    bad(OPK_LIST, o, "meta.modified.after=2024-01-15", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "meta.modified.after=2024-01-15T08:00:00", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "meta.modified.after=yesterday", E_INVALID_PARAMETER);

    /* dates are validated, kept as given */
    ok(OPK_LIST, o, "startDate.onOrBefore=2024-02-29&endDate.onOrAfter=2023-08-01", &q);
    assert_string_equal(filter(&q, "startDate.onOrBefore")->v[0], "2024-02-29");
    assert_int_equal(filter(&q, "startDate.onOrBefore")->p->op, Q_START_LE);
    assert_int_equal(filter(&q, "endDate.onOrAfter")->p->op, Q_END_GE);
    query_free(&q);
    bad(OPK_LIST, o, "startDate.onOrBefore=2023-02-29", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "startDate.onOrBefore=2024-01-15T00:00:00Z", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "endDate.onOrAfter=15/01/2024", E_INVALID_PARAMETER);

    /* enums, Swedish letters encoded or raw */
    ok(OPK_LIST, o, "type=%C3%96vrigt,Verksamhetsomr%C3%A5de&type=F%C3%B6rvaltning", &q);
    f = filter(&q, "type");
    assert_int_equal(f->n, 3);
    assert_string_equal(f->v[0], "Övrigt");
    assert_string_equal(f->v[1], "Verksamhetsområde");
    assert_string_equal(f->v[2], "Förvaltning");
    query_free(&q);
    bad(OPK_LIST, o, "type=%C3%B6vrigt", E_INVALID_PARAMETER); /* case matters */
    bad(OPK_LIST, o, "type=Ovrigt", E_INVALID_PARAMETER);
    bad(OPK_LIST, o, "type=O%CC%88vrigt", E_INVALID_PARAMETER); /* NFD is not the enum value */
}

static void test_enum_with_spaces(void **state)
{
    (void)state;
    /* an enum parameter with a value containing a space or Swedish letters */
    int tested = 0;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = model_kind(i);
        assert_non_null(k->name);
        if (!(k->ops & OP_LIST))
            continue;
        for (const param *p = k->params; p && p->name; p++) {
            if (p->type != FT_ENUM || !p->enumv)
                continue;
            for (const char *const *v = p->enumv; *v; v++) {
                if (!strchr(*v, ' ') && !strpbrk(*v, "\xc3"))
                    continue;
                const char *req = required_params(k);
                char *enc = tu_urlenc(*v);
                /* percent-encoded, with '+' for the spaces, and raw */
                char *plus = strdup(*v);
                for (char *c = plus; *c; c++)
                    if (*c == ' ')
                        *c = '+';
                const char *forms[] = { enc, plus };
                for (int j = 0; j < 2; j++) {
                    query q;
                    ok(OPK_LIST, k, tu_fmt("%s%s%s=%s", req, *req ? "&" : "", p->name, forms[j]), &q);
                    assert_string_equal(filter(&q, p->name)->v[0], *v);
                    query_free(&q);
                }
                free(enc);
                free(plus);
                tested++;
            }
            const char *m = bad(OPK_LIST, k, tu_fmt("%s%s%s=Nope", required_params(k),
                                                     *required_params(k) ? "&" : "", p->name), E_INVALID_PARAMETER);
            assert_non_null(strstr(m, p->enumv[0])); /* lists the valid values */
        }
    }
    assert_true(tested > 0);
    /* the duty roles "Lärare" and "Annan personal" as filters */
    const kind_desc *d = tu_kind("duties");
    const param *role = NULL;
    for (const param *p = d->params; p && p->name; p++)
        if (p->type == FT_ENUM && p->enumv == enum_duty_role)
            role = p;
    if (!role)
        fail_msg("duties have no parameter taking the duty roles");
    query q;
    ok(OPK_LIST, d, tu_fmt("%s=L%%C3%%A4rare", role->name), &q);
    assert_string_equal(filter(&q, role->name)->v[0], "Lärare");
    query_free(&q);
    ok(OPK_LIST, d, tu_fmt("%s=Annan+personal", role->name), &q);
    assert_string_equal(filter(&q, role->name)->v[0], "Annan personal");
    query_free(&q);
    bad(OPK_LIST, d, tu_fmt("%s=l%%C3%%A4rare", role->name), E_INVALID_PARAMETER);
}

static void test_security_marking_enum(void **state)
{
    (void)state;
    /* "Skyddad folkbokföring" travels as an enum value in a query string */
    param p = { .name = "securityMarking", .type = FT_ENUM, .enumv = enum_security_marking, .op = Q_EQ };
    const char *raw = "Skyddad+folkbokf%C3%B6ring";
    qs in;
    api_error e;
    assert_int_equal(qs_parse(tu_fmt("x=%s", raw), &in, &e), 0);
    assert_string_equal(in.p[0].v, "Skyddad folkbokföring");
    assert_true(model_enum_has(p.enumv, in.p[0].v));
    qs_free(&in);
}

static void test_persons(void **state)
{
    (void)state;
    const kind_desc *p = tu_kind("persons");
    query q;
    ok(OPK_LIST, p, "nameContains=%C3%85SA,Svensson&nameContains=ANNA", &q);
    const query_filter *f = filter(&q, "nameContains");
    assert_int_equal(f->p->op, Q_NAME_CONTAINS);
    assert_int_equal(f->n, 3);
    assert_string_equal(f->v[0], "åsa");
    assert_string_equal(f->v[1], "svensson");
    assert_string_equal(f->v[2], "anna");
    query_free(&q);
    /* NFD input folds to the NFC form */
    ok(OPK_LIST, p, "nameContains=A%CC%8Asa", &q);
    assert_string_equal(filter(&q, "nameContains")->v[0], "åsa");
    query_free(&q);

    ok(OPK_LIST, p, "relationship.entity.type=responsibleFor.enrolment&relationship.organisation=" TU_UUID1
                    "&relationship.startDate.onOrBefore=2024-06-30", &q);
    assert_int_equal(filter(&q, "relationship.entity.type")->p->op, Q_REL_TYPE);
    assert_string_equal(filter(&q, "relationship.entity.type")->v[0], "responsibleFor.enrolment");
    query_free(&q);
    bad(OPK_LIST, p, "relationship.entity.type=teacher", E_INVALID_PARAMETER);
    bad(OPK_LIST, p, "relationship.organisation=nope", E_INVALID_PARAMETER);

    ok(OPK_LIST, p, "identifier.value=abc&identifier.context=ctx", &q);
    assert_int_equal(q.nf, 2);
    query_free(&q);
    ok(OPK_LIST, p, "civicNo=200101011234", &q);
    assert_string_equal(filter(&q, "civicNo")->v[0], "200101011234");
    query_free(&q);
    bad(OPK_LIST, p, "civicNo=1&civicNo=2", E_INVALID_PARAMETER);
}

static void test_calendar_events_required(void **state)
{
    (void)state;
    const kind_desc *ce = tu_kind("calendarEvents");
    query q;
    const char *win = "startTime.onOrAfter=2024-01-15T00:00:00Z&startTime.onOrBefore=2024-01-22T00:00:00%2B01:00";
    ok(OPK_LIST, ce, win, &q);
    assert_string_equal(filter(&q, "startTime.onOrBefore")->v[0], "2024-01-21T23:00:00.000Z");
    query_free(&q);
    const char *m = bad(OPK_LIST, ce, "startTime.onOrAfter=2024-01-15T00:00:00Z", E_MISSING_PARAMETER);
    assert_non_null(strstr(m, "startTime.onOrBefore"));
    m = bad(OPK_LIST, ce, "startTime.onOrBefore=2024-01-15T00:00:00Z", E_MISSING_PARAMETER);
    assert_non_null(strstr(m, "startTime.onOrAfter"));
    bad(OPK_LIST, ce, "", E_MISSING_PARAMETER);
    bad(OPK_LIST, ce, "limit=5", E_MISSING_PARAMETER);
    /* a malformed required parameter is a bad value, not a missing one */
    bad(OPK_LIST, ce, "startTime.onOrAfter=2024-01-15&startTime.onOrBefore=2024-01-22T00:00:00Z", E_INVALID_PARAMETER);
    /* GET and lookup do not need the window */
    ok(OPK_GET, ce, "", &q);
    query_free(&q);
    ok(OPK_LOOKUP, ce, "", &q);
    query_free(&q);
    /* student/teacher filters */
    ok(OPK_LIST, ce, tu_fmt("%s&student=%s&teacher=%s", win, TU_UUID1, TU_UUID2), &q);
    assert_int_equal(q.nf, 4);
    query_free(&q);
}

static void test_deleted_entities(void **state)
{
    (void)state;
    query q;
    ok(OPK_DELETED, NULL, "", &q);
    assert_true(q.deleted);
    assert_false(q.has_after);
    assert_int_equal(q.entities, 0);
    query_free(&q);
    ok(OPK_DELETED, NULL, "after=2024-01-15T09:00:00%2B01:00&entities=Person,Activity&entities=Organisation&limit=10", &q);
    assert_true(q.deleted);
    assert_true(q.has_after);
    assert_int_equal(q.after_ms, INT64_C(1705305600000));
    assert_int_equal(q.entities, (1u << K_PERSON) | (1u << K_ACTIVITY) | (1u << K_ORGANISATION));
    assert_int_equal(q.limit, 10);
    query_free(&q);
    for (const char *const *v = enum_endpoints; *v; v++) {
        ok(OPK_DELETED, NULL, tu_fmt("entities=%s", *v), &q);
        assert_int_equal(q.entities, 1u << model_kind_by_name(*v)->id);
        query_free(&q);
    }
    bad(OPK_DELETED, NULL, "entities=Persons", E_INVALID_PARAMETER);
    bad(OPK_DELETED, NULL, "entities=person", E_INVALID_PARAMETER);
    bad(OPK_DELETED, NULL, "after=2024-01-15", E_INVALID_PARAMETER);
    bad(OPK_DELETED, NULL, "after=2024-01-15T00:00:00Z&after=2024-01-16T00:00:00Z", E_INVALID_PARAMETER);
    bad(OPK_DELETED, NULL, "limit=0", E_INVALID_PARAMETER);
}

/* ------------------------------------------------------------ every parameter of every list */

static void test_every_param(void **state)
{
    (void)state;
    size_t count = 0;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = model_kind(i);
        assert_non_null(k->name);
        if (!(k->ops & OP_LIST))
            continue;
        const char *req = required_params(k);
        query q;
        /* the list without filters (except required ones) */
        ok(OPK_LIST, k, req, &q);
        query_free(&q);
        const param *all[64];
        size_t n = 0;
        for (const param *p = k->params; p && p->name && n < 60; p++)
            all[n++] = p;
        if (k->ops & OP_META_FILTERS)
            for (const param *p = model_meta_params; p->name && n < 64; p++)
                all[n++] = p;
        for (size_t j = 0; j < n; j++) {
            const param *p = all[j];
            char *good = tu_urlenc(tu_param_sample(p));
            const char *raw = (p->flags & P_REQUIRED) ? req : tu_fmt("%s%s%s=%s", req, *req ? "&" : "", p->name, good);
            ok(OPK_LIST, k, raw, &q);
            const query_filter *f = filter(&q, p->name);
            assert_ptr_equal(f->p, p);
            assert_int_equal(f->n, 1);
            assert_non_null(strstr(q.canon, p->name));
            query_free(&q);
            if (p->flags & P_MULTI) {
                ok(OPK_LIST, k, tu_fmt("%s&%s=%s", raw, p->name, good), &q);
                assert_int_equal(filter(&q, p->name)->n, 2);
                query_free(&q);
            } else if (!(p->flags & P_REQUIRED)) {
                bad(OPK_LIST, k, tu_fmt("%s&%s=%s", raw, p->name, good), E_INVALID_PARAMETER);
            }
            const char *bv = tu_param_bad(p);
            if (bv) {
                const char *m = bad(OPK_LIST, k, tu_fmt("%s%s%s=%s", req, *req ? "&" : "", p->name, bv),
                                    E_INVALID_PARAMETER);
                if (!strstr(m, p->name))
                    fail_msg("%s?%s=%s: the message '%s' does not name the parameter", k->path, p->name, bv, m);
            }
            bad(OPK_LIST, k, tu_fmt("%s%s%s=", req, *req ? "&" : "", p->name), E_INVALID_PARAMETER);
            /* list filters are not GET or lookup parameters */
            bad(OPK_GET, k, tu_fmt("%s=%s", p->name, good), E_UNKNOWN_PARAMETER);
            free(good);
            count++;
        }
        /* every sortkey */
        for (const sortkey *s = k->sorts; s && s->name; s++) {
            ok(OPK_LIST, k, tu_fmt("%s%ssortkey=%s", req, *req ? "&" : "", s->name), &q);
            assert_ptr_equal(q.sort, s);
            query_free(&q);
        }
        if (!k->sorts)
            bad(OPK_LIST, k, tu_fmt("%s%ssortkey=ModifiedDesc", req, *req ? "&" : ""), E_UNKNOWN_PARAMETER);
        /* every expand */
        for (const expand *x = k->expands; x && x->name; x++) {
            ok(OPK_LIST, k, tu_fmt("%s%sexpand=%s", req, *req ? "&" : "", x->name), &q);
            assert_int_equal(q.expand, 1u << (x - k->expands));
            query_free(&q);
        }
    }
    assert_true(count > 50);
}

/* The canonical query string parses back to the same query. */
static void test_canon_round_trip(void **state)
{
    (void)state;
    const char *cases[][2] = {
        { "organisations", "type=Skola,Huvudman&parent=0B5F6C2E-3D4A-4E5F-8A6B-7C8D9E0F1A2B&sortkey=DisplayNameAsc"
                           "&meta.modified.after=2024-01-15T09:00:00%2B01:00&limit=20&schoolUnitCode=a%26b%3Dc%20d" },
        { "persons", "nameContains=%C3%85sa&expand=duties&expandReferenceNames=true" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const kind_desc *k = tu_kind(cases[i][0]);
        query a, b;
        ok(OPK_LIST, k, cases[i][1], &a);
        ok(OPK_LIST, k, a.canon, &b);
        assert_string_equal(a.canon, b.canon);
        assert_int_equal(a.nf, b.nf);
        for (size_t j = 0; j < a.nf; j++) {
            assert_ptr_equal(a.f[j].p, b.f[j].p);
            assert_int_equal(a.f[j].n, b.f[j].n);
            for (size_t v = 0; v < a.f[j].n; v++)
                assert_string_equal(a.f[j].v[v], b.f[j].v[v]);
        }
        assert_ptr_equal(a.sort, b.sort);
        assert_int_equal(a.limit, b.limit);
        assert_int_equal(a.expand, b.expand);
        assert_int_equal(a.refnames, b.refnames);
        query_free(&a);
        query_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qs_decoding),
        cmocka_unit_test(test_qs_errors),
        cmocka_unit_test(test_no_params),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_sortkey),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_refnames),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_array_forms_equal),
        cmocka_unit_test(test_canonical_values),
        cmocka_unit_test(test_enum_with_spaces),
        cmocka_unit_test(test_security_marking_enum),
        cmocka_unit_test(test_persons),
        cmocka_unit_test(test_calendar_events_required),
        cmocka_unit_test(test_deleted_entities),
        cmocka_unit_test(test_every_param),
        cmocka_unit_test(test_canon_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
