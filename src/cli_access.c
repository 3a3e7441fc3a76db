/* skolnav stop|resume, audit ..., view-as: the administrator's side of the
 * access view and the disclosure ledger. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "access/issuer.h"
#include "access/jwks.h"
#include "access/view_as.h"
#include "api/handlers.h"
#include "api/pagetoken.h"
#include "cli.h"
#include "store/clients.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define DEFAULT_RETENTION_DAYS 730

int cli_find_client(const char *cmd, store *st, const char *name, client *c);
json_t *cli_categories_json(uint32_t cats);

static int stop_or_resume(int argc, char **argv, int stop)
{
    const char *cmd = stop ? "stop" : "resume";
    static const cli_optdef defs[] = { { "--db", 1 }, { "--all", 0 }, { "--client", 1 }, { 0 } };
    cli_args a;
    if (cli_parse(cmd, argc, argv, defs, &a))
        return 2;
    const char *one = cli_get(&a, defs, "--client");
    int all = cli_get(&a, defs, "--all") != NULL;
    if (a.npos || all == (one != NULL)) {
        fprintf(stderr, "skolnav %s: give --all (every client) or --client CLIENT\n", cmd);
        return 2;
    }
    store *st = cli_open_db(cmd, cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client c;
    if (one && cli_find_client(cmd, st, one, &c)) {
        store_close(st);
        return 1;
    }
    int failed = store_begin(st);
    if (!failed)
        failed = all ? clients_stop_all(st, stop) : clients_set_suspended(st, c.id, stop);
    if (!failed)
        failed = clients_event(st, all ? NULL : c.id,
                               stop ? (all ? "emergency stop of all clients" : "suspended (emergency stop)")
                                    : (all ? "all clients resumed" : "resumed"));
    if (failed || store_commit(st)) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
        store_rollback(st);
        store_close(st);
        return 1;
    }
    store_close(st);
    if (all)
        printf(stop ? "Stopped all API clients: every node refuses their next request.\n"
                    : "Resumed all API clients (suspended ones stay suspended).\n");
    else
        printf("Client '%s' %s.\n", c.name, stop ? "suspended" : "resumed");
    return 0;
}

int cmd_stop(int argc, char **argv)
{
    return stop_or_resume(argc, argv, 1);
}

int cmd_resume(int argc, char **argv)
{
    return stop_or_resume(argc, argv, 0);
}

static json_t *ms_json(int64_t ms)
{
    char ts[TIME_CANON_LEN];
    time_format_ms(ms, ts);
    return json_string(ts);
}

static void print_json(json_t *o, int compact)
{
    char *s = json_dumps(o, (compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    free(s);
}

static int audit_person(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--json", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("audit person", argc, argv, defs, &a))
        return 2;
    if (a.npos != 1) {
        fprintf(stderr, "skolnav audit person: give one person: an id or a civic number\n");
        return 2;
    }
    store *st = cli_open_db("audit person", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    char id[UUID_STR_LEN];
    if (access_resolve_person(st, a.pos[0], id)) {
        fprintf(stderr, "skolnav audit person: no person has the civic number '%s' (give an id for a person "
                        "since deleted)\n", a.pos[0]);
        store_close(st);
        return 1;
    }
    json_t *list = NULL;
    int rc = access_person_disclosures(st, id, &list);
    store_close(st);
    if (rc) {
        fprintf(stderr, "skolnav audit person: reading the ledger failed\n");
        return 1;
    }
    json_t *o = json_pack("{ss so}", "person", id, "disclosures", list);
    if (cli_get(&a, defs, "--json")) {
        print_json(o, 1);
    } else {
        printf("Person %s: %zu client(s) received data.\n", id, json_array_size(list));
        size_t i;
        json_t *d;
        json_array_foreach(list, i, d) {
            char *cats = json_dumps(json_object_get(d, "categories"), JSON_COMPACT);
            printf("  %s (%s) via %s, %s to %s: %s\n", json_string_value(json_object_get(d, "client")),
                   json_is_string(json_object_get(d, "clientName")) ? json_string_value(json_object_get(d, "clientName")) : "removed",
                   json_string_value(json_object_get(d, "channel")), json_string_value(json_object_get(d, "first")),
                   json_string_value(json_object_get(d, "last")), cats);
            free(cats);
        }
    }
    json_decref(o);
    return 0;
}

static int audit_client(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--json", 0 }, { 0 } };
    cli_args a;
    if (cli_parse("audit client", argc, argv, defs, &a))
        return 2;
    if (a.npos != 1) {
        fprintf(stderr, "skolnav audit client: give one client (id or name)\n");
        return 2;
    }
    store *st = cli_open_db("audit client", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client c;
    if (cli_find_client("audit client", st, a.pos[0], &c)) {
        store_close(st);
        return 1;
    }
    json_t *o = json_pack("{ss ss}", "client", c.id, "name", c.name);
    store_stmt *s;
    int ok = !store_prepare(st, "SELECT count(*), coalesce(sum(items),0), coalesce(sum(bytes),0), min(at), max(at)"
                                " FROM request_log WHERE client=?", &s);
    if (ok) {
        store_bind_text(s, 1, c.id);
        if (store_step(s) == 1) {
            int64_t n = store_col_int(s, 0);
            json_object_set_new(o, "requests", json_integer(n));
            json_object_set_new(o, "items", json_integer(store_col_int(s, 1)));
            json_object_set_new(o, "bytes", json_integer(store_col_int(s, 2)));
            json_object_set_new(o, "firstRequest", n ? ms_json(store_col_int(s, 3)) : json_null());
            json_object_set_new(o, "lastRequest", n ? ms_json(store_col_int(s, 4)) : json_null());
        }
        store_finalize(s);
    }
    json_t *byst = json_object();
    ok = ok && !store_prepare(st, "SELECT status, count(*) FROM request_log WHERE client=? GROUP BY status ORDER BY status", &s);
    if (ok) {
        store_bind_text(s, 1, c.id);
        while (store_step(s) == 1)
            json_object_set_new(byst, store_col_text(s, 0), json_integer(store_col_int(s, 1)));
        store_finalize(s);
    }
    json_object_set_new(o, "statuses", byst);
    ok = ok && !access_ledger_fold(st) &&
         !store_prepare(st, "SELECT count(DISTINCT person) FROM ledger WHERE client=?", &s);
    if (ok) {
        store_bind_text(s, 1, c.id);
        json_object_set_new(o, "persons", json_integer(store_step(s) == 1 ? store_col_int(s, 0) : 0));
        store_finalize(s);
    }
    /* Categories: OR of the ledger rows, folded in C (portable SQL has no bit_or). */
    uint32_t cats = 0;
    ok = ok && !store_prepare(st, "SELECT DISTINCT cats FROM ledger WHERE client=?", &s);
    if (ok) {
        store_bind_text(s, 1, c.id);
        while (store_step(s) == 1)
            cats |= (uint32_t)store_col_int(s, 0);
        store_finalize(s);
    }
    json_object_set_new(o, "categories", cli_categories_json(cats));
    json_t *ev = json_array();
    ok = ok && !store_prepare(st, "SELECT at, what FROM access_event WHERE client=? OR client IS NULL ORDER BY seq", &s);
    if (ok) {
        store_bind_text(s, 1, c.id);
        while (store_step(s) == 1)
            json_array_append_new(ev, json_pack("{so ss}", "at", ms_json(store_col_int(s, 0)), "what", store_col_text(s, 1)));
        store_finalize(s);
    }
    json_object_set_new(o, "events", ev);
    if (!ok)
        fprintf(stderr, "skolnav audit client: %s\n", store_errmsg(st));
    else
        print_json(o, cli_get(&a, defs, "--json") != NULL);
    json_decref(o);
    store_close(st);
    return ok ? 0 : 1;
}

static int audit_purge(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--older-than", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("audit purge", argc, argv, defs, &a))
        return 2;
    store *st = cli_open_db("audit purge", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    long days = DEFAULT_RETENTION_DAYS;
    const char *ot = cli_get(&a, defs, "--older-than");
    char *set = NULL;
    if (!ot && store_setting_get(st, "ledger_retention_days", &set) == STORE_OK)
        ot = set;
    if (ot) {
        char *end;
        days = strtol(ot, &end, 10);
        if (*end || days < 0) {
            fprintf(stderr, "skolnav audit purge: the retention must be a number of days, not '%s'\n", ot);
            free(set);
            store_close(st);
            return 2;
        }
    }
    free(set);
    int64_t nreq, nled;
    int rc = access_purge(st, time_now_ms() - (int64_t)days * 86400000, &nreq, &nled);
    if (rc)
        fprintf(stderr, "skolnav audit purge: %s\n", store_errmsg(st));
    else
        printf("Purged %lld request-log rows and %lld ledger rows older than %ld days.\n", (long long)nreq,
               (long long)nled, days);
    store_close(st);
    return rc ? 1 : 0;
}

static int audit_retention(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("audit retention", argc, argv, defs, &a))
        return 2;
    char *end = NULL;
    long days = a.npos == 1 ? strtol(a.pos[0], &end, 10) : -1;
    if (a.npos != 1 || *end || days < 0) {
        fprintf(stderr, "skolnav audit retention: give the number of days to keep the ledger and request log\n");
        return 2;
    }
    store *st = cli_open_db("audit retention", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    char v[32];
    snprintf(v, sizeof v, "%ld", days);
    int rc = store_begin(st) || store_setting_set(st, "ledger_retention_days", v) || store_commit(st);
    if (rc) {
        fprintf(stderr, "skolnav audit retention: %s\n", store_errmsg(st));
        store_rollback(st);
    } else {
        printf("The ledger and the request log keep %ld days ('skolnav audit purge' removes older rows).\n", days);
    }
    store_close(st);
    return rc ? 1 : 0;
}

int cmd_audit(int argc, char **argv)
{
    const char *sub = argc >= 1 ? argv[0] : "";
    if (!strcmp(sub, "person"))
        return audit_person(argc - 1, argv + 1);
    if (!strcmp(sub, "client"))
        return audit_client(argc - 1, argv + 1);
    if (!strcmp(sub, "purge"))
        return audit_purge(argc - 1, argv + 1);
    if (!strcmp(sub, "retention"))
        return audit_retention(argc - 1, argv + 1);
    fprintf(stderr, "skolnav audit: use 'audit person|client|purge|retention' (see 'skolnav help')\n");
    return 2;
}

/* The page-token key of the store, so tokens view-as prints work on the server. */
static int token_key(store *st, unsigned char key[PAGETOKEN_KEYLEN])
{
    char *hex = NULL;
    size_t n = 0;
    if (store_setting_get(st, "pagetoken_key", &hex) != STORE_OK) {
        randombytes_buf(key, PAGETOKEN_KEYLEN); /* no server has run: any key will do */
        return 0;
    }
    int rc = sodium_hex2bin(key, PAGETOKEN_KEYLEN, hex, strlen(hex), NULL, &n, NULL) || n != PAGETOKEN_KEYLEN;
    free(hex);
    return rc ? -1 : 0;
}

int cmd_view_as(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--method", 1 }, { "--body", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("view-as", argc, argv, defs, &a))
        return 2;
    if (a.npos != 2 || a.pos[1][0] != '/') {
        fprintf(stderr, "skolnav view-as: give the client and a path below the base path, e.g. "
                        "'skolnav view-as --db PATH \"Vendor AB\" \"/persons?limit=5\"'\n");
        return 2;
    }
    const char *method = cli_get(&a, defs, "--method");
    method = method ? method : "GET";
    const char *bodyfile = cli_get(&a, defs, "--body");
    buf body;
    buf_init(&body);
    if (bodyfile) {
        FILE *f = fopen(bodyfile, "rb");
        if (!f) {
            fprintf(stderr, "skolnav view-as: cannot read %s\n", bodyfile);
            return 1;
        }
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_add(&body, chunk, n);
        fclose(f);
    }
    store *st = cli_open_db("view-as", cli_get(&a, defs, "--db"));
    if (!st) {
        buf_free(&body);
        return 1;
    }
    client c;
    unsigned char key[PAGETOKEN_KEYLEN];
    if (cli_find_client("view-as", st, a.pos[0], &c) || token_key(st, key)) {
        buf_free(&body);
        store_close(st);
        return 1;
    }
    char *path = xstrdup(a.pos[1]);
    char *q = strchr(path, '?');
    if (q)
        *q++ = 0;
    response rs = { .status = 200 };
    buf_init(&rs.body);
    view_as_run(st, &c, key, method, path, q, body.data, body.len, &rs);
    printf("%s\n", buf_cstr(&rs.body));
    fprintf(stderr, "HTTP status %d\n", rs.status);
    int status = rs.status;
    buf_free(&rs.body);
    buf_free(&body);
    free(path);
    store_close(st);
    return status < 400 ? 0 : 1;
}

/* skolnav issuer add|list|remove: trusted issuers of external JWTs. */
static int issuer_add(int argc, char **argv)
{
    static const cli_optdef defs[] = { { "--db", 1 }, { "--jwks-file", 1 }, { "--audience", 1 }, { "--location", 1 },
                                       { "--organization-id", 1 }, { "--client", 1 }, { "--jwks-url", 1 }, { 0 } };
    cli_args a;
    if (cli_parse("issuer add", argc, argv, defs, &a))
        return 2;
    issuer_def d = { .iss = a.npos == 1 ? a.pos[0] : NULL, .jwks_file = cli_get(&a, defs, "--jwks-file"),
                     .audience = cli_get(&a, defs, "--audience"), .location = cli_get(&a, defs, "--location"),
                     .organization_id = cli_get(&a, defs, "--organization-id") };
    const char *cname = cli_get(&a, defs, "--client"), *url = cli_get(&a, defs, "--jwks-url");
    if (!d.iss || !d.jwks_file == !url || !d.audience || !cname) {
        fprintf(stderr, "skolnav issuer add: give the issuer (its iss claim), one of --jwks-file FILE or --jwks-url URL, "
                        "--audience AUD and --client CLIENT (optionally --location LOC, --organization-id ID)\n");
        return 2;
    }
    char why[400];
    if (url) {
        if (jwks_url_ok(url, why, sizeof why)) {
            fprintf(stderr, "skolnav issuer add: --jwks-url: %s\n", why);
            return 2;
        }
        d.jwks_file = url; /* the keys' location, a file or a URL */
    } else if (jwks_is_url(d.jwks_file)) {
        fprintf(stderr, "skolnav issuer add: --jwks-file takes a file; give a URL with --jwks-url\n");
        return 2;
    }
    json_t *jwks = jwks_get(d.jwks_file, NULL, why, sizeof why);
    json_decref(jwks);
    if (!jwks) {
        fprintf(stderr, "skolnav issuer add: %s\n", why);
        return 1;
    }
    store *st = cli_open_db("issuer add", cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    client c;
    if (cli_find_client("issuer add", st, cname, &c)) {
        store_close(st);
        return 1;
    }
    d.client_id = c.id;
    char ev[512];
    snprintf(ev, sizeof ev, "trusted issuer %.400s", d.iss);
    int failed = store_begin(st) || issuer_put(st, &d) || clients_event(st, c.id, ev);
    if (failed || store_commit(st)) {
        fprintf(stderr, "skolnav issuer add: %s\n", store_errmsg(st));
        store_rollback(st);
        store_close(st);
        return 1;
    }
    store_close(st);
    printf("Tokens from %s (audience %s) now act as client '%s'.\n", d.iss, d.audience, c.name);
    return 0;
}

static int issuer_list_or_remove(int argc, char **argv, int remove)
{
    const char *cmd = remove ? "issuer remove" : "issuer list";
    static const cli_optdef defs[] = { { "--db", 1 }, { 0 } };
    cli_args a;
    if (cli_parse(cmd, argc, argv, defs, &a))
        return 2;
    if (remove != (a.npos == 1)) {
        fprintf(stderr, "skolnav %s: %s\n", cmd, remove ? "give the issuer to remove" : "takes no arguments");
        return 2;
    }
    store *st = cli_open_db(cmd, cli_get(&a, defs, "--db"));
    if (!st)
        return 1;
    int rc = 0;
    if (remove) {
        rc = store_begin(st) || issuer_remove(st, a.pos[0]) || store_commit(st);
        if (rc)
            store_rollback(st);
    } else {
        store_stmt *s;
        rc = store_prepare(st, "SELECT iss, audience, coalesce(location,''), client, jwks_file FROM issuer ORDER BY iss", &s);
        while (!rc && store_step(s) == 1)
            printf("%s  audience %s  location %s  client %s  jwks %s\n", store_col_text(s, 0), store_col_text(s, 1),
                   *store_col_text(s, 2) ? store_col_text(s, 2) : "-", store_col_text(s, 3), store_col_text(s, 4));
        if (!rc)
            store_finalize(s);
    }
    if (rc)
        fprintf(stderr, "skolnav %s: %s\n", cmd, store_errmsg(st));
    store_close(st);
    return rc ? 1 : 0;
}

int cmd_issuer(int argc, char **argv)
{
    const char *sub = argc >= 1 ? argv[0] : "";
    if (!strcmp(sub, "add"))
        return issuer_add(argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return issuer_list_or_remove(argc - 1, argv + 1, 0);
    if (!strcmp(sub, "remove"))
        return issuer_list_or_remove(argc - 1, argv + 1, 1);
    fprintf(stderr, "skolnav issuer: use 'issuer add|list|remove' (see 'skolnav help')\n");
    return 2;
}
