/* skolnav client ...: API clients, their keys and their grants. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "access/access.h"
#include "store/clients.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define MAX_ORGS 256
#define DEFAULT_GRACE_S (7 * 24 * 3600)

store *cli_open_db(const char *cmd, const char *db)
{
    if (!db) {
        fprintf(stderr, "skolnav %s: --db PATH is required\n", cmd);
        return NULL;
    }
    char err[512];
    store *st;
    if (store_open(db, 0, &st, err, sizeof err)) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, err);
        return NULL;
    }
    return st;
}

int cli_find_client(const char *cmd, store *st, const char *name, client *c)
{
    int rc = clients_find(st, name, c);
    if (rc == STORE_OK)
        return 0;
    if (rc == STORE_NOTFOUND)
        fprintf(stderr, "skolnav %s: there is no client '%s' (see 'skolnav client list')\n", cmd, name);
    else if (rc == CLIENTS_AMBIGUOUS)
        fprintf(stderr, "skolnav %s: more than one client is named '%s'; give its id (see 'skolnav client list')\n",
                cmd, name);
    else
        fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
    return -1;
}

/* Commits, or reports and rolls back; returns the exit status. */
static int finish_txn(const char *cmd, store *st, int failed)
{
    if (failed || store_commit(st)) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
        store_rollback(st);
        return 1;
    }
    return 0;
}

/* "YYYY-MM-DD" (end of that day, UTC) or an RFC 3339 time -> ms; -1 when neither. */
static int64_t parse_expiry(const char *s)
{
    int64_t ms;
    if (!time_parse_datetime(s, &ms))
        return ms;
    char t[40];
    snprintf(t, sizeof t, "%.10sT23:59:59Z", s);
    if (strlen(s) == 10 && !time_parse_datetime(t, &ms))
        return ms;
    return -1;
}

static int valid_date(const char *s)
{
    int64_t ms;
    char t[40];
    snprintf(t, sizeof t, "%.10sT00:00:00Z", s);
    return strlen(s) == 10 && !time_parse_datetime(t, &ms);
}

static int client_add(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        { "--db", 1 }, { "--full-access", 0 }, { "--json", 0 }, { "--vendor", 1 }, { "--contact", 1 },
        { "--dpo", 1 }, { "--purpose", 1 }, { "--legal-basis", 1 }, { "--contract-end", 1 },
        { "--expires", 1 }, { 0 },
    };
    cli_args a;
    if (cli_parse("client add", argc, argv, defs, &a))
        return 2;
    if (a.npos != 1 || !*a.pos[0]) {
        fprintf(stderr, "skolnav client add: give the client's name, e.g. 'skolnav client add --db PATH \"Vendor AB\"'\n");
        return 2;
    }
    const char *ce = cli_get(&a, defs, "--contract-end"), *ex = cli_get(&a, defs, "--expires");
    if (ce && *ce && !valid_date(ce)) {
        fprintf(stderr, "skolnav client add: --contract-end '%s' is not a date YYYY-MM-DD\n", ce);
        return 2;
    }
    int64_t exp_ms = ex ? parse_expiry(ex) : 0;
    if (exp_ms < 0) {
        fprintf(stderr, "skolnav client add: --expires '%s' is not a date YYYY-MM-DD or an RFC 3339 time\n", ex);
        return 2;
    }
    int full = cli_get(&a, defs, "--full-access") != NULL;
    store *st = cli_open_db("client add", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    char id[UUID_STR_LEN], key[CLIENT_KEY_LEN], kid[CLIENT_KEYID_LEN];
    client_details d = { cli_get(&a, defs, "--vendor"), cli_get(&a, defs, "--contact"), cli_get(&a, defs, "--dpo"),
                         cli_get(&a, defs, "--purpose"), cli_get(&a, defs, "--legal-basis"), ce };
    int failed = store_begin(st) || clients_add(st, a.pos[0], full, id, key) || clients_set_details(st, id, &d);
    if (!failed && exp_ms > 0) {
        /* The first key carries the expiry: replace it by one that has it. */
        failed = clients_add_key(st, id, exp_ms, key, kid) || clients_expire_keys(st, id, kid, 0);
    }
    if (!failed)
        failed = clients_event(st, id, full ? "created with full access" : "created (no grants)");
    int rc = finish_txn("client add", st, failed);
    store_close(st);
    if (rc)
        return rc;
    if (cli_get(&a, defs, "--json")) {
        json_t *o = json_pack("{ss ss sb ss}", "id", id, "name", a.pos[0], "fullAccess", full, "key", key);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        printf("Created client '%s' (id %s) %s.\n", a.pos[0], id,
               full ? "with full access" : "with no grants: it sees nothing until 'skolnav client grant'");
        printf("Its API key is shown only now; store it safely:\n%s\n", key);
    }
    return 0;
}

static void print_client(void *ctx, const client *c, int64_t created)
{
    (void)ctx;
    char ts[TIME_CANON_LEN];
    time_format_ms(created, ts);
    const char *state = c->suspended ? "suspended" : c->expired ? "ended" : c->full_access ? "full-access" : "limited";
    printf("%s  %-12s  %s  %s\n", c->id, state, ts, c->name);
}

static int client_list(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("client list", argc, argv, defs, &a))
        return 2;
    store *st = cli_open_db("client list", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    int rc = clients_list(st, print_client, NULL);
    if (rc)
        fprintf(stderr, "skolnav client list: %s\n", store_errmsg(st));
    store_close(st);
    return rc ? 1 : 0;
}

static void add_org(void *ctx, const char *org)
{
    json_array_append_new(ctx, json_string(org));
}

json_t *cli_categories_json(uint32_t cats)
{
    json_t *a = json_array();
    for (int i = 0; i < CAT__COUNT; i++)
        if (cats & (1u << i))
            json_array_append_new(a, json_string(model_category_name(i)));
    return a;
}

static json_t *opt_str(store_stmt *s, int i)
{
    const char *v = store_col_text(s, i);
    return *v ? json_string(v) : json_null();
}

static json_t *time_or_null(store_stmt *s, int i)
{
    if (!*store_col_text(s, i))
        return json_null();
    char ts[TIME_CANON_LEN];
    time_format_ms(store_col_int(s, i), ts);
    return json_string(ts);
}

static int client_show(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--json", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("client show", argc, argv, defs, &a))
        return 2;
    if (a.npos != 1) {
        fprintf(stderr, "skolnav client show: give one client (id or name)\n");
        return 2;
    }
    store *st = cli_open_db("client show", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client c;
    if (cli_find_client("client show", st, a.pos[0], &c)) {
        store_close(st);
        return 1;
    }
    static const char *const pn[] = { "exclude", "alias", "full" };
    json_t *o = json_pack("{ss ss sb sb sb so ss sb sb}", "id", c.id, "name", c.name, "fullAccess", c.full_access,
                          "suspended", c.suspended, "allOrganisations", c.all_orgs,
                          "categories", cli_categories_json(c.cats | 1u), "protectedIdentities", pn[c.protect],
                          "pseudonyms", c.pseudonyms, "writes", c.writes);
    json_t *orgs = json_array();
    int rc = clients_orgs(st, c.id, add_org, orgs);
    json_object_set_new(o, "organisations", orgs);
    store_stmt *s = NULL;
    if (!rc && !store_prepare(st, "SELECT coalesce(vendor,''), coalesce(contact,''), coalesce(dpo,''),"
                                  " coalesce(purpose,''), coalesce(legal_basis,''), coalesce(contract_end,'')"
                                  " FROM client WHERE id=?", &s)) {
        store_bind_text(s, 1, c.id);
        if (store_step(s) == 1) {
            static const char *const names[] = { "vendor", "contact", "dataProtectionContact", "purpose",
                                                 "legalBasis", "contractEnd" };
            for (int i = 0; i < 6; i++)
                json_object_set_new(o, names[i], opt_str(s, i));
        }
        store_finalize(s);
    }
    json_t *keys = json_array();
    if (!rc && !store_prepare(st, "SELECT id, created, coalesce(CAST(expires AS TEXT),''), coalesce(CAST(revoked AS TEXT),'') FROM client_key"
                                  " WHERE client=? ORDER BY created, id", &s)) {
        store_bind_text(s, 1, c.id);
        while (store_step(s) == 1) {
            json_t *k = json_pack("{ss so so so}", "id", store_col_text(s, 0), "created", time_or_null(s, 1),
                                  "expires", time_or_null(s, 2), "revoked", time_or_null(s, 3));
            json_array_append_new(keys, k);
        }
        store_finalize(s);
    }
    json_object_set_new(o, "keys", keys);
    char *txt = json_dumps(o, JSON_INDENT(cli_get(&a, defs, "--json") ? 0 : 2) | JSON_PRESERVE_ORDER |
                                  (cli_get(&a, defs, "--json") ? JSON_COMPACT : 0));
    printf("%s\n", txt);
    free(txt);
    json_decref(o);
    store_close(st);
    return rc ? 1 : 0;
}

/* grant/revoke options, which repeat (--org ID --org ID, --category NAME). */
typedef struct grant_args {
    const char *db, *client;
    int all_orgs;
    const char *orgs[MAX_ORGS];
    size_t norgs;
    uint32_t cats;
    int protect, pseudonyms, writes;
} grant_args;

static int next_value(const char *cmd, int argc, char **argv, int *i, const char **out)
{
    const char *a = argv[*i];
    const char *eq = strchr(a, '=');
    if (eq) {
        *out = eq + 1;
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "skolnav %s: option %s needs a value\n", cmd, a);
        return -1;
    }
    *out = argv[++*i];
    return 0;
}

static int optis(const char *a, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(a, name, n) && (a[n] == 0 || a[n] == '=');
}

static int parse_grant(const char *cmd, int argc, char **argv, grant_args *g, int revoke)
{
    memset(g, 0, sizeof *g);
    g->protect = g->pseudonyms = g->writes = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strncmp(a, "--", 2)) {
            if (g->client) {
                fprintf(stderr, "skolnav %s: give one client; '%s' is extra\n", cmd, a);
                return -1;
            }
            g->client = a;
        } else if (optis(a, "--db")) {
            if (next_value(cmd, argc, argv, &i, &g->db))
                return -1;
        } else if (!strcmp(a, "--all-orgs")) {
            g->all_orgs = 1;
        } else if (optis(a, "--org")) {
            if (next_value(cmd, argc, argv, &i, &v))
                return -1;
            if (uuid_valid(v)) {
                fprintf(stderr, "skolnav %s: --org '%s' is not an organisation id (a UUID)\n", cmd, v);
                return -1;
            }
            if (g->norgs == MAX_ORGS) {
                fprintf(stderr, "skolnav %s: at most %d --org at a time\n", cmd, MAX_ORGS);
                return -1;
            }
            g->orgs[g->norgs++] = v;
        } else if (optis(a, "--category")) {
            if (next_value(cmd, argc, argv, &i, &v))
                return -1;
            int c = model_category_by_name(v);
            if (c < 0) {
                buf b;
                buf_init(&b);
                for (int k = 0; k < CAT__COUNT; k++)
                    buf_printf(&b, "%s\"%s\"", k ? ", " : "", model_category_name(k));
                fprintf(stderr, "skolnav %s: unknown category '%s'; the categories are %s\n", cmd, v, b.data);
                buf_free(&b);
                return -1;
            }
            g->cats |= 1u << c;
        } else if (!revoke && optis(a, "--protected")) {
            if (next_value(cmd, argc, argv, &i, &v))
                return -1;
            g->protect = !strcmp(v, "exclude") ? PROTECT_EXCLUDE : !strcmp(v, "alias") ? PROTECT_ALIAS
                       : !strcmp(v, "full") ? PROTECT_FULL : -2;
            if (g->protect == -2) {
                fprintf(stderr, "skolnav %s: --protected takes exclude, alias or full, not '%s'\n", cmd, v);
                return -1;
            }
        } else if (!revoke && (optis(a, "--pseudonyms") || optis(a, "--writes"))) {
            int *dst = optis(a, "--writes") ? &g->writes : &g->pseudonyms;
            if (next_value(cmd, argc, argv, &i, &v))
                return -1;
            *dst = !strcmp(v, "on") ? 1 : !strcmp(v, "off") ? 0 : -2;
            if (*dst == -2) {
                fprintf(stderr, "skolnav %s: %.12s takes on or off, not '%s'\n", cmd, a, v);
                return -1;
            }
        } else {
            fprintf(stderr, "skolnav %s: unknown option '%s' (see 'skolnav help')\n", cmd, a);
            return -1;
        }
    }
    if (!g->client) {
        fprintf(stderr, "skolnav %s: give the client (id or name)\n", cmd);
        return -1;
    }
    if (g->all_orgs && g->norgs) {
        fprintf(stderr, "skolnav %s: give --all-orgs or --org, not both\n", cmd);
        return -1;
    }
    return 0;
}

static int client_grant(int argc, char **argv, int revoke)
{
    const char *cmd = revoke ? "client revoke" : "client grant";
    grant_args g;
    if (parse_grant(cmd, argc, argv, &g, revoke))
        return 2;
    store *st = cli_open_db(cmd, g.db);
    if (!st)
        return 1;
    client c;
    if (cli_find_client(cmd, st, g.client, &c)) {
        store_close(st);
        return 1;
    }
    char lower[MAX_ORGS][UUID_STR_LEN];
    const char *orgs[MAX_ORGS];
    int failed = store_begin(st);
    for (size_t i = 0; i < g.norgs && !failed; i++) {
        uuid_lower(g.orgs[i], lower[i]);
        orgs[i] = lower[i];
        if (!revoke && store_entity_exists(st, K_ORGANISATION, lower[i]) != STORE_OK) {
            store_rollback(st);
            fprintf(stderr, "skolnav %s: there is no organisation %s in the store\n", cmd, lower[i]);
            store_close(st);
            return 1;
        }
    }
    if (!failed)
        failed = revoke ? clients_revoke(st, c.id, g.all_orgs, orgs, g.norgs, g.cats)
                        : clients_grant(st, c.id, g.all_orgs, orgs, g.norgs, g.cats, g.protect, g.pseudonyms, g.writes);
    buf ev;
    buf_init(&ev);
    buf_printf(&ev, "%s:", revoke ? "revoked" : "granted");
    if (g.all_orgs)
        buf_adds(&ev, " all organisations");
    for (size_t i = 0; i < g.norgs; i++)
        buf_printf(&ev, " org %s", orgs[i]);
    for (int i = 0; i < CAT__COUNT; i++)
        if (g.cats & (1u << i))
            buf_printf(&ev, " category %s", model_category_name(i));
    if (g.protect >= 0)
        buf_printf(&ev, " protected %d", g.protect);
    if (g.pseudonyms >= 0)
        buf_printf(&ev, " pseudonyms %d", g.pseudonyms);
    if (!failed)
        failed = clients_event(st, c.id, buf_cstr(&ev));
    buf_free(&ev);
    int rc = finish_txn(cmd, st, failed);
    store_close(st);
    if (!rc && g.protect == PROTECT_FULL)
        fprintf(stderr, "warning: client '%s' now sees persons with a protected identity in full; grant this only "
                        "to a client that must have it\n", c.name);
    if (!rc)
        printf("%s client '%s' (%s).\n", revoke ? "Updated" : "Granted", c.name, c.id);
    return rc;
}

static int client_simple(int argc, char **argv, const char *cmd, int what)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    if (cli_parse(cmd, argc, argv, defs, &a))
        return 2;
    if (a.npos != 1) {
        fprintf(stderr, "skolnav %s: give one client (id or name)\n", cmd);
        return 2;
    }
    store *st = cli_open_db(cmd, cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client c;
    if (cli_find_client(cmd, st, a.pos[0], &c)) {
        store_close(st);
        return 1;
    }
    static const char *const ev[] = { "suspended (emergency stop)", "resumed", "removed" };
    int failed = store_begin(st) || (what == 2 ? clients_remove(st, c.id) : clients_set_suspended(st, c.id, what == 0)) ||
                 clients_event(st, c.id, ev[what]);
    int rc = finish_txn(cmd, st, failed);
    store_close(st);
    if (!rc)
        printf("Client '%s' (%s) %s.\n", c.name, c.id, ev[what]);
    return rc;
}

static int client_rotate(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--grace", 1 }, { "--expires", 1 }, { "--json", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("client rotate", argc, argv, defs, &a))
        return 2;
    if (a.npos != 1) {
        fprintf(stderr, "skolnav client rotate: give one client (id or name)\n");
        return 2;
    }
    const char *gr = cli_get(&a, defs, "--grace"), *ex = cli_get(&a, defs, "--expires");
    char *end = NULL;
    long grace = gr ? strtol(gr, &end, 10) : DEFAULT_GRACE_S;
    if (gr && (*end || grace < 0)) {
        fprintf(stderr, "skolnav client rotate: --grace takes seconds (0 ends the old keys at once), not '%s'\n", gr);
        return 2;
    }
    int64_t exp_ms = ex ? parse_expiry(ex) : 0;
    if (exp_ms < 0) {
        fprintf(stderr, "skolnav client rotate: --expires '%s' is not a date YYYY-MM-DD or an RFC 3339 time\n", ex);
        return 2;
    }
    store *st = cli_open_db("client rotate", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client c;
    if (cli_find_client("client rotate", st, a.pos[0], &c)) {
        store_close(st);
        return 1;
    }
    char key[CLIENT_KEY_LEN], kid[CLIENT_KEYID_LEN];
    int failed = store_begin(st) || clients_add_key(st, c.id, exp_ms, key, kid) ||
                 clients_expire_keys(st, c.id, kid, time_now_ms() + (int64_t)grace * 1000) ||
                 clients_event(st, c.id, "key rotated");
    int rc = finish_txn("client rotate", st, failed);
    store_close(st);
    if (rc)
        return rc;
    if (cli_get(&a, defs, "--json")) {
        printf("{\"id\":\"%s\",\"keyId\":\"%s\",\"key\":\"%s\"}\n", c.id, kid, key);
    } else {
        printf("New key %s for client '%s'; the old keys stay valid for %ld more seconds.\n", kid, c.name, grace);
        printf("The new API key is shown only now; store it safely:\n%s\n", key);
    }
    return 0;
}

/* client pseudonym CLIENT ID: the hub's id for a pseudonym the client was
 * given, or the client's pseudonym for a hub person id. */
static int client_pseudonym(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("client pseudonym", argc, argv, defs, &a))
        return 2;
    if (a.npos != 2 || uuid_valid(a.pos[1])) {
        fprintf(stderr, "skolnav client pseudonym: give the client and a person id or pseudonym (a UUID)\n");
        return 2;
    }
    store *st = cli_open_db("client pseudonym", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client c;
    if (cli_find_client("client pseudonym", st, a.pos[0], &c)) {
        store_close(st);
        return 1;
    }
    char id[UUID_STR_LEN];
    uuid_lower(a.pos[1], id);
    store_stmt *s;
    int rc = 1;
    if (!store_prepare(st, "SELECT person FROM pseudonym WHERE client=? AND pseudo=?", &s)) {
        store_bind_text(s, 1, c.id);
        store_bind_text(s, 2, id);
        if (store_step(s) == 1) {
            printf("%s\n", store_col_text(s, 0));
            rc = 0;
        }
        store_finalize(s);
    }
    if (rc && store_entity_exists(st, K_PERSON, id) == STORE_OK) {
        access_view av;
        memset(&av, 0, sizeof av);
        av.cl = c;
        if (access_secret(st, "pseudonym_key", av.pkey, sizeof av.pkey, 1) == STORE_OK) {
            char p[UUID_STR_LEN];
            access_pseudo_id(&av, id, p);
            printf("%s\n", p);
            rc = 0;
        }
    }
    if (rc)
        fprintf(stderr, "skolnav client pseudonym: %s is neither a pseudonym given to '%s' nor a person id\n", id,
                c.name);
    store_close(st);
    return rc;
}

int cmd_client(int argc, char **argv)
{
    const char *sub = argc >= 1 ? argv[0] : "";
    argc--, argv++;
    if (!strcmp(sub, "add"))
        return client_add(argc, argv);
    if (!strcmp(sub, "list"))
        return client_list(argc, argv);
    if (!strcmp(sub, "show"))
        return client_show(argc, argv);
    if (!strcmp(sub, "grant"))
        return client_grant(argc, argv, 0);
    if (!strcmp(sub, "revoke"))
        return client_grant(argc, argv, 1);
    if (!strcmp(sub, "suspend"))
        return client_simple(argc, argv, "client suspend", 0);
    if (!strcmp(sub, "resume"))
        return client_simple(argc, argv, "client resume", 1);
    if (!strcmp(sub, "remove"))
        return client_simple(argc, argv, "client remove", 2);
    if (!strcmp(sub, "rotate"))
        return client_rotate(argc, argv);
    if (!strcmp(sub, "pseudonym"))
        return client_pseudonym(argc, argv);
    fprintf(stderr, "skolnav client: use add, list, show, grant, revoke, suspend, resume, rotate, remove or pseudonym "
                    "(see 'skolnav help')\n");
    return 2;
}
