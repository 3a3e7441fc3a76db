/* model: consistency of the model table and its lookup functions. */
#include "testutil.h"

#include "util/buf.h"

static int has_key(const kind_desc *k, const char *key)
{
    for (const index_key *ik = k->index_keys; ik && ik->key; ik++)
        if (!strcmp(ik->key, key))
            return 1;
    return 0;
}

static void test_every_kind_named(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        if (!k->name || !k->path)
            fail_msg("kind %d has no name or path (model_kinds.c row missing?)", i);
        if ((int)k->id != i)
            fail_msg("kind %s sits at index %d but says id %d", k->name, i, (int)k->id);
        if (!k->schema || !k->fields)
            fail_msg("kind %s lacks schema or fields", k->name);
        /* exactly the EndPointsEnum kinds appear in /deletedEntities */
        if (!k->deleted_key != !model_enum_has(enum_endpoints, k->name))
            fail_msg("kind %s: deleted_key %s but %s in EndPointsEnum", k->name, k->deleted_key ? "set" : "missing",
                     model_enum_has(enum_endpoints, k->name) ? "is" : "is not");
        assert_ptr_equal(model_kind(i), k);
        for (int j = 0; j < i; j++) {
            if (!strcmp(model_kinds[j].path, k->path))
                fail_msg("kinds %d and %d share the path %s", j, i, k->path);
            if (!strcmp(model_kinds[j].name, k->name))
                fail_msg("kinds %d and %d share the name %s", j, i, k->name);
        }
        if ((k->ops & OP_LIST) && !k->list_schema)
            fail_msg("kind %s lists but has no list_schema", k->name);
    }
    assert_null(model_kind(-1));
    assert_null(model_kind(K__COUNT));
}

static void check_fields(const char *where, const field *fields, int depth)
{
    assert_true(depth < 8);
    for (const field *f = fields; f->name; f++) {
        for (const field *g = fields; g < f; g++)
            if (!strcmp(g->name, f->name))
                fail_msg("%s: field %s appears twice", where, f->name);
        if (f->type == FT_REF && (f->ref < 0 || f->ref >= K__COUNT))
            fail_msg("%s.%s: FT_REF with invalid ref %d", where, f->name, f->ref);
        if (f->type == FT_ENUM && (!f->enumv || !f->enumv[0]))
            fail_msg("%s.%s: FT_ENUM without values", where, f->name);
        if (f->type == FT_OBJECT && (!f->sub || !f->sub->name))
            fail_msg("%s.%s: FT_OBJECT without sub fields", where, f->name);
        if ((f->flags & F_PERSONREF) && (f->type != FT_REF || f->ref != K_PERSON))
            fail_msg("%s.%s: F_PERSONREF on something other than a person reference", where, f->name);
        if ((f->flags & (F_UNIQUE | F_MINONE)) && !(f->flags & F_ARRAY))
            fail_msg("%s.%s: F_UNIQUE/F_MINONE on a non-array", where, f->name);
        if (f->type == FT_INT && f->min > f->max)
            fail_msg("%s.%s: min > max", where, f->name);
        if (f->type == FT_OBJECT)
            check_fields(tu_fmt("%s.%s", where, f->name), f->sub, depth + 1);
    }
}

static void test_fields(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        assert_non_null(k->name);
        check_fields(k->name, k->fields, 0);
        const field *id = model_field(k->fields, "id");
        if (i == K_AGGREGATEDATTENDANCE) {
            if (id)
                fail_msg("AggregatedAttendance has no id in 2.1");
        } else if (!id || id->type != FT_UUID || !(id->flags & F_REQUIRED)) {
            fail_msg("%s: no required UUID id", k->name);
        } else if (id != &k->fields[0]) {
            /* ingest writes meta right after the id it finds first */
            fail_msg("%s: id is not the first field", k->name);
        }
        if (k->display && !model_field(k->fields, k->display))
            fail_msg("%s: display field %s is not a field", k->name, k->display);
        for (const char *const *p = k->display_parts; p && *p; p++)
            if (!model_field(k->fields, *p))
                fail_msg("%s: display part %s is not a field", k->name, *p);
        if (k->period_start && !model_field(k->fields, k->period_start))
            fail_msg("%s: period_start %s is not a field", k->name, k->period_start);
        if (k->period_end && !model_field(k->fields, k->period_end))
            fail_msg("%s: period_end %s is not a field", k->name, k->period_end);
    }
}

/* First segment of a dotted path, without "[]". */
static const char *first_segment(const char *path)
{
    static char seg[128];
    size_t n = strcspn(path, ".[");
    snprintf(seg, sizeof seg, "%.*s", (int)n, path);
    return seg;
}

static void test_index_keys(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        assert_non_null(k->name);
        for (const index_key *ik = k->index_keys; ik && ik->key; ik++) {
            if (!ik->path || !*ik->path)
                fail_msg("%s: index key %s has no path", k->name, ik->key);
            if (!model_field(k->fields, first_segment(ik->path)))
                fail_msg("%s: index key %s path %s does not start at a field", k->name, ik->key, ik->path);
            for (const index_key *j = k->index_keys; j < ik; j++)
                if (!strcmp(j->key, ik->key))
                    fail_msg("%s: index key %s twice", k->name, ik->key);
        }
    }
}

static void check_param(const kind_desc *k, const param *p)
{
    const char *kn = k ? k->name : "meta";
    if (!p->doc || !*p->doc)
        fail_msg("%s?%s has no doc line", kn, p->name);
    if (p->type == FT_ENUM && !p->enumv)
        fail_msg("%s?%s: FT_ENUM parameter without values", kn, p->name);
    switch (p->op) {
    case Q_EQ:
    case Q_TREE:
    case Q_VIA:
    case Q_EITHER:
        if (!p->key || !has_key(k, p->key))
            fail_msg("%s?%s: key '%s' is not an index key of %s", kn, p->name, p->key ? p->key : "(null)", kn);
        break;
    default:
        break;
    }
    if (p->op == Q_VIA || p->op == Q_EITHER) {
        const kind_desc *via = model_kind(p->via_kind);
        if (!via)
            fail_msg("%s?%s: invalid via_kind %d", kn, p->name, p->via_kind);
        if (!p->via_key)
            fail_msg("%s?%s: no via_key", kn, p->name);
        /* The engine hops activity → group for members, and calendar
         * event → activity for whatever an activity is indexed by. */
        int event_hop = p->via_kind == K_CALENDAREVENT && !has_key(via, p->via_key);
        if (event_hop && !has_key(model_kind(K_ACTIVITY), p->via_key))
            fail_msg("%s?%s: calendar events hop to activities, which lack '%s'", kn, p->name, p->via_key);
        if (event_hop)
            return;
        int engine_hop = p->via_kind == K_ACTIVITY && !strcmp(p->via_key, "member");
        if (!engine_hop && !has_key(via, p->via_key))
            fail_msg("%s?%s: via_key '%s' is not an index key of %s", kn, p->name, p->via_key, via->name);
        if (engine_hop && !has_key(model_kind(K_GROUP), "member"))
            fail_msg("%s?%s: activities' members hop through groups, which lack a 'member' key", kn, p->name);
        if (engine_hop && !has_key(model_kind(K_ACTIVITY), "group"))
            fail_msg("%s?%s: activities' members hop through groups, but activities lack a 'group' key", kn, p->name);
    }
    if (p->op == Q_EITHER && (!p->key2 || !has_key(k, p->key2)))
        fail_msg("%s?%s: key2 '%s' is not an index key", kn, p->name, p->key2 ? p->key2 : "(null)");
    if (p->op >= Q_START_LE && p->op <= Q_START_GT && !k->period_start)
        fail_msg("%s?%s: a start filter on a kind without period_start", kn, p->name);
    if (p->op >= Q_END_LE && p->op <= Q_END_GT && !k->period_end)
        fail_msg("%s?%s: an end filter on a kind without period_end", kn, p->name);
}

static void test_params(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        assert_non_null(k->name);
        for (const param *p = k->params; p && p->name; p++) {
            check_param(k, p);
            assert_ptr_equal(model_param(k, p->name), p);
            for (const param *q = k->params; q < p; q++)
                if (!strcmp(q->name, p->name))
                    fail_msg("%s?%s twice", k->name, p->name);
            for (const param *m = model_meta_params; m->name; m++)
                if (!strcmp(m->name, p->name))
                    fail_msg("%s?%s repeats a meta parameter", k->name, p->name);
        }
        for (const param *m = model_meta_params; m->name; m++) {
            if (k->ops & OP_META_FILTERS)
                assert_ptr_equal(model_param(k, m->name), m);
            else
                assert_null(model_param(k, m->name));
        }
        assert_null(model_param(k, "noSuchParameter"));
        assert_null(model_param(k, "limit")); /* generic ones are the parser's */
    }
    size_t nmeta = 0;
    for (const param *m = model_meta_params; m->name; m++, nmeta++)
        assert_int_equal(m->type, FT_DATETIME);
    assert_int_equal(nmeta, 4);
    const kind_desc *orgs = tu_kind("organisations");
    const param *ma = model_param(orgs, "meta.modified.after");
    assert_non_null(ma);
    assert_int_equal(ma->op, Q_MODIFIED_GT);
    assert_int_equal(model_param(orgs, "meta.modified.before")->op, Q_MODIFIED_LE);
    assert_int_equal(model_param(orgs, "meta.created.after")->op, Q_CREATED_GT);
    assert_int_equal(model_param(orgs, "meta.created.before")->op, Q_CREATED_LE);
}

static void test_expands(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        assert_non_null(k->name);
        size_t n = 0;
        for (const expand *x = k->expands; x && x->name; x++, n++) {
            assert_ptr_equal(model_expand(k, x->name), x);
            const kind_desc *t = model_kind(x->kind);
            if (x->how != E_CUSTOM && !t)
                fail_msg("%s expand %s: invalid kind", k->name, x->name);
            if (x->how == E_REVERSE && (!x->key || !has_key(t, x->key)))
                fail_msg("%s expand %s: reverse key '%s' is not an index key of %s", k->name, x->name,
                         x->key ? x->key : "(null)", t->name);
            if (x->how == E_FORWARD && (!x->path || !model_field(k->fields, first_segment(x->path))))
                fail_msg("%s expand %s: forward path does not start at a field", k->name, x->name);
        }
        assert_true(n <= 32); /* query.expand is a 32-bit mask */
        assert_null(model_expand(k, "noSuchExpand"));
    }
}

static void test_lookups(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        assert_non_null(k->name);
        if ((k->ops & OP_LOOKUP) && (!k->lookup || !k->lookup->name))
            fail_msg("%s has OP_LOOKUP but no lookup keys", k->name);
        for (const lookup_key *l = k->lookup; l && l->name; l++) {
            if (l->type != FT_UUID && l->type != FT_STRING)
                fail_msg("%s lookup %s: type must be uuid or string", k->name, l->name);
            if (!l->key)
                continue;
            if (!has_key(k, l->key))
                fail_msg("%s lookup %s: '%s' is not an index key", k->name, l->name, l->key);
            if (l->via_kind != K_NONE) {
                const kind_desc *via = model_kind(l->via_kind);
                /* activities' members: the engine hops through their groups */
                int engine_hop = l->via_kind == K_ACTIVITY && l->via_key && !strcmp(l->via_key, "member");
                if (!via || !l->via_key || (!engine_hop && !has_key(via, l->via_key)))
                    fail_msg("%s lookup %s: via key is not an index key of the via kind", k->name, l->name);
            }
        }
    }
}

static void test_sorts(void **state)
{
    (void)state;
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        assert_non_null(k->name);
        for (const sortkey *s = k->sorts; s && s->name; s++) {
            assert_ptr_equal(model_sort(k, s->name), s);
            if (s->path && !model_field(k->fields, first_segment(s->path)))
                fail_msg("%s sortkey %s: path %s does not start at a field", k->name, s->name, s->path);
            if (s->src == S_COLLATE && !s->path && !k->display && !k->display_parts)
                fail_msg("%s sortkey %s sorts by a display name the kind lacks", k->name, s->name);
            if (s->src == S_TEXT && !s->path)
                fail_msg("%s sortkey %s: S_TEXT without a path", k->name, s->name);
            size_t len = strlen(s->name);
            int desc_name = len > 4 && !strcmp(s->name + len - 4, "Desc");
            if (desc_name != !!s->desc)
                fail_msg("%s sortkey %s: desc flag does not match its name", k->name, s->name);
            for (const sortkey *t = k->sorts; t < s; t++)
                if (!strcmp(t->name, s->name))
                    fail_msg("%s sortkey %s twice", k->name, s->name);
        }
    }
}

static void test_lookup_functions(void **state)
{
    (void)state;
    const kind_desc *o = model_kind_by_path("organisations", 13);
    assert_non_null(o);
    assert_int_equal(o->id, K_ORGANISATION);
    /* length-delimited: a prefix or an extension is not a path */
    assert_ptr_equal(model_kind_by_path("organisations/123", 13), o);
    assert_null(model_kind_by_path("organisations", 12));
    assert_null(model_kind_by_path("organisationsX", 14));
    assert_null(model_kind_by_path("Organisations", 13));
    assert_null(model_kind_by_path("", 0));
    for (int i = 0; i < K__COUNT; i++) {
        const kind_desc *k = &model_kinds[i];
        assert_non_null(k->path);
        assert_ptr_equal(model_kind_by_path(k->path, strlen(k->path)), k);
        assert_ptr_equal(model_kind_by_name(k->name), k);
    }
    assert_ptr_equal(model_kind_by_name("Organisation"), o);
    assert_null(model_kind_by_name("organisation"));
    assert_null(model_kind_by_name("Organisations"));
    assert_null(model_kind_by_name(""));

    assert_non_null(model_param(o, "parent"));
    assert_null(model_param(o, "Parent"));
    assert_null(model_param(o, ""));

    const kind_desc *g = tu_kind("grades");
    assert_non_null(model_sort(g, "registeredDateAsc"));
    assert_non_null(model_sort(g, "registeredDateDesc"));
    assert_null(model_sort(g, "RegisteredDateAsc"));
    assert_null(model_sort(g, "registereddateasc"));
    assert_non_null(model_sort(o, "DisplayNameAsc"));
    assert_null(model_sort(o, "displayNameAsc"));
    assert_null(model_sort(o, "DisplayNameDesc"));

    assert_string_equal(model_field(o->fields, "displayName")->name, "displayName");
    assert_null(model_field(o->fields, "displayname"));
    assert_null(model_field(NULL, "x"));
}

static void test_enums(void **state)
{
    (void)state;
    assert_true(model_enum_has(enum_organisation_type, "Skolenhet"));
    assert_true(model_enum_has(enum_organisation_type, "Övrigt"));
    assert_false(model_enum_has(enum_organisation_type, "skolenhet"));
    assert_false(model_enum_has(enum_organisation_type, "Skolenhet "));
    assert_false(model_enum_has(enum_organisation_type, ""));
    assert_false(model_enum_has(NULL, "x"));
    assert_true(model_enum_has(enum_security_marking, "Skyddad folkbokföring"));
    assert_true(model_enum_has(enum_duty_role, "Lärare"));
    assert_true(model_enum_has(enum_duty_role, "Speciallärare/specialpedagog"));

    const char *three[] = { "a", "b", "c", NULL }, *two[] = { "a", "b", NULL }, *one[] = { "a", NULL },
               *none[] = { NULL };
    char *l = model_enum_list(three);
    assert_string_equal(l, "a, b or c");
    free(l);
    l = model_enum_list(two);
    assert_string_equal(l, "a or b");
    free(l);
    l = model_enum_list(one);
    assert_string_equal(l, "a");
    free(l);
    l = model_enum_list(none);
    assert_non_null(l);
    assert_string_equal(l, "");
    free(l);
    l = model_enum_list(enum_absence);
    assert_string_equal(l, "Beviljad ledighet or Anmäld frånvaro");
    free(l);

    size_t n = 0;
    for (const char *const *v = enum_endpoints; *v; v++, n++) {
        if (!model_kind_by_name(*v))
            fail_msg("EndPointsEnum value %s names no kind", *v);
        for (const char *const *w = enum_endpoints; w < v; w++)
            assert_string_not_equal(*w, *v);
    }
    assert_int_equal(n, 18);

    const char *const *lists[] = { enum_organisation_type, enum_school_types, enum_duty_role, enum_group_types,
                                   enum_relation_types, enum_assignment_role_type, enum_absence, enum_endpoints,
                                   enum_curriculum, enum_security_marking };
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
        for (const char *const *v = lists[i]; *v; v++) {
            assert_true(**v);
            assert_true(utf8_valid(*v));
            for (const char *const *w = lists[i]; w < v; w++)
                if (!strcmp(*w, *v))
                    fail_msg("enum list %zu repeats %s", i, *v);
        }
}

static void test_spec_facts(void **state)
{
    (void)state;
    const kind_desc *a = model_kind(K_ACTIVITY);
    assert_non_null(a->deleted_key);
    assert_string_equal(a->deleted_key, "activitites");
    assert_string_equal(a->path, "activities");
    assert_string_equal(model_kind(K_ORGANISATION)->deleted_key, "organisations");
    assert_string_equal(model_kind(K_PERSON)->path, "persons");
    assert_string_equal(model_kind(K_ATTENDANCESCHEDULE)->path, "attendanceSchedule");
    assert_string_equal(model_kind(K_CALENDAREVENT)->path, "calendarEvents");
    assert_string_equal(model_kind(K_SCHOOLUNITOFFERING)->name, "SchoolUnitOffering");
    /* calendarEvents require their time window on a first page */
    const kind_desc *ce = model_kind(K_CALENDAREVENT);
    const param *s1 = model_param(ce, "startTime.onOrAfter"), *s2 = model_param(ce, "startTime.onOrBefore");
    assert_non_null(s1);
    assert_non_null(s2);
    assert_true(s1->flags & P_REQUIRED);
    assert_true(s2->flags & P_REQUIRED);
    assert_int_equal(s1->type, FT_DATETIME);
    /* the only required list parameters in 2.1 are those two and the
     * window of aggregatedAttendance */
    for (int i = 0; i < K__COUNT; i++)
        for (const param *p = model_kinds[i].params; p && p->name; p++)
            if ((p->flags & P_REQUIRED) && p != s1 && p != s2 && i != K_AGGREGATEDATTENDANCE)
                fail_msg("%s?%s is marked required", model_kinds[i].name, p->name);
    /* studyplans have no lookup */
    assert_false(model_kind(K_STUDYPLAN)->ops & OP_LOOKUP);
    assert_true(model_kind(K_PERSON)->ops & OP_LIST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_named),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_index_keys),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_expands),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_sorts),
        cmocka_unit_test(test_lookup_functions),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_spec_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
